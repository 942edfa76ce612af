"""Everything the rules look at, loaded once per evaluation."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import (
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    SupportingDocument,
)
from ..reads import row_list


@dataclass(frozen=True)
class Submission:
    profile: CustomerProfile
    business: BusinessInformation | None
    representatives: dict[int, AuthorizedRepresentative]
    address: Address | None
    documents: list[SupportingDocument]
    primary_approved: bool


def load_submission(profile: CustomerProfile) -> Submission:
    """Read the profile's answers as they are now, in three queries."""
    profiles = CustomerProfile.objects.with_answers().with_approved_primary()
    return submission_of(profiles.get(pk=profile.pk))


def submission_of(profile: CustomerProfile) -> Submission:
    """The submission of a profile read `with_answers().with_approved_primary()`."""
    return Submission(
        profile=profile,
        # A missing one-to-one row raises a subclass of AttributeError.
        business=getattr(profile, "business_information", None),
        representatives={
            rep.position: rep for rep in row_list(profile, "representatives")
        },
        address=getattr(profile, "address", None),
        documents=row_list(profile, "documents"),
        primary_approved=profile.approved_primary_id is not None,
    )
