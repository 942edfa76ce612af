"""Builders of whole profiles for tests that need a complete submission."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from profiles.choices import ProfileKind, Status
from profiles.models import (
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    NotificationAddress,
    NotificationDelivery,
    StatusChange,
    SupportingDocument,
)
from profiles.steps import STEP_NAMES
from profiles.storage import document_storage
from profiles.tests.factories import (
    AddressFactory,
    BusinessInformationFactory,
    RepresentativeFactory,
    SecondaryProfileFactory,
)
from profiles.tests.files import PDF


def new_draft(account) -> CustomerProfile:
    """A secondary draft with no name and no step answered yet."""
    return SecondaryProfileFactory(account=account, friendly_name="")


def complete_secondary_profile(
    account, *, second_email: str = "grace@acme.example.com", **fields
) -> CustomerProfile:
    """A draft secondary profile with every step answered, which the policy passes.

    Its notifications go to one email address (no status callback) and it has
    one document; `fields` set the profile's own fields (status, email...).
    """
    profile = SecondaryProfileFactory(account=account, **complete_fields(fields))
    for row in answer_rows(profile, second_email=second_email):
        row.save()
    add_document(profile)
    return profile


def complete_secondary_profiles(account, count: int, **fields) -> list[CustomerProfile]:
    """`count` profiles as complete_secondary_profile makes them, in bulk inserts.

    Their documents share one stored file.
    """
    profiles = CustomerProfile.objects.bulk_create(
        SecondaryProfileFactory.build(account=account, **complete_fields(fields))
        for _ in range(count)
    )
    rows = [row for profile in profiles for row in answer_rows(profile)]
    for model in (BusinessInformation, AuthorizedRepresentative, Address):
        model.objects.bulk_create(row for row in rows if isinstance(row, model))
    stored = document_storage().save("certificate.pdf", ContentFile(PDF))
    SupportingDocument.objects.bulk_create(
        pdf_document(profile, stored) for profile in profiles
    )
    return profiles


def complete_fields(fields: dict) -> dict:
    """A complete profile's own fields, overridden by `fields`."""
    return {
        "email": "ops@acme.example.com",
        "completed_steps": list(STEP_NAMES[:-1]),
        **fields,
    }


def answer_rows(profile, *, second_email: str = "grace@acme.example.com") -> list:
    """The unsaved rows of every step's answers but the documents."""
    return [
        BusinessInformationFactory.build(profile=profile),
        RepresentativeFactory.build(
            profile=profile, position=1, first_name="Ada", last_name="Lovelace"
        ),
        RepresentativeFactory.build(
            profile=profile,
            position=2,
            first_name="Grace",
            last_name="Hopper",
            email=second_email,
            phone_number="+442079460958",
            job_position="CEO",
        ),
        AddressFactory.build(profile=profile),
    ]


def add_document(
    profile, name="certificate.pdf", document_type="business_registration"
) -> SupportingDocument:
    """A stored PDF document, as the documents step would leave it."""
    file = ContentFile(PDF, name=name)
    document = pdf_document(profile, file, name=name, document_type=document_type)
    document.save()
    return document


def pdf_document(
    profile, file, *, name="certificate.pdf", document_type="business_registration"
) -> SupportingDocument:
    """An unsaved document row for `file` (a stored name or a file of files.PDF)."""
    return SupportingDocument(
        profile=profile,
        document_type=document_type,
        file=file,
        original_name=name,
        mime_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )


def bulk_secondary_profiles(
    account, count: int, fields=lambda n: {}
) -> list[CustomerProfile]:
    """`count` secondary profiles with complete business information and address
    rows, in three inserts.

    `fields(n)` gives the n-th profile's own fields (status, submitted_at...).
    """
    profiles = CustomerProfile.objects.bulk_create(
        CustomerProfile(
            account=account,
            kind=ProfileKind.SECONDARY,
            policy_sid=settings.SECONDARY_POLICY_SID,
            friendly_name=f"Bulk {n}",
            **fields(n),
        )
        for n in range(count)
    )
    BusinessInformation.objects.bulk_create(
        BusinessInformation(
            profile=profile,
            business_name=profile.friendly_name,
            website_url="https://bulk.example.com",
            business_identity="direct_customer",
            business_type="Limited Liability Corporation",
            business_industry="TECHNOLOGY",
            business_registration_identifier="EIN",
            business_registration_number="12-3456789",
            business_regions_of_operation=["USA_AND_CANADA"],
        )
        for profile in profiles
    )
    Address.objects.bulk_create(
        Address(
            profile=profile,
            customer_name=profile.friendly_name,
            street="375 Beale Street",
            city="San Francisco",
            region="CA",
            postal_code="94105",
            iso_country="US",
        )
        for profile in profiles
    )
    return profiles


def confirmed_address(account, email: str) -> NotificationAddress:
    """`email` confirmed for the account's notifications, as its link does."""
    address, _ = NotificationAddress.objects.update_or_create(
        account=account, email=email.lower(), defaults={"confirmed_at": timezone.now()}
    )
    return address


def pending_delivery(
    profile, *, target: str = "ops@acme.example.com"
) -> NotificationDelivery:
    """An email delivery of the profile's submission, not sent yet."""
    change = StatusChange.objects.create(
        profile=profile,
        from_status=Status.DRAFT,
        to_status=Status.PENDING_REVIEW,
        revision=1,
        sequence=1,
    )
    return NotificationDelivery.objects.create(
        status_change=change, channel="email", target=target
    )
