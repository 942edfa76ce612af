"""Everything the rules look at, loaded once per evaluation."""

from __future__ import annotations

from dataclasses import dataclass

from ..lifecycle import approved_primary
from ..models import (
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    SupportingDocument,
)


@dataclass(frozen=True)
class Submission:
    profile: CustomerProfile
    business: BusinessInformation | None
    representatives: dict[int, AuthorizedRepresentative]
    address: Address | None
    documents: list[SupportingDocument]
    primary_approved: bool


def load_submission(profile: CustomerProfile) -> Submission:
    """Read the profile's rows with one query per table."""
    return Submission(
        profile=profile,
        business=BusinessInformation.objects.filter(profile=profile).first(),
        representatives={
            rep.position: rep
            for rep in AuthorizedRepresentative.objects.filter(profile=profile)
        },
        address=Address.objects.filter(profile=profile).first(),
        documents=list(SupportingDocument.objects.filter(profile=profile)),
        primary_approved=approved_primary(profile.account) is not None,
    )
