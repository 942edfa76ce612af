"""Builders of whole profiles for tests that need a complete submission."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile

from profiles.models import SupportingDocument
from profiles.tests.factories import (
    AddressFactory,
    BusinessInformationFactory,
    RepresentativeFactory,
    SecondaryProfileFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def complete_secondary_profile(account, **fields):
    """A draft secondary profile that the policy finds compliant."""
    profile = SecondaryProfileFactory(
        account=account,
        email="ops@acme.example.com",
        completed_steps=[
            "general",
            "business",
            "representatives",
            "address",
            "documents",
            "notifications",
        ],
        **fields,
    )
    BusinessInformationFactory(profile=profile)
    RepresentativeFactory(
        profile=profile, position=1, first_name="Ada", last_name="Lovelace"
    )
    RepresentativeFactory(
        profile=profile, position=2, first_name="Grace", last_name="Hopper"
    )
    AddressFactory(profile=profile)
    SupportingDocument.objects.create(
        profile=profile,
        document_type="utility_bill",
        file=ContentFile(PDF, name="bill.pdf"),
        original_name="bill.pdf",
        mime_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )
    return profile
