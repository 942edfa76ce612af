"""Builders of whole profiles for tests that need a complete submission."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile

from profiles.models import SupportingDocument
from profiles.steps import STEP_NAMES
from profiles.tests.factories import (
    AddressFactory,
    BusinessInformationFactory,
    RepresentativeFactory,
    SecondaryProfileFactory,
)
from profiles.tests.files import PDF


def complete_secondary_profile(account, **fields):
    """A draft secondary profile that the policy finds compliant."""
    profile = SecondaryProfileFactory(
        account=account,
        email="ops@acme.example.com",
        completed_steps=list(STEP_NAMES[:-1]),
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
    add_document(profile, name="bill.pdf", document_type="utility_bill")
    return profile


def add_document(
    profile, name="certificate.pdf", document_type="business_registration"
) -> SupportingDocument:
    """A stored PDF document, as the documents step would leave it."""
    return SupportingDocument.objects.create(
        profile=profile,
        document_type=document_type,
        file=ContentFile(PDF, name=name),
        original_name=name,
        mime_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )
