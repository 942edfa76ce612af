"""The secondary business policy: every rule, with passing and failing examples."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from profiles import lifecycle
from profiles.choices import Status
from profiles.evaluation import evaluate_submission_batch, rules
from profiles.evaluation.engine import judge
from profiles.evaluation.policy import SECONDARY_BUSINESS_POLICY
from profiles.evaluation.submission import Submission, load_submission
from profiles.lifecycle import profile_submit
from profiles.models import (
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    Evaluation,
    StatusChange,
    SupportingDocument,
)
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.factories import (
    BusinessInformationFactory,
)

REQUIREMENT_NAMES = [
    "customer_profile_business_information",
    "authorized_representative_1",
    "authorized_representative_2",
    "customer_profile_address",
    "primary_customer_profile",
]
BUSINESS_REQUIREMENT = SECONDARY_BUSINESS_POLICY.get(REQUIREMENT_NAMES[0])

# Prefixes the IRS assigns to EINs (the campus table).
EIN_PREFIXES = [
    f"{n:02d}"
    for n in (
        *range(1, 7),
        *range(10, 17),
        *range(20, 28),
        *range(30, 49),
        *range(50, 69),
        *range(71, 78),
        *range(80, 89),
        *range(90, 96),
        98,
        99,
    )
]


# --- Helpers ------------------------------------------------------------------


def verdict_of(profile):
    return judge(load_submission(profile))


def result_of(profile, requirement_name: str) -> dict:
    results = verdict_of(profile).results
    return next(r for r in results if r["requirement_name"] == requirement_name)


def invalid_fields(result: dict) -> dict[str, dict]:
    return {entry["object_field"]: entry for entry in result["invalid"]}


def update(model, profile, **fields) -> None:
    """Write values straight to the row, bypassing forms and their validation."""
    filters = {"profile": profile}
    if model is AuthorizedRepresentative:
        filters["position"] = fields.pop("position", 1)
    assert model.objects.filter(**filters).update(**fields) == 1


def assert_only_invalid(result: dict, field: str, code: int) -> dict:
    """The requirement failed on `field` alone, with `code`; return its entry."""
    assert result["passed"] is False
    assert result["error_code"] == code
    assert list(invalid_fields(result)) == [field]
    entry = invalid_fields(result)[field]
    assert entry["error_code"] == code
    assert entry["failure_reason"]
    assert result["failure_reason"] == entry["failure_reason"]
    assert field not in {v["object_field"] for v in result["valid"]}
    return entry


def built_business(**fields) -> BusinessInformation:
    """An unsaved business information row, for rules that need no database."""
    return BusinessInformationFactory.build(**fields)


def registration_findings(identifier: str, number: str, other: str = ""):
    business = built_business(
        business_registration_identifier=identifier,
        business_registration_number=number,
        business_registration_identifier_other=other,
    )
    return list(rules.business_registration(business))


# --- A complete profile and the shape of results[] ----------------------------


@pytest.mark.django_db
def test_a_complete_profile_is_compliant_with_no_warnings(account):
    verdict = verdict_of(complete_secondary_profile(account))

    assert verdict.compliant is True
    assert all(result["passed"] for result in verdict.results)
    assert verdict.warnings == []


@pytest.mark.django_db
def test_results_name_exactly_the_five_requirements_of_the_secondary_policy(account):
    verdict = verdict_of(complete_secondary_profile(account))

    assert [r["requirement_name"] for r in verdict.results] == REQUIREMENT_NAMES


@pytest.mark.django_db
def test_every_result_has_the_trust_hub_shape(account):
    profile = complete_secondary_profile(account)
    update(Address, profile, street="PO Box 7")
    AuthorizedRepresentative.objects.filter(profile=profile, position=2).delete()

    results = verdict_of(profile).results

    for result in results:
        assert set(result) == {
            "requirement_name",
            "requirement_friendly_name",
            "passed",
            "failure_reason",
            "error_code",
            "valid",
            "invalid",
        }
        assert isinstance(result["requirement_friendly_name"], str)
        assert result["requirement_friendly_name"]
        assert isinstance(result["passed"], bool)
        assert isinstance(result["valid"], list)
        assert isinstance(result["invalid"], list)
        for entry in result["valid"] + result["invalid"]:
            assert set(entry) == {
                "friendly_name",
                "object_field",
                "failure_reason",
                "error_code",
            }
            assert isinstance(entry["friendly_name"], str)
        for entry in result["valid"]:
            assert entry["failure_reason"] is None
            assert entry["error_code"] is None
        if result["passed"]:
            assert result["failure_reason"] is None
            assert result["error_code"] is None
            assert result["invalid"] == []
        else:
            assert isinstance(result["failure_reason"], str)
            assert isinstance(result["error_code"], int)


@pytest.mark.django_db
def test_a_passing_requirement_lists_every_field_as_valid(account):
    result = result_of(complete_secondary_profile(account), "customer_profile_address")

    assert [entry["object_field"] for entry in result["valid"]] == [
        "customer_name",
        "street",
        "street_secondary",
        "city",
        "region",
        "postal_code",
        "iso_country",
        "supporting_documents",
    ]
    assert result["valid"][1]["friendly_name"] == "Street"


@pytest.mark.django_db
def test_the_primary_profile_requirement_has_no_fields(account):
    result = result_of(complete_secondary_profile(account), "primary_customer_profile")

    assert result["passed"] is True
    assert result["valid"] == []
    assert result["invalid"] == []


# --- Business information -------------------------------------------------------


@pytest.mark.django_db
def test_missing_business_information_is_22214_for_the_whole_entity(account):
    profile = complete_secondary_profile(account)
    BusinessInformation.objects.filter(profile=profile).delete()

    result = result_of(profile, "customer_profile_business_information")

    assert result["passed"] is False
    assert result["error_code"] == 22214
    assert "Business information is missing" in result["failure_reason"]
    assert result["invalid"] == []
    assert result["valid"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "blank"),
    [
        ("business_name", ""),
        ("business_name", "   "),
        ("website_url", ""),
        ("business_identity", ""),
        ("business_type", ""),
        ("business_industry", ""),
        ("business_registration_identifier", ""),
        ("business_registration_number", ""),
        ("business_regions_of_operation", []),
    ],
)
def test_each_blank_required_business_field_is_22215_on_that_field(
    account, field, blank
):
    profile = complete_secondary_profile(account)
    update(BusinessInformation, profile, **{field: blank})

    result = result_of(profile, "customer_profile_business_information")

    entry = assert_only_invalid(result, field, 22215)
    assert "missing" in entry["failure_reason"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("business_identity", "reseller"),
        ("business_type", "LLC"),
        ("business_industry", "SPACE_TRAVEL"),
        ("business_registration_identifier", "SSN"),
    ],
)
def test_a_business_enum_outside_its_choices_is_22215(account, field, value):
    profile = complete_secondary_profile(account)
    update(BusinessInformation, profile, **{field: value})

    result = result_of(profile, "customer_profile_business_information")

    entry = assert_only_invalid(result, field, 22215)
    assert "not one of the accepted values" in entry["failure_reason"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "regions", [["MARS"], ["EUROPE", "ATLANTIS"], "USA_AND_CANADA", {"EUROPE": 1}]
)
def test_operating_regions_outside_the_choices_are_22215(account, regions):
    profile = complete_secondary_profile(account)
    update(BusinessInformation, profile, business_regions_of_operation=regions)

    result = result_of(profile, "customer_profile_business_information")

    assert_only_invalid(result, "business_regions_of_operation", 22215)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "ftp://acme.example.com",
        "acme.example.com",
        "javascript:alert(1)",
        "https://",
    ],
)
def test_a_website_that_is_not_an_http_address_is_22215(account, url):
    profile = complete_secondary_profile(account)
    update(BusinessInformation, profile, website_url=url)

    result = result_of(profile, "customer_profile_business_information")

    entry = assert_only_invalid(result, "website_url", 22215)
    assert "http://" in entry["failure_reason"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["http://acme.example.com", "https://acme.example.com/"]
)
def test_http_and_https_websites_pass(account, url):
    profile = complete_secondary_profile(account)
    update(BusinessInformation, profile, website_url=url)

    assert result_of(profile, "customer_profile_business_information")["passed"]


ACCEPTED_REGISTRATIONS = [
    ("EIN", "12-3456789"),
    ("ACN", "004 085 616"),
    ("ACN", "004085616"),
    ("ACN", "51 824 753 556"),
    ("CBN", "123456782"),
    ("CN", "SC123456"),
    ("CN", "01234567"),
    ("CIN", "U72200KA2009PTC049889"),
    ("VAT", "DE136695976"),
    ("VATRN", "RO18547290"),
    ("RN", "516179157"),
    ("DUNS", "123456789"),
]
REFUSED_REGISTRATIONS = [
    ("EIN", "123456789"),
    ("EIN", "07-1234567"),
    ("EIN", "12-345678"),
    ("ACN", "004085617"),
    ("CBN", "123456789"),
    ("CN", "123"),
    ("CIN", "72200KA2009PTC049889"),
    ("VAT", "DE136695977"),
    ("VAT", "136695976"),
    ("VATRN", "RO18547291"),
    ("RN", "516179158"),
    ("DUNS", "12345678"),
    ("DUNS", "12345678A"),
]


@pytest.mark.parametrize(("identifier", "number"), ACCEPTED_REGISTRATIONS)
def test_a_well_formed_registration_number_passes_for_its_identifier(
    identifier, number
):
    assert registration_findings(identifier, number) == []


@pytest.mark.parametrize(("identifier", "number"), REFUSED_REGISTRATIONS)
def test_a_malformed_registration_number_is_22215_for_its_identifier(
    identifier, number
):
    findings = registration_findings(identifier, number)

    assert [(f.object_field, f.error_code) for f in findings] == [
        ("business_registration_number", 22215)
    ]
    assert findings[0].failure_reason


@pytest.mark.django_db
@pytest.mark.parametrize(("identifier", "number"), REFUSED_REGISTRATIONS[:2])
def test_a_refused_registration_number_fails_the_business_requirement(
    account, identifier, number
):
    profile = complete_secondary_profile(account)
    update(
        BusinessInformation,
        profile,
        business_registration_identifier=identifier,
        business_registration_number=number,
    )

    result = result_of(profile, "customer_profile_business_information")

    assert_only_invalid(result, "business_registration_number", 22215)


def test_an_ein_without_the_hyphen_is_explained_with_the_expected_format():
    (finding,) = registration_findings("EIN", "123456789")

    assert "NN-NNNNNNN" in finding.failure_reason


def test_an_ein_with_an_unassigned_prefix_is_explained_as_such():
    (finding,) = registration_findings("EIN", "07-1234567")

    assert "prefix" in finding.failure_reason


@given(
    prefix=st.sampled_from(EIN_PREFIXES),
    digits=st.text(alphabet="0123456789", min_size=7, max_size=7),
)
def test_any_ein_with_an_assigned_prefix_written_nn_nnnnnnn_passes(prefix, digits):
    number = f"{prefix}-{digits}"

    assert registration_findings("EIN", number) == []
    business = built_business(business_registration_number=number)
    assert list(BUSINESS_REQUIREMENT.check(_submission(business))) == []


@given(
    prefix=st.sampled_from([f"{n:02d}" for n in range(100)]).filter(
        lambda p: p not in EIN_PREFIXES
    ),
    digits=st.text(alphabet="0123456789", min_size=7, max_size=7),
)
def test_an_ein_with_a_prefix_the_irs_does_not_assign_is_refused(prefix, digits):
    findings = registration_findings("EIN", f"{prefix}-{digits}")

    assert [(f.object_field, f.error_code) for f in findings] == [
        ("business_registration_number", 22215)
    ]


@given(digits=st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_nine_ein_digits_without_the_hyphen_are_refused(digits):
    findings = registration_findings("EIN", digits)

    assert [(f.object_field, f.error_code) for f in findings] == [
        ("business_registration_number", 22215)
    ]


def test_registration_type_other_needs_the_name_of_the_type():
    findings = registration_findings("Other", "AB-1234", other="   ")

    assert [(f.object_field, f.error_code) for f in findings] == [
        ("business_registration_identifier_other", 22215)
    ]


@given(
    number=st.text(min_size=1, max_size=64).filter(str.strip),
    type_name=st.text(min_size=1, max_size=100).filter(str.strip),
)
def test_registration_type_other_accepts_any_non_blank_number_and_name(
    number, type_name
):
    business = built_business(
        business_registration_identifier="Other",
        business_registration_identifier_other=type_name,
        business_registration_number=number,
    )

    assert list(BUSINESS_REQUIREMENT.check(_submission(business))) == []


@pytest.mark.django_db
def test_registration_type_other_without_its_name_fails_the_requirement(account):
    profile = complete_secondary_profile(account)
    update(
        BusinessInformation,
        profile,
        business_registration_identifier="Other",
        business_registration_identifier_other="",
        business_registration_number="HRB 12345",
    )

    result = result_of(profile, "customer_profile_business_information")

    assert_only_invalid(result, "business_registration_identifier_other", 22215)


def _submission(business, representatives=None) -> Submission:
    """A submission built in memory, for the rules that only read its parts."""
    return Submission(
        profile=business.profile,
        business=business,
        representatives=representatives or {},
        address=None,
        documents=[],
        primary_approved=True,
    )


# --- Authorized representatives ---------------------------------------------------


@pytest.mark.django_db
def test_a_missing_second_representative_is_22214_on_representative_2(account):
    profile = complete_secondary_profile(account)
    AuthorizedRepresentative.objects.filter(profile=profile, position=2).delete()

    verdict = verdict_of(profile)
    second = result_of(profile, "authorized_representative_2")

    assert verdict.compliant is False
    assert second["passed"] is False
    assert second["error_code"] == 22214
    assert "#2 is missing" in second["failure_reason"]
    assert second["invalid"] == []
    assert result_of(profile, "authorized_representative_1")["passed"] is True


@pytest.mark.django_db
def test_a_missing_first_representative_is_22214_on_representative_1(account):
    profile = complete_secondary_profile(account)
    AuthorizedRepresentative.objects.filter(profile=profile, position=1).delete()

    first = result_of(profile, "authorized_representative_1")

    assert first["error_code"] == 22214
    assert "#1 is missing" in first["failure_reason"]
    assert result_of(profile, "authorized_representative_2")["passed"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("position", [1, 2])
@pytest.mark.parametrize(
    "field",
    [
        "first_name",
        "last_name",
        "email",
        "phone_number",
        "business_title",
        "job_position",
    ],
)
def test_each_blank_representative_field_is_22215(account, position, field):
    profile = complete_secondary_profile(account)
    update(AuthorizedRepresentative, profile, position=position, **{field: ""})

    result = result_of(profile, f"authorized_representative_{position}")

    assert result["passed"] is False
    assert result["error_code"] == 22215
    assert invalid_fields(result)[field]["error_code"] == 22215
    assert "missing" in invalid_fields(result)[field]["failure_reason"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone",
    [
        "4155550100",  # no country code
        "+1 415 555 0100",  # not stored in E.164
        "+1-415-555-0100",
        "+1415555010",  # too short for the US
        "+12005550100",  # no such area code
        "+999123456",  # no such country
    ],
)
def test_a_phone_number_not_in_e164_or_invalid_for_its_country_is_22215(account, phone):
    profile = complete_secondary_profile(account)
    update(AuthorizedRepresentative, profile, position=1, phone_number=phone)

    result = result_of(profile, "authorized_representative_1")

    entry = assert_only_invalid(result, "phone_number", 22215)
    assert "E.164" in entry["failure_reason"]


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["+14155550100", "+442079460958", "+61291234567"])
def test_valid_e164_phone_numbers_of_several_countries_pass(account, phone):
    profile = complete_secondary_profile(account)
    update(AuthorizedRepresentative, profile, position=1, phone_number=phone)

    assert result_of(profile, "authorized_representative_1")["passed"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["not-an-email", "ada@", "ada@@acme.example.com"])
def test_an_invalid_representative_email_is_22215(account, email):
    profile = complete_secondary_profile(account)
    update(AuthorizedRepresentative, profile, position=1, email=email)

    result = result_of(profile, "authorized_representative_1")

    assert_only_invalid(result, "email", 22215)


@pytest.mark.django_db
def test_a_job_position_outside_the_choices_is_22215(account):
    profile = complete_secondary_profile(account)
    update(AuthorizedRepresentative, profile, position=2, job_position="Intern")

    result = result_of(profile, "authorized_representative_2")

    assert_only_invalid(result, "job_position", 22215)


@pytest.mark.django_db
def test_representatives_with_the_same_email_in_any_case_fail_on_representative_2(
    account,
):
    profile = complete_secondary_profile(account)
    update(AuthorizedRepresentative, profile, position=2, email="ADA@Acme.Example.com")

    second = result_of(profile, "authorized_representative_2")

    entry = assert_only_invalid(second, "email", 22215)
    assert "different email" in entry["failure_reason"]
    assert result_of(profile, "authorized_representative_1")["passed"] is True


@pytest.mark.django_db
def test_representatives_with_the_same_name_fail_on_representative_2(account):
    profile = complete_secondary_profile(account)
    update(
        AuthorizedRepresentative,
        profile,
        position=2,
        first_name=" ada ",
        last_name="LOVELACE",
    )

    second = result_of(profile, "authorized_representative_2")

    assert second["passed"] is False
    assert second["error_code"] == 22215
    assert "different person" in invalid_fields(second)["last_name"]["failure_reason"]
    assert result_of(profile, "authorized_representative_1")["passed"] is True


@pytest.mark.django_db
def test_representatives_sharing_only_a_first_name_are_different_people(account):
    profile = complete_secondary_profile(account)
    update(AuthorizedRepresentative, profile, position=2, first_name="Ada")

    assert result_of(profile, "authorized_representative_2")["passed"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "blank"), [("email", " "), ("phone_number", "  "), ("job_position", " ")]
)
def test_a_whitespace_only_field_is_reported_as_missing_in_the_result_and_its_entry(
    account, field, blank
):
    profile = complete_secondary_profile(account)
    update(AuthorizedRepresentative, profile, position=1, **{field: blank})

    result = result_of(profile, "authorized_representative_1")

    entry = assert_only_invalid(result, field, 22215)
    assert "missing" in entry["failure_reason"]


# --- Address and supporting documents ---------------------------------------------


@pytest.mark.django_db
def test_a_missing_address_is_22219(account):
    profile = complete_secondary_profile(account)
    Address.objects.filter(profile=profile).delete()

    result = result_of(profile, "customer_profile_address")

    assert result["passed"] is False
    assert result["error_code"] == 22219
    assert "address is missing" in result["failure_reason"]
    assert result["invalid"] == []
    assert result["valid"] == []


@pytest.mark.django_db
def test_a_missing_address_and_no_document_report_both_codes(account):
    profile = complete_secondary_profile(account)
    Address.objects.filter(profile=profile).delete()
    SupportingDocument.objects.filter(profile=profile).delete()

    result = result_of(profile, "customer_profile_address")

    assert result["error_code"] == 22219
    assert invalid_fields(result)["supporting_documents"]["error_code"] == 22216


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field", ["customer_name", "street", "city", "region", "postal_code"]
)
def test_each_blank_required_address_field_is_22217(account, field):
    profile = complete_secondary_profile(account)
    update(Address, profile, **{field: "  "})

    result = result_of(profile, "customer_profile_address")

    entry = assert_only_invalid(result, field, 22217)
    assert "missing" in entry["failure_reason"]


@pytest.mark.django_db
def test_a_blank_country_is_22217(account):
    profile = complete_secondary_profile(account)
    update(Address, profile, iso_country="")

    result = result_of(profile, "customer_profile_address")

    assert_only_invalid(result, "iso_country", 22217)


@pytest.mark.django_db
def test_the_second_street_line_is_optional(account):
    profile = complete_secondary_profile(account)
    update(Address, profile, street_secondary="")

    assert result_of(profile, "customer_profile_address")["passed"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "street", ["P.O. Box 12", "PO Box 7", "Postfach 12", "p o box 99", "POB 5"]
)
def test_a_po_box_street_is_22217(account, street):
    profile = complete_secondary_profile(account)
    update(Address, profile, street=street)

    result = result_of(profile, "customer_profile_address")

    entry = assert_only_invalid(result, "street", 22217)
    assert "PO boxes are not accepted" in entry["failure_reason"]


@pytest.mark.django_db
def test_a_po_box_on_the_second_street_line_is_22217_there(account):
    profile = complete_secondary_profile(account)
    update(Address, profile, street_secondary="PO Box 7")

    result = result_of(profile, "customer_profile_address")

    assert_only_invalid(result, "street_secondary", 22217)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "street", ["1 Box Hill Road", "12 Depot Street", "4 Post Office Square"]
)
def test_streets_that_merely_contain_box_or_post_pass(account, street):
    profile = complete_secondary_profile(account)
    update(Address, profile, street=street)

    assert result_of(profile, "customer_profile_address")["passed"] is True


@pytest.mark.django_db
def test_an_unknown_country_code_is_22217(account):
    profile = complete_secondary_profile(account)
    update(Address, profile, iso_country="ZZ")

    result = result_of(profile, "customer_profile_address")

    entry = assert_only_invalid(result, "iso_country", 22217)
    assert "ISO 3166" in entry["failure_reason"]


@pytest.mark.django_db
def test_no_supporting_document_is_22216(account):
    profile = complete_secondary_profile(account)
    SupportingDocument.objects.filter(profile=profile).delete()

    result = result_of(profile, "customer_profile_address")

    entry = assert_only_invalid(result, "supporting_documents", 22216)
    assert "No supporting document" in entry["failure_reason"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [{"mime_type": "text/plain"}, {"size": 0}, {"sha256": ""}],
)
def test_a_document_that_is_not_an_accepted_file_does_not_count(account, fields):
    profile = complete_secondary_profile(account)
    SupportingDocument.objects.filter(profile=profile).update(**fields)

    result = result_of(profile, "customer_profile_address")

    assert_only_invalid(result, "supporting_documents", 22216)


# --- Primary profile ----------------------------------------------------------------


@pytest.mark.django_db
def test_an_account_whose_primary_is_not_approved_fails_with_22214(account):
    profile = complete_secondary_profile(account)
    CustomerProfile.objects.for_account(account).primary().update(
        status=Status.TWILIO_REJECTED
    )

    verdict = verdict_of(profile)
    result = result_of(profile, "primary_customer_profile")

    assert verdict.compliant is False
    assert result["passed"] is False
    assert result["error_code"] == 22214
    assert "primary compliance profile is not approved" in result["failure_reason"]
    assert [r["requirement_name"] for r in verdict.results if not r["passed"]] == [
        "primary_customer_profile"
    ]


# --- Warnings -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_representative_email_off_the_website_domain_warns_18606(account):
    profile = complete_secondary_profile(account)
    update(AuthorizedRepresentative, profile, position=2, email="grace@gmail.com")

    verdict = verdict_of(profile)

    assert verdict.compliant is True
    assert len(verdict.warnings) == 1
    warning = verdict.warnings[0]
    assert warning["code"] == 18606
    assert warning["requirement_name"] == "authorized_representative_2"
    assert warning["object_field"] == "email"
    assert "gmail.com" in warning["message"]
    assert "acme.example.com" in warning["message"]


@pytest.mark.django_db
def test_subdomain_emails_of_the_website_give_no_warning(account):
    profile = complete_secondary_profile(account)
    update(BusinessInformation, profile, website_url="https://www.acme.example.com")
    update(
        AuthorizedRepresentative, profile, position=1, email="a@mail.acme.example.com"
    )
    update(AuthorizedRepresentative, profile, position=2, email="b@ACME.example.com")

    verdict = verdict_of(profile)

    assert verdict.compliant is True
    assert verdict.warnings == []


# --- evaluate_submission_batch ---------------------------------------------------


def submitted(profile, user) -> CustomerProfile:
    """Submit without running the on_commit evaluation: it stays pending review."""
    profile = profile_submit(profile=profile, actor=user)
    assert CustomerProfile.objects.get(pk=profile.pk).status == Status.PENDING_REVIEW
    return profile


@pytest.mark.django_db
def test_evaluating_a_compliant_submission_moves_it_to_in_review(account, applicant):
    profile = submitted(complete_secondary_profile(account), applicant)

    evaluation = evaluate_submission_batch(profile_id=profile.pk, revision=1)

    profile.refresh_from_db()
    assert evaluation == Evaluation.objects.get(profile=profile)
    assert evaluation.status == Evaluation.Result.COMPLIANT
    assert evaluation.revision == 1
    assert evaluation.policy_sid == profile.policy_sid
    assert [r["requirement_name"] for r in evaluation.results] == REQUIREMENT_NAMES
    assert profile.status == Status.IN_REVIEW
    assert profile.errors == []
    change = StatusChange.objects.filter(profile=profile).last()
    assert (change.from_status, change.to_status) == (
        Status.PENDING_REVIEW,
        Status.IN_REVIEW,
    )
    assert change.actor is None


@pytest.mark.django_db
def test_evaluating_a_noncompliant_submission_rejects_it_with_the_error_codes(
    account, applicant
):
    profile = complete_secondary_profile(account)
    update(Address, profile, street="P.O. Box 12")
    AuthorizedRepresentative.objects.filter(profile=profile, position=2).delete()
    profile = submitted(profile, applicant)

    evaluation = evaluate_submission_batch(profile_id=profile.pk, revision=1)

    profile.refresh_from_db()
    assert evaluation.status == Evaluation.Result.NONCOMPLIANT
    assert profile.status == Status.TWILIO_REJECTED
    assert [(e["requirement_name"], e["code"]) for e in profile.errors] == [
        ("authorized_representative_2", 22214),
        ("customer_profile_address", 22217),
    ]
    assert all(e["message"] for e in profile.errors)
    change = StatusChange.objects.filter(profile=profile).last()
    assert change.to_status == Status.TWILIO_REJECTED
    assert change.reasons == profile.errors


@pytest.mark.django_db
def test_a_primary_rejected_after_submission_rejects_the_secondary(account, applicant):
    profile = submitted(complete_secondary_profile(account), applicant)
    CustomerProfile.objects.for_account(account).primary().update(
        status=Status.TWILIO_REJECTED
    )

    evaluate_submission_batch(profile_id=profile.pk, revision=1)

    profile.refresh_from_db()
    assert profile.status == Status.TWILIO_REJECTED
    assert profile.errors[0]["requirement_name"] == "primary_customer_profile"
    assert profile.errors[0]["code"] == 22214


@pytest.mark.django_db
def test_an_evaluation_records_the_warnings(account, applicant):
    profile = complete_secondary_profile(account)
    update(AuthorizedRepresentative, profile, position=1, email="ada@gmail.com")
    profile = submitted(profile, applicant)

    evaluation = evaluate_submission_batch(profile_id=profile.pk, revision=1)

    assert evaluation.status == Evaluation.Result.COMPLIANT
    assert [w["code"] for w in evaluation.warnings] == [18606]


def counts(profile) -> tuple[int, int]:
    return (
        Evaluation.objects.filter(profile=profile).count(),
        StatusChange.objects.filter(profile=profile).count(),
    )


@pytest.mark.django_db
def test_a_second_evaluation_of_the_same_revision_changes_nothing(account, applicant):
    profile = submitted(complete_secondary_profile(account), applicant)
    assert evaluate_submission_batch(profile_id=profile.pk, revision=1) is not None
    before = counts(profile)

    assert evaluate_submission_batch(profile_id=profile.pk, revision=1) is None

    assert counts(profile) == before == (1, 2)
    profile.refresh_from_db()
    assert profile.status == Status.IN_REVIEW


@pytest.mark.django_db
def test_an_evaluation_of_a_stale_revision_changes_nothing(account, applicant):
    profile = submitted(
        complete_secondary_profile(account, status=Status.TWILIO_REJECTED, revision=1),
        applicant,
    )
    assert profile.revision == 2

    assert evaluate_submission_batch(profile_id=profile.pk, revision=1) is None

    assert counts(profile) == (0, 1)
    profile.refresh_from_db()
    assert profile.status == Status.PENDING_REVIEW


@pytest.mark.django_db
def test_an_evaluation_of_a_draft_changes_nothing(account):
    profile = complete_secondary_profile(account)

    assert evaluate_submission_batch(profile_id=profile.pk, revision=0) is None

    assert counts(profile) == (0, 0)
    profile.refresh_from_db()
    assert profile.status == Status.DRAFT


@pytest.mark.django_db
def test_an_evaluation_of_a_vanished_profile_returns_none(db):
    assert evaluate_submission_batch(profile_id=987654, revision=1) is None
    assert not Evaluation.objects.exists()


@pytest.mark.django_db
def test_submitting_runs_the_evaluation_once_the_transaction_commits(
    account, applicant, django_capture_on_commit_callbacks
):
    profile = complete_secondary_profile(account)

    with django_capture_on_commit_callbacks(execute=True):
        profile_submit(profile=profile, actor=applicant)

    profile.refresh_from_db()
    assert profile.status == Status.IN_REVIEW
    assert Evaluation.objects.get(profile=profile).revision == 1


# --- Batches: one task decides the submissions waiting with its own -----------------


def waiting(account, user, count, **profile_fields) -> list[CustomerProfile]:
    return [
        submitted(complete_secondary_profile(account, **profile_fields), user)
        for _ in range(count)
    ]


def deciding_changes(profile) -> list[StatusChange]:
    return list(
        StatusChange.objects.filter(profile=profile, from_status=Status.PENDING_REVIEW)
    )


@pytest.mark.django_db
def test_one_evaluation_decides_the_other_waiting_submissions_once_each(
    account, applicant
):
    first, second, third = waiting(account, applicant, 3, email="ops@acme.test")
    update(Address, second, street="P.O. Box 12")

    evaluation = evaluate_submission_batch(profile_id=second.pk, revision=1)

    assert evaluation.profile_id == second.pk
    assert evaluation.status == Evaluation.Result.NONCOMPLIANT
    statuses = {
        p.pk: p.status
        for p in CustomerProfile.objects.filter(pk__in=[first.pk, third.pk])
    }
    assert statuses == {first.pk: Status.IN_REVIEW, third.pk: Status.IN_REVIEW}
    second.refresh_from_db()
    assert second.status == Status.TWILIO_REJECTED
    assert [e["code"] for e in second.errors] == [22217]
    for profile in (first, second, third):
        (change,) = deciding_changes(profile)
        assert change.sequence == 2
        assert Evaluation.objects.filter(profile=profile).count() == 1
    # Their own messages arrive later and change nothing.
    assert evaluate_submission_batch(profile_id=first.pk, revision=1) is None
    assert evaluate_submission_batch(profile_id=third.pk, revision=1) is None
    assert Evaluation.objects.count() == 3


@pytest.mark.django_db
def test_a_message_for_a_decided_profile_still_decides_the_others_waiting(
    account, applicant, settings
):
    settings.EVALUATION_BATCH_SIZE = 1
    first, second = waiting(account, applicant, 2)
    assert evaluate_submission_batch(profile_id=first.pk, revision=1) is not None
    second.refresh_from_db()
    assert second.status == Status.PENDING_REVIEW

    assert evaluate_submission_batch(profile_id=first.pk, revision=1) is None

    second.refresh_from_db()
    assert second.status == Status.IN_REVIEW
    assert counts(first) == counts(second) == (1, 2)


@pytest.mark.django_db
def test_a_batch_holds_at_most_the_batch_size_oldest_first(
    account, applicant, settings
):
    settings.EVALUATION_BATCH_SIZE = 2
    oldest, middle, newest = waiting(account, applicant, 3)

    evaluate_submission_batch(profile_id=newest.pk, revision=1)

    decided = set(Evaluation.objects.values_list("profile_id", flat=True))
    assert decided == {newest.pk, oldest.pk}
    middle.refresh_from_db()
    assert middle.status == Status.PENDING_REVIEW


@pytest.mark.django_db
def test_a_batch_leaves_drafts_and_decided_profiles_alone(account, applicant):
    draft = complete_secondary_profile(account)
    (decided,) = waiting(account, applicant, 1)
    evaluate_submission_batch(profile_id=decided.pk, revision=1)
    (pending,) = waiting(account, applicant, 1)

    evaluate_submission_batch(profile_id=pending.pk, revision=1)

    assert counts(draft) == (0, 0)
    assert counts(decided) == (1, 2)
    assert counts(pending) == (1, 2)


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_3_and_for_30_submissions(
    account, applicant
):
    def batch_queries(count) -> int:
        first, *_ = waiting(account, applicant, count, email="ops@acme.test")
        with CaptureQueriesContext(connection) as captured:
            evaluate_submission_batch(profile_id=first.pk, revision=1)
        assert not CustomerProfile.objects.filter(status=Status.PENDING_REVIEW).exists()
        return len(captured)

    assert batch_queries(3) == batch_queries(30)


@pytest.mark.django_db
def test_a_mixed_batch_writes_each_profile_its_own_outcome_in_two_updates(
    account, applicant
):
    complete = [complete_secondary_profile(account) for _ in range(3)]
    no_address = complete_secondary_profile(account)
    no_address.address.delete()
    one_representative = complete_secondary_profile(account)
    one_representative.representatives.filter(position=2).delete()
    profiles = [
        submitted(profile, applicant)
        for profile in [*complete, no_address, one_representative]
    ]

    with CaptureQueriesContext(connection) as captured:
        evaluate_submission_batch(profile_id=profiles[0].pk, revision=1)

    writes = [
        query["sql"]
        for query in captured
        if query["sql"].startswith('UPDATE "profiles_customerprofile"')
    ]
    assert len(writes) == 2
    for profile in profiles:
        profile.refresh_from_db()
    assert [p.status for p in profiles] == 3 * [Status.IN_REVIEW] + 2 * [
        Status.TWILIO_REJECTED
    ]
    assert [p.errors for p in profiles[:3]] == [[], [], []]
    rejected = [{e["requirement_name"] for e in p.errors} for p in profiles[3:]]
    assert all(rejected) and rejected[0] != rejected[1]
    for profile in profiles:
        change = StatusChange.objects.get(profile=profile, to_status=profile.status)
        assert change.reasons == profile.errors
    assert len({p.updated_at for p in profiles}) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_a_submission_another_transaction_holds_is_skipped_not_waited_for(
    account, applicant, monkeypatch
):
    # Committed submissions would be evaluated at once: hold their messages back.
    monkeypatch.setattr(lifecycle, "_enqueue_evaluation", lambda **kwargs: None)
    held, free = waiting(account, applicant, 2)
    locked, release = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            CustomerProfile.objects.select_for_update().get(pk=held.pk)
            locked.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(30)
        evaluate_submission_batch(profile_id=free.pk, revision=1)
        assert counts(held) == (0, 1)
        assert counts(free) == (1, 2)
    finally:
        release.set()
        holder.join(30)
    assert evaluate_submission_batch(profile_id=held.pk, revision=1) is not None
