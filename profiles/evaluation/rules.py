"""Small rule functions: each looks at one part of a submission and yields findings.

A requirement's rule is called with the submission and the fields its policy
requires (see policy). A finding without an object_field means the whole
entity is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django_countries import countries

from ..choices import (
    ACCEPTED_DOCUMENT_TYPES,
    BusinessIdentity,
    BusinessIndustry,
    BusinessType,
    JobPosition,
    Region,
    RegistrationIdentifier,
)
from ..models import AuthorizedRepresentative
from ..validators import normalize_phone_number, validate_web_url
from .registration import registration_number_problem
from .submission import Submission

END_USER_MISSING = 22214
END_USER_FIELD_INVALID = 22215
DOCUMENT_MISSING = 22216
DOCUMENT_FIELD_INVALID = 22217
ADDRESS_MISSING = 22219
EMAIL_DOMAIN_MISMATCH = 18606

PO_BOX = re.compile(
    r"\b(p\.?\s*o\.?\s*box|post\s+office\s+box|pob\s*\d|postfach|apartado\s+postal"
    r"|bo[iî]te\s+postale|casilla\s+postal|caixa\s+postal)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    object_field: str | None
    error_code: int
    failure_reason: str


def missing(code: int, reason: str) -> Finding:
    return Finding(None, code, reason)


def blank_fields(obj, names: Iterable[str], code: int) -> Iterator[Finding]:
    for name in names:
        value = getattr(obj, name)
        if value in ("", None, []) or (isinstance(value, str) and not value.strip()):
            label = obj._meta.get_field(name).verbose_name
            yield Finding(name, code, _("The %s is missing.") % label)


@cache
def accepted(choices: type) -> frozenset:
    """A choices class's values (Django builds their list on every access)."""
    return frozenset(choices.values)


def not_in_choices(obj, fields: dict[str, type]) -> Iterator[Finding]:
    for name, choices in fields.items():
        value = getattr(obj, name)
        if value and value not in accepted(choices):
            label = obj._meta.get_field(name).verbose_name
            yield Finding(
                name,
                END_USER_FIELD_INVALID,
                _("The %s is not one of the accepted values.") % label,
            )


# --- Business information -------------------------------------------------------

BUSINESS_ENUMS = {
    "business_identity": BusinessIdentity,
    "business_type": BusinessType,
    "business_industry": BusinessIndustry,
    "business_registration_identifier": RegistrationIdentifier,
}


def business_information(
    submission: Submission, required: tuple[str, ...]
) -> Iterator[Finding]:
    business = submission.business
    if business is None:
        yield missing(
            END_USER_MISSING,
            _(
                "Business information is missing. Fill in the General information "
                "and Business information steps."
            ),
        )
        return
    yield from blank_fields(business, required, END_USER_FIELD_INVALID)
    yield from not_in_choices(business, BUSINESS_ENUMS)
    yield from business_website(business)
    yield from business_registration(business)
    yield from business_regions(business)


def business_website(business) -> Iterator[Finding]:
    try:
        if business.website_url.strip():
            validate_web_url(business.website_url)
    except ValidationError:
        yield Finding(
            "website_url",
            END_USER_FIELD_INVALID,
            _("The website URL must be a full http:// or https:// address."),
        )


def business_registration(business) -> Iterator[Finding]:
    identifier = business.business_registration_identifier
    if identifier == RegistrationIdentifier.OTHER and not (
        business.business_registration_identifier_other.strip()
    ):
        yield Finding(
            "business_registration_identifier_other",
            END_USER_FIELD_INVALID,
            _("Name the registration ID type when you choose Other."),
        )
    number = business.business_registration_number.strip()
    problem = number and registration_number_problem(identifier, number)
    if problem:
        yield Finding("business_registration_number", END_USER_FIELD_INVALID, problem)


def business_regions(business) -> Iterator[Finding]:
    regions = business.business_regions_of_operation
    if not isinstance(regions, list) or any(
        not isinstance(r, str) or r not in accepted(Region) for r in regions
    ):
        yield Finding(
            "business_regions_of_operation",
            END_USER_FIELD_INVALID,
            _("The operating regions include a value that is not accepted."),
        )


# --- Authorized representatives ---------------------------------------------------


def representative(position: int):
    """The rule for authorized representative #`position`."""

    def check(submission: Submission, required: tuple[str, ...]) -> Iterator[Finding]:
        rep = submission.representatives.get(position)
        if rep is None:
            yield missing(
                END_USER_MISSING,
                _(
                    "Authorized representative #%d is missing. The Console asks for "
                    "two people who can confirm this business."
                )
                % position,
            )
            return
        yield from blank_fields(rep, required, END_USER_FIELD_INVALID)
        yield from not_in_choices(rep, {"job_position": JobPosition})
        yield from representative_email(rep)
        yield from representative_phone(rep)
        if position == 2 and 1 in submission.representatives:
            yield from different_people(submission.representatives[1], rep)

    check.__name__ = f"authorized_representative_{position}"
    return check


