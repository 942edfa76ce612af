"""The secondary business policy, as data: requirements, their fields and rules.

A policy says what Trust Hub requires, not where the applicant enters it: the
wizard's steps (see profiles.steps) say which step asks which field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from . import rules
from .submission import Submission


@dataclass(frozen=True)
class FieldSpec:
    object_field: str
    friendly_name: str
    # Left blank, it fails the requirement; the form that asks it requires it.
    required: bool = True


@dataclass(frozen=True)
class Requirement:
    name: str
    friendly_name: str
    fields: tuple[FieldSpec, ...]
    # The requirement's rule: (submission, its required fields) -> findings.
    rule: Callable[[Submission, tuple[str, ...]], Iterable[rules.Finding]]

    def field(self, object_field: str | None) -> FieldSpec | None:
        return next((f for f in self.fields if f.object_field == object_field), None)

    @cached_property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(spec.object_field for spec in self.fields if spec.required)

    def check(self, submission: Submission) -> Iterable[rules.Finding]:
        """What the rule finds wrong with `submission` for this requirement."""
        return self.rule(submission, self.required_fields)


@dataclass(frozen=True)
class Policy:
    name: str
    requirements: tuple[Requirement, ...]

    def __iter__(self):
        return iter(self.requirements)

    def get(self, name: str) -> Requirement | None:
        """The requirement called `name`, if the policy has it."""
        return next((r for r in self.requirements if r.name == name), None)


def _fields(*pairs: tuple[str, str], optional: tuple[str, ...] = ()):
    return tuple(FieldSpec(name, label, name not in optional) for name, label in pairs)


REPRESENTATIVE_FIELDS = _fields(
    ("first_name", _("First Name")),
    ("last_name", _("Last Name")),
    ("email", _("Email")),
    ("phone_number", _("Phone Number")),
    ("business_title", _("Business Title")),
    ("job_position", _("Job Position")),
)

SECONDARY_BUSINESS_POLICY = Policy(
    "Secondary Customer Profile of type Business",
    (
        Requirement(
            "customer_profile_business_information",
            _("Business Information"),
            _fields(
                ("business_name", _("Business Name")),
                ("website_url", _("Website URL")),
                ("business_identity", _("Business Identity")),
                ("business_type", _("Business Type")),
                ("business_industry", _("Business Industry")),
                (
                    "business_registration_identifier",
                    _("Business Registration ID Type"),
                ),
                (
                    "business_registration_identifier_other",
                    _("Registration ID Type Name"),
                ),
                ("business_registration_number", _("Business Registration Number")),
                ("business_regions_of_operation", _("Business Regions of Operation")),
                optional=("business_registration_identifier_other",),
            ),
            rules.business_information,
        ),
        Requirement(
            "authorized_representative_1",
            _("Authorized Representative 1"),
            REPRESENTATIVE_FIELDS,
            rules.representative(1),
        ),
        Requirement(
            "authorized_representative_2",
            _("Authorized Representative 2"),
            REPRESENTATIVE_FIELDS,
            rules.representative(2),
        ),
        Requirement(
            "customer_profile_address",
            _("Business Address"),
            _fields(
                ("customer_name", _("Customer Name")),
                ("street", _("Street")),
                ("street_secondary", _("Street (line 2)")),
                ("city", _("City")),
                ("region", _("State or Region")),
                ("postal_code", _("Postal Code")),
                ("iso_country", _("Country")),
                ("supporting_documents", _("Supporting Documents")),
                # Not a blank value: the documents' own rule checks them.
                optional=("street_secondary", "supporting_documents"),
            ),
            rules.address,
        ),
        Requirement(
            "primary_customer_profile",
            _("Primary Customer Profile"),
            (),
            rules.primary_profile,
        ),
    ),
)
