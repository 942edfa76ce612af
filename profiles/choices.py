"""Every Trust Hub enum in one place: wire values exactly as the API spells them."""

from __future__ import annotations

from functools import lru_cache

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_REVIEW = "pending-review", _("Pending Review")
    IN_REVIEW = "in-review", _("In Review")
    TWILIO_REJECTED = "twilio-rejected", _("Twilio Rejected")
    TWILIO_APPROVED = "twilio-approved", _("Twilio Approved")


class ProfileKind(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    SECONDARY = "secondary", _("Secondary")


class BusinessIdentity(models.TextChoices):
    DIRECT_CUSTOMER = "direct_customer", _("Direct customer")
    ISV_RESELLER_OR_PARTNER = "isv_reseller_or_partner", _("ISV, reseller or partner")
    UNKNOWN = "unknown", _("Unknown")


class BusinessType(models.TextChoices):
    SOLE_PROPRIETORSHIP = "Sole Proprietorship", _("Sole Proprietorship")
    PARTNERSHIP = "Partnership", _("Partnership")
    LIMITED_LIABILITY_CORPORATION = (
        "Limited Liability Corporation",
        _("Limited Liability Corporation"),
    )
    CO_OPERATIVE = "Co-operative", _("Co-operative")
    NON_PROFIT_CORPORATION = "Non-profit Corporation", _("Non-profit Corporation")
    CORPORATION = "Corporation", _("Corporation")


class BusinessIndustry(models.TextChoices):
    AGRICULTURE = "AGRICULTURE", _("Agriculture")
    AUTOMOTIVE = "AUTOMOTIVE", _("Automotive")
    BANKING = "BANKING", _("Banking")
    CONSUMER = "CONSUMER", _("Consumer")
    EDUCATION = "EDUCATION", _("Education")
    ELECTRONICS = "ELECTRONICS", _("Electronics")
    ENERGY = "ENERGY", _("Energy")
    ENGINEERING = "ENGINEERING", _("Engineering")
    FAST_MOVING_CONSUMER_GOODS = (
        "FAST_MOVING_CONSUMER_GOODS",
        _("Fast moving consumer goods"),
    )
    FINANCIAL = "FINANCIAL", _("Financial")
    FINTECH = "FINTECH", _("Fintech")
    FOOD_AND_BEVERAGE = "FOOD_AND_BEVERAGE", _("Food and beverage")
    GOVERNMENT = "GOVERNMENT", _("Government")
    HEALTHCARE = "HEALTHCARE", _("Healthcare")
    HOSPITALITY = "HOSPITALITY", _("Hospitality")
    INSURANCE = "INSURANCE", _("Insurance")
    JEWELRY = "JEWELRY", _("Jewelry")
    LEGAL = "LEGAL", _("Legal")
    MANUFACTURING = "MANUFACTURING", _("Manufacturing")
    MEDIA = "MEDIA", _("Media")
    NOT_FOR_PROFIT = "NOT_FOR_PROFIT", _("Not for profit")
    OIL_AND_GAS = "OIL_AND_GAS", _("Oil and gas")
    ONLINE = "ONLINE", _("Online")
    RAW_MATERIALS = "RAW_MATERIALS", _("Raw materials")
    REAL_ESTATE = "REAL_ESTATE", _("Real estate")
    RELIGION = "RELIGION", _("Religion")
    RETAIL = "RETAIL", _("Retail")
    TECHNOLOGY = "TECHNOLOGY", _("Technology")
    TELECOMMUNICATIONS = "TELECOMMUNICATIONS", _("Telecommunications")
    TRANSPORTATION = "TRANSPORTATION", _("Transportation")
    TRAVEL = "TRAVEL", _("Travel")


class RegistrationIdentifier(models.TextChoices):
    EIN = "EIN", _("EIN — USA: Employer Identification Number")
    CBN = "CBN", _("CBN — Canada: Canadian Business Number")
    CN = "CN", _("CN — UK: Company Number")
    ACN = "ACN", _("ACN — Australia: Company Number")
    CIN = "CIN", _("CIN — India: Corporate Identity Number")
    VAT = "VAT", _("VAT — Europe: VAT Number")
    VATRN = "VATRN", _("VATRN — Romania: VAT Registration Number")
    RN = "RN", _("RN — Israel: Registration Number")
    DUNS = "DUNS", _("DUNS — Dun & Bradstreet number (legacy)")
    OTHER = "Other", _("Other")


class Region(models.TextChoices):
    AFRICA = "AFRICA", _("Africa")
    ASIA = "ASIA", _("Asia")
    EUROPE = "EUROPE", _("Europe")
    LATIN_AMERICA = "LATIN_AMERICA", _("Latin America")
    USA_AND_CANADA = "USA_AND_CANADA", _("USA and Canada")
    AUSTRALIA = "AUSTRALIA", _("Australia")


class JobPosition(models.TextChoices):
    DIRECTOR = "Director", _("Director")
    GM = "GM", _("GM")
    VP = "VP", _("VP")
    CEO = "CEO", _("CEO")
    CFO = "CFO", _("CFO")
    GENERAL_COUNSEL = "General Counsel", _("General Counsel")
    OTHER = "Other", _("Other")


class DocumentStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    PENDING_REVIEW = "PENDING_REVIEW", _("Pending review")
    REJECTED = "REJECTED", _("Rejected")
    APPROVED = "APPROVED", _("Approved")
    EXPIRED = "EXPIRED", _("Expired")


class DocumentType(models.TextChoices):
    """Supporting document types accepted for a business profile."""

    BUSINESS_REGISTRATION = (
        "business_registration",
        _("Business registration or incorporation certificate"),
    )
    TAX_DOCUMENT = "tax_document", _("Tax registration document")
    UTILITY_BILL = "utility_bill", _("Utility bill (proof of address)")
    BANK_STATEMENT = "bank_statement", _("Bank statement (proof of address)")
    LEASE_AGREEMENT = "lease_agreement", _("Lease agreement (proof of address)")
    BUSINESS_LICENSE = "business_license", _("Business licence")


class RejectionCode(models.IntegerChoices):
    """Trust Hub's reasons a reviewer gives for rejecting a profile."""

    BUSINESS_NOT_VERIFIABLE = 18601, _("Business name or website could not be verified")
    REGISTRATION_NOT_VERIFIABLE = (
        18602,
        _("Business registration ID could not be verified"),
    )
    ADDRESS_NOT_VERIFIABLE = 18603, _("Address could not be verified")
    REPRESENTATIVE_1_NOT_VERIFIABLE = (
        18604,
        _("Authorized representative #1 could not be verified"),
    )
    REPRESENTATIVE_2_NOT_VERIFIABLE = (
        18605,
        _("Authorized representative #2 could not be verified"),
    )
    EMAIL_DOMAIN_MISMATCH = (
        18606,
        _("Representative email domain differs from the website domain"),
    )


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Status callback")


class ErasureKind(models.TextChoices):
    DRAFT = "draft", _("Draft deleted")
    ACCOUNT = "account", _("Account deleted")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    # An email to an address nobody has confirmed yet: sent once it is confirmed.
    HELD = "held", _("Waiting for address confirmation")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


# Content types recognised from the file's bytes, with the name extensions each
# may carry; the first is the one we store under and give to a download whose
# uploaded name says otherwise.
DOCUMENT_EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
}
ACCEPTED_DOCUMENT_TYPES = {
    mime_type: extensions[0] for mime_type, extensions in DOCUMENT_EXTENSIONS.items()
}

# Trust Hub error code for an edit refused because the profile is locked.
ERROR_PROFILE_LOCKED = 60711


@lru_cache(maxsize=256)
def choice_labels(model, name: str, language: str | None) -> dict[str, str]:
    """A model field's {value: label}, translated into `language` once.

    Django's get_<field>_display() hashes and translates every label of the
    field on each call.
    """
    choices = model._meta.get_field(name).flatchoices
    return {value: str(label) for value, label in choices}
