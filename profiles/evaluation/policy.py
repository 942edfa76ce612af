"""The secondary business policy, as data: requirements, their fields and rules.

Each field names the wizard step where the applicant fixes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import rules
from .submission import Submission


@dataclass(frozen=True)
class FieldSpec:
    object_field: str
    friendly_name: str
    step: str


@dataclass(frozen=True)
class Requirement:
    name: str
    friendly_name: str
    fields: tuple[FieldSpec, ...]
    check: Callable[[Submission], Iterable[rules.Finding]]
    # Representatives' fields sit in a formset; this is their form's index.
    form_index: int | None = None

    def field(self, object_field: str | None) -> FieldSpec | None:
        return next((f for f in self.fields if f.object_field == object_field), None)

    @property
    def step(self) -> str | None:
        return self.fields[0].step if self.fields else None


def _fields(step: str, *pairs: tuple[str, str]) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(name, label, step) for name, label in pairs)


REPRESENTATIVE_FIELDS = _fields(
    "representatives",
    ("first_name", _("First Name")),
    ("last_name", _("Last Name")),
    ("email", _("Email")),
    ("phone_number", _("Phone Number")),
    ("business_title", _("Business Title")),
    ("job_position", _("Job Position")),
)

SECONDARY_BUSINESS_POLICY: tuple[Requirement, ...] = (
    Requirement(
        "customer_profile_business_information",
        _("Business Information"),
        _fields(
            "general",
            ("business_name", _("Business Name")),
            ("website_url", _("Website URL")),
        )
        + _fields(
            "business",
            ("business_identity", _("Business Identity")),
            ("business_type", _("Business Type")),
            ("business_industry", _("Business Industry")),
            ("business_registration_identifier", _("Business Registration ID Type")),
            ("business_registration_identifier_other", _("Registration ID Type Name")),
            ("business_registration_number", _("Business Registration Number")),
            ("business_regions_of_operation", _("Business Regions of Operation")),
        ),
        rules.business_information,
    ),
    Requirement(
        "authorized_representative_1",
        _("Authorized Representative 1"),
        REPRESENTATIVE_FIELDS,
        rules.representative(1),
        form_index=0,
    ),
    Requirement(
        "authorized_representative_2",
        _("Authorized Representative 2"),
        REPRESENTATIVE_FIELDS,
        rules.representative(2),
        form_index=1,
    ),
    Requirement(
        "customer_profile_address",
        _("Business Address"),
        _fields(
            "address",
            ("customer_name", _("Customer Name")),
            ("street", _("Street")),
            ("street_secondary", _("Street (line 2)")),
            ("city", _("City")),
            ("region", _("State or Region")),
            ("postal_code", _("Postal Code")),
            ("iso_country", _("Country")),
        )
        + _fields("documents", ("supporting_documents", _("Supporting Documents"))),
        rules.address,
    ),
    Requirement(
        "primary_customer_profile",
        _("Primary Customer Profile"),
        (),
        rules.primary_profile,
    ),
)
REQUIREMENTS = {
    requirement.name: requirement for requirement in SECONDARY_BUSINESS_POLICY
}


def html_field_name(requirement: Requirement, spec: FieldSpec) -> str:
    """The wizard form field that holds `spec`, e.g. "representatives-1-email"."""
    if requirement.form_index is not None:
        return f"{spec.step}-{requirement.form_index}-{spec.object_field}"
    return f"{spec.step}-{spec.object_field}"
