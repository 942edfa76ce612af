"""The step registry: its steps checked against the policy and the pages, and a
second wizard described with it."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from django.utils.translation import gettext_lazy as _

from profiles import forms
from profiles.choices import ProfileKind, RejectionCode
from profiles.evaluation.engine import judge
from profiles.evaluation.policy import FieldSpec, Policy, Requirement
from profiles.evaluation.submission import Submission
from profiles.failures import failures_of, reviewer_failures
from profiles.models import (
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    SupportingDocument,
)
from profiles.steps import SECONDARY_WIZARD, Step, Wizard, asks, form_asks
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.factories import SecondaryProfileFactory
from profiles.wizard import ProfileWizard

POLICY = SECONDARY_WIZARD.policy


def askers(requirement: str, field: str) -> list[str]:
    """The steps that ask a requirement's field."""
    return [
        step.name
        for step in SECONDARY_WIZARD.steps
        for asked in step.asks
        if asked.requirement == requirement
        and field in (policy_field for policy_field, _ in asked.fields)
    ]


@pytest.mark.parametrize(
    ("requirement", "field"),
    [(r.name, spec.object_field) for r in POLICY for spec in r.fields],
)
def test_every_field_of_the_policy_is_asked_by_exactly_one_step(requirement, field):
    assert len(askers(requirement, field)) == 1


def test_the_policy_requires_fields_that_steps_ask():
    required = [(r.name, name) for r in POLICY for name in r.required_fields]

    assert required
    assert [pair for pair in required if len(askers(*pair)) != 1] == []


def test_every_step_asks_only_what_the_policy_has():
    for step in SECONDARY_WIZARD.steps:
        for asked in step.asks:
            requirement = POLICY.get(asked.requirement)
            assert requirement is not None, step.name
            for policy_field, _form_field in asked.fields:
                assert requirement.field(policy_field) is not None


def test_a_step_asks_the_fields_of_its_form_that_the_policy_names():
    requirement = Requirement(
        "company",
        _("Company"),
        (FieldSpec("business_name", _("Name")), FieldSpec("city", _("City"))),
        lambda submission, fields: [],
    )
    policy = Policy("Company", (requirement,))

    asked = form_asks(policy, "company", forms.BusinessInformationForm)
    general = form_asks(policy, "company", forms.GeneralInformationForm, index="2")

    # The business form's fields are not in this policy; social media URLs
    # are in none.
    assert asked.fields == ()
    assert general.fields == (("business_name", "business_name"),)
    assert general.form == "2"
    business = SECONDARY_WIZARD["business"].asks[0]
    assert "social_media_profile_urls" not in dict(business.fields)
    assert "business_type" in dict(business.fields)


# --- Failures link to fields that the steps show ----------------------------------


@pytest.fixture
def step_pages(applicant_client, account):
    """Every step's page, as an applicant with a complete draft sees it."""
    profile = complete_secondary_profile(account)
    return {
        name: applicant_client.get(
            SECONDARY_WIZARD.step_url(profile, name)
        ).content.decode()
        for name in SECONDARY_WIZARD.names
    }


def shown(pages: dict, step: str, field: str) -> bool:
    return f'id="id_{field}"' in pages[step]


def submissions() -> list[Submission]:
    """Answers with every kind of mistake the rules know, and none at all."""
    profile = CustomerProfile()
    nothing = Submission(profile, None, {}, None, [], primary_approved=False)
    blank = Submission(
        profile,
        BusinessInformation(),
        {1: AuthorizedRepresentative(), 2: AuthorizedRepresentative()},
        Address(),
        [SupportingDocument(mime_type="text/plain", size=0)],
        primary_approved=True,
    )
    person = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "not-an-email",
        "phone_number": "+1 415 555 0100",
        "business_title": "Boss",
        "job_position": "Emperor",
    }
    wrong = Submission(
        profile,
        BusinessInformation(
            business_name="Acme",
            website_url="ftp://acme.example.com",
            business_identity="bogus",
            business_type="bogus",
            business_industry="bogus",
            business_registration_identifier="Other",
            business_registration_number="?",
            business_regions_of_operation=["MARS"],
        ),
        {1: AuthorizedRepresentative(**person), 2: AuthorizedRepresentative(**person)},
        Address(street="PO Box 12", street_secondary="P.O. Box 3", iso_country="ZZ"),
        [],
        primary_approved=True,
    )
    ein = Submission(
        profile,
        BusinessInformation(
            business_registration_identifier="EIN", business_registration_number="x"
        ),
        {},
        None,
        [],
        primary_approved=True,
    )
    return [nothing, blank, wrong, ein]


def raised_failures():
    results = [result for s in submissions() for result in judge(s).results]
    return failures_of(results)


@pytest.mark.django_db
def test_the_rules_raise_failures_of_every_requirement():
    raised = {(f.step, f.field) for f in raised_failures()}

    assert len(raised) > 30
    assert {step for step, _field in raised} >= {
        "general",
        "business",
        "representatives",
        "address",
        "documents",
        None,
    }


@pytest.mark.django_db
def test_every_failure_the_rules_raise_links_to_a_field_a_step_shows(step_pages):
    for failure in raised_failures():
        if failure.field is not None:
            assert shown(step_pages, failure.step, failure.field), failure
        elif failure.step is not None:
            # The requirement as a whole (its entity is missing): its first step.
            assert failure.code in (22214, 22219), failure
        else:
            # Only the primary profile is fixed outside the wizard.
            assert failure.label.startswith("Primary Customer Profile"), failure