def representative_email(rep: AuthorizedRepresentative) -> Iterator[Finding]:
    try:
        if rep.email.strip():
            validate_email(rep.email)
    except ValidationError:
        yield Finding(
            "email", END_USER_FIELD_INVALID, _("The email address is not valid.")
        )


def representative_phone(rep: AuthorizedRepresentative) -> Iterator[Finding]:
    if not rep.phone_number.strip():
        return
    # The form's check: a number it accepts is stored as it normalises it.
    try:
        valid = normalize_phone_number(rep.phone_number) == rep.phone_number
    except ValidationError:
        valid = False
    if not valid:
        yield Finding(
            "phone_number",
            END_USER_FIELD_INVALID,
            _(
                "The phone number must be in E.164 form (e.g. +14155550100) and "
                "valid for its country."
            ),
        )


def different_people(first, second) -> Iterator[Finding]:
    if first.email and first.email.lower() == second.email.lower():
        yield Finding(
            "email",
            END_USER_FIELD_INVALID,
            _("Representative #2 must have a different email from representative #1."),
        )
    same_name = (first.first_name.strip().lower(), first.last_name.strip().lower())
    if same_name == (
        second.first_name.strip().lower(),
        second.last_name.strip().lower(),
    ):
        yield Finding(
            "last_name",
            END_USER_FIELD_INVALID,
            _("Representative #2 must be a different person from representative #1."),
        )


# --- Address and supporting documents ---------------------------------------------


def address(submission: Submission, required: tuple[str, ...]) -> Iterator[Finding]:
    addr = submission.address
    if addr is None:
        yield missing(
            ADDRESS_MISSING,
            _("The business address is missing. Fill in the Address step."),
        )
    else:
        yield from blank_fields(addr, required, DOCUMENT_FIELD_INVALID)
        yield from address_country(addr)
        yield from address_not_po_box(addr)
    yield from supporting_documents(submission)


def address_country(addr) -> Iterator[Finding]:
    code = str(addr.iso_country or "")
    # Membership, not dict(countries): that translates and sorts all 249 names.
    if code and code not in countries:
        yield Finding(
            "iso_country",
            DOCUMENT_FIELD_INVALID,
            _("The country must be a valid ISO 3166 country."),
        )


def address_not_po_box(addr) -> Iterator[Finding]:
    for name in ("street", "street_secondary"):
        if PO_BOX.search(getattr(addr, name) or ""):
            yield Finding(
                name,
                DOCUMENT_FIELD_INVALID,
                _(
                    "The address must be a physical street address; PO boxes are "
                    "not accepted."
                ),
            )


def supporting_documents(submission: Submission) -> Iterator[Finding]:
    accepted = [
        doc
        for doc in submission.documents
        if doc.mime_type in ACCEPTED_DOCUMENT_TYPES and doc.size > 0 and doc.sha256
    ]
    if not accepted:
        yield Finding(
            "supporting_documents",
            DOCUMENT_MISSING,
            _(
                "No supporting document proves this business and its address. "
                "Upload a PDF, JPEG or PNG in Supporting documents."
            ),
        )


# --- Primary profile ----------------------------------------------------------------


def primary_profile(
    submission: Submission, required: tuple[str, ...]
) -> Iterator[Finding]:
    if not submission.primary_approved:
        yield missing(
            END_USER_MISSING,
            _(
                "Your account's primary compliance profile is not approved. A "
                "secondary profile needs an approved primary profile."
            ),
        )


# --- Warnings (not reasons to reject) -------------------------------------------------


def email_domain_warnings(submission: Submission) -> Iterator[dict]:
    """Representatives whose email domain differs from the website's (18606)."""
    business = submission.business
    host = urlsplit(business.website_url).hostname if business else None
    if not host:
        return
    host = host.removeprefix("www.").lower()
    for position, rep in sorted(submission.representatives.items()):
        domain = rep.email.rpartition("@")[2].lower()
        if domain and not (
            domain == host or domain.endswith("." + host) or host.endswith("." + domain)
        ):
            yield {
                "code": EMAIL_DOMAIN_MISMATCH,
                "requirement_name": f"authorized_representative_{position}",
                "object_field": "email",
                "message": _(
                    "Representative #%(n)d's email domain (%(domain)s) differs from "
                    "the website's (%(host)s); reviewers may reject the profile "
                    "unless the link is clear."
                )
                % {"n": position, "domain": domain, "host": host},
            }
