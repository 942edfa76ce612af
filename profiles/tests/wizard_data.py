"""Valid answers for each wizard step, as a person would type them, and the
POST data each step's form sends for them."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from profiles.tests.files import PDF

GENERAL = {"business_name": "Acme Widgets", "website_url": "https://acme.example.com"}
BUSINESS = {
    "business_identity": "direct_customer",
    "business_type": "Limited Liability Corporation",
    "business_industry": "TECHNOLOGY",
    "business_registration_identifier": "EIN",
    "business_registration_identifier_other": "",
    "business_registration_number": "12-3456789",
    "business_regions_of_operation": ["USA_AND_CANADA", "EUROPE"],
    "social_media_profile_urls": "https://social.example.com/acme",
}
FIRST_REPRESENTATIVE = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@acme.example.com",
    "phone_number": "+1 415 555 0100",
    "business_title": "Head of Operations",
    "job_position": "Director",
}
SECOND_REPRESENTATIVE = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "grace@acme.example.com",
    "phone_number": "+44 20 7946 0958",
    "business_title": "Chief Executive",
    "job_position": "CEO",
}
ADDRESS = {
    "customer_name": "Acme Widgets",
    "street": "375 Beale Street",
    "street_secondary": "Suite 300",
    "city": "San Francisco",
    "region": "CA",
    "postal_code": "94105",
    "iso_country": "US",
}
NOTIFICATIONS = {
    "email": "alerts@acme.example.com",
    "status_callback": "https://hooks.acme.example.com/trusthub",
}

FIELDS = {
    "general": GENERAL,
    "business": BUSINESS,
    "address": ADDRESS,
    "notifications": NOTIFICATIONS,
    "review": {},
}


def prefixed(prefix: str, fields: dict) -> dict:
    return {f"{prefix}-{name}": value for name, value in fields.items()}


def pdf_upload(name="certificate.pdf", content=PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def representatives_data(first=None, second=None) -> dict:
    """The formset's management fields and two representatives' fields."""
    data = {
        "representatives-TOTAL_FORMS": "2",
        "representatives-INITIAL_FORMS": "0",
        "representatives-MIN_NUM_FORMS": "1",
        "representatives-MAX_NUM_FORMS": "2",
    }
    data.update(prefixed("representatives-0", first or {}))
    data.update(prefixed("representatives-1", second or {}))
    return data


def valid_data(step: str, **overrides) -> dict:
    """Valid POST data for a step; an override of None leaves the field out."""
    if step == "representatives":
        first = {**FIRST_REPRESENTATIVE, **overrides}
        first = {name: value for name, value in first.items() if value is not None}
        return representatives_data(first, SECOND_REPRESENTATIVE)
    fields = dict(FIELDS.get(step, {}))
    if step == "documents":
        fields = {"document_type": "business_registration", "files": pdf_upload()}
    fields.update(overrides)
    if isinstance(fields.get("files"), bytes):
        fields["files"] = pdf_upload("upload.pdf", fields["files"])
    kept = {name: value for name, value in fields.items() if value is not None}
    return prefixed(step, kept)