def test_every_field_of_the_policy_is_shown_where_its_failures_link(step_pages):
    for requirement in POLICY:
        for spec in requirement.fields:
            step, field = SECONDARY_WIZARD.place(requirement.name, spec.object_field)
            assert shown(step_pages, step, field), (requirement.name, spec)


def test_every_reviewer_code_links_to_a_field_a_step_shows(step_pages):
    errors = [{"code": code, "message": "Why"} for code in RejectionCode.values]

    failures = reviewer_failures(errors)

    assert [failure.code for failure in failures] == RejectionCode.values
    for failure in failures:
        assert shown(step_pages, failure.step, failure.field), failure


def tag(page: str, field: str) -> str:
    """The opening tag of the element with the field's id."""
    match = re.search(rf'<[^>]*\sid="id_{field}"[^>]*>', page)
    assert match, field
    return match.group(0)


def test_a_field_the_policy_requires_is_required_by_its_form(step_pages):
    business = step_pages["business"]

    assert " required" in tag(business, "business-business_identity")
    assert " required" in tag(business, "business-business_registration_number")
    # Optional for the policy (only named when the type is Other).
    assert " required" not in tag(
        business, "business-business_registration_identifier_other"
    )


# --- Derived from the declarations ---------------------------------------------


def test_the_wizard_form_list_is_the_steps_in_order():
    assert ProfileWizard.form_list == [
        (step.name, step.form) for step in SECONDARY_WIZARD.steps
    ]
    assert SECONDARY_WIZARD.names[-1] == "review"


def test_only_the_review_step_saves_nothing():
    assert [s.name for s in SECONDARY_WIZARD.steps if s.save is None] == ["review"]


def test_a_post_that_saves_nothing_reads_no_rows():
    posted = SECONDARY_WIZARD.profiles_reading("review", posting=True)
    shown = SECONDARY_WIZARD.profiles_reading("review", posting=False)
    unknown = SECONDARY_WIZARD.profiles_reading("no-such-step", posting=False)

    assert posted is unknown
    assert posted.query.select_related is False
    assert not posted.query.annotations
    assert set(shown.query.select_related) == {"business_information", "address"}
    assert "approved_primary_id" in shown.query.annotations


def test_the_review_summary_has_a_section_per_step_with_answers():
    names = [step.name for step in SECONDARY_WIZARD.summary_steps]

    assert names == list(SECONDARY_WIZARD.names[:-1])


def test_a_draft_resumes_at_its_first_unsaved_step():
    profile = CustomerProfile(completed_steps=["general", "representatives"])

    assert SECONDARY_WIZARD.resume_step(profile) == "business"
    profile.completed_steps = list(SECONDARY_WIZARD.names[:-1])
    assert SECONDARY_WIZARD.resume_step(profile) == "review"


# --- A second wizard, with other steps and another policy ---------------------


def company(submission, required):
    return []


SMALL_POLICY = Policy(
    "Primary Customer Profile of type Business",
    (
        Requirement(
            "company",
            _("Company"),
            (
                FieldSpec("business_name", _("Business Name")),
                FieldSpec("website_url", _("Website URL"), required=False),
                FieldSpec("customer_name", _("Customer Name")),
            ),
            company,
        ),
    ),
)
SMALL_WIZARD = Wizard(
    steps=(
        Step(
            "company",
            _("Company"),
            forms.GeneralInformationForm,
            "profiles/steps/general.html",
            asks=(asks("company", "business_name", "website_url"),),
            reviewer_codes=((18601, "website_url"),),
        ),
        Step(
            "place",
            _("Place"),
            forms.AddressForm,
            "profiles/steps/address.html",
            asks=(asks("company", customer_name="street"),),
        ),
        Step(
            "confirm",
            _("Confirm"),
            forms.ReviewForm,
            "profiles/steps/review.html",
            reviews=True,
        ),
    ),
    policy=SMALL_POLICY,
    kind=ProfileKind.SECONDARY,
)


def test_a_second_wizard_derives_its_own_steps_and_places():
    assert SMALL_WIZARD.names == ("company", "place", "confirm")
    assert SMALL_WIZARD.place("company", "website_url") == (
        "company",
        "company-website_url",
    )
    assert SMALL_WIZARD.place("company", "customer_name") == ("place", "place-street")
    assert SMALL_WIZARD.place("company", None) == ("company", None)
    assert SMALL_WIZARD.reviewer_places == {18601: ("company", "company-website_url")}
    assert SMALL_WIZARD.required == {
        "company": ("business_name",),
        "place": ("street",),
        "confirm": (),
    }


def test_a_second_wizard_groups_failures_in_its_own_order():
    results = [
        {
            "requirement_name": "company",
            "requirement_friendly_name": "Company",
            "passed": False,
            "failure_reason": "Wrong",
            "error_code": 22215,
            "valid": [],
            "invalid": [
                {
                    "friendly_name": "Customer Name",
                    "object_field": "customer_name",
                    "failure_reason": "Wrong",
                    "error_code": 22215,
                }
            ],
        }
    ]

    [failure] = failures_of(results, SMALL_WIZARD)

    assert (failure.step, failure.field) == ("place", "place-street")


@pytest.mark.django_db
def test_a_second_wizard_runs_in_the_wizard_view(account, applicant):
    profile = SecondaryProfileFactory(account=account)
    view = ProfileWizard.as_view(
        registry=SMALL_WIZARD,
        form_list=SMALL_WIZARD.form_list,
        url_name="profiles:step",
    )
    request = RequestFactory().get("/")
    request.user = applicant

    response = view(request, sid=profile.sid, step="place")
    response.render()

    page = response.content.decode()
    assert "Step 2 of 3" in page
    assert " required" in tag(page, "place-street")
    assert f"/profiles/{profile.sid}/edit/company/" in page
