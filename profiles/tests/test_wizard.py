"""The secondary-profile wizard, driven step by step through the test client."""

from __future__ import annotations

import hashlib
import re
from html import unescape

import pytest
from django.test import Client

from profiles import lifecycle
from profiles.choices import Status
from profiles.models import (
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    StatusChange,
    SupportingDocument,
)
from profiles.steps import STEP_NAMES
from profiles.tests.builders import (
    add_document,
    complete_secondary_profile,
    new_draft,
)
from profiles.tests.factories import PrimaryProfileFactory
from profiles.tests.files import PDF
from profiles.tests.wizard_client import fill_steps, post_step, snapshot, step_url
from profiles.tests.wizard_data import (
    FIRST_REPRESENTATIVE,
    NOTIFICATIONS,
    pdf_upload,
    representatives_data,
    valid_data,
)

pytestmark = pytest.mark.django_db

STEPS = list(STEP_NAMES)
LOCKED_STATUSES = [Status.PENDING_REVIEW, Status.IN_REVIEW, Status.TWILIO_APPROVED]
# A message as the portal's pages show it (base.html's ul.messages).
MESSAGE = re.compile(r'<li class="message message-[^"]*">(.*?)</li>', re.S)


def html(response) -> str:
    return response.content.decode()


def error_summary(response) -> str:
    page = html(response)
    assert 'id="error-summary"' in page, "no error summary on the page"
    return page.split('id="error-summary"', 1)[1].split("</div>", 1)[0]


def field_errors(response, field_id: str) -> str:
    """The error list rendered beside a field (Django's <ul id="..._error">)."""
    found = re.search(
        rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', html(response), re.S
    )
    assert found, f"no error shown beside {field_id}"
    return found.group(1)


def assert_field_error(response, field_id: str, message: str = "") -> None:
    assert response.status_code == 200
    assert message in field_errors(response, field_id)
    summary = error_summary(response)
    assert f'<a href="#{field_id}">' in summary
    assert message in summary


def messages_of(response) -> list[str]:
    """The texts of the messages the page shows."""
    return [unescape(text) for text in MESSAGE.findall(response.content.decode())]


@pytest.fixture
def draft(account):
    return new_draft(account)


# --- Happy path -------------------------------------------------------------------


def test_it_walks_all_seven_steps_and_submits_the_profile(
    account, applicant, applicant_client
):
    created = applicant_client.post("/profiles/secondary/new/")
    profile = CustomerProfile.objects.get(account=account, kind="secondary")
    assert created.url == step_url(profile, "general")

    for number, step in enumerate(STEPS[:-1], start=1):
        response = post_step(applicant_client, profile, step, valid_data(step))
        assert response.status_code == 302
        assert response.url == step_url(profile, STEPS[number])
        profile.refresh_from_db()
        assert profile.completed_steps == STEPS[:number]

    response = post_step(applicant_client, profile, "review")

    assert response.status_code == 302
    assert response.url == f"/profiles/{profile.sid}/"
    profile.refresh_from_db()
    assert profile.status == Status.PENDING_REVIEW
    assert profile.revision == 1
    assert profile.submitted_at is not None


def test_submitting_records_the_change_in_the_audit_trail(
    applicant, applicant_client, draft
):
    fill_steps(applicant_client, draft)

    post_step(applicant_client, draft, "review")

    change = StatusChange.objects.get(profile=draft)
    assert (change.from_status, change.to_status) == (
        Status.DRAFT,
        Status.PENDING_REVIEW,
    )
    assert change.actor == applicant
    assert change.revision == 1


def test_the_detail_page_confirms_the_submission(applicant_client, draft):
    fill_steps(applicant_client, draft)

    response = applicant_client.post(
        step_url(draft, "review"), {"wizard-current_step": "review"}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"/profiles/{draft.sid}/"
    assert "Your profile was submitted for review." in messages_of(response)
    assert "Pending Review" in html(response)


def test_it_saves_the_general_step_at_once(applicant_client, draft):
    response = post_step(applicant_client, draft, "general", valid_data("general"))

    assert response.url == step_url(draft, "business")
    info = BusinessInformation.objects.get(profile=draft)
    assert (info.business_name, info.website_url) == (
        "Acme Widgets",
        "https://acme.example.com",
    )
    draft.refresh_from_db()
    assert draft.friendly_name == "Acme Widgets"
    assert draft.completed_steps == ["general"]


def test_it_saves_the_business_step_at_once(applicant_client, draft):
    post_step(applicant_client, draft, "general", valid_data("general"))

    response = post_step(applicant_client, draft, "business", valid_data("business"))

    assert response.url == step_url(draft, "representatives")
    info = BusinessInformation.objects.get(profile=draft)
    assert info.business_name == "Acme Widgets"
    assert info.business_identity == "direct_customer"
    assert info.business_type == "Limited Liability Corporation"
    assert info.business_industry == "TECHNOLOGY"
    assert info.business_registration_identifier == "EIN"
    assert info.business_registration_number == "12-3456789"
    assert info.business_regions_of_operation == ["USA_AND_CANADA", "EUROPE"]
    assert info.social_media_profile_urls == "https://social.example.com/acme"


def test_it_saves_both_representatives_at_once(applicant_client, draft):
    response = post_step(
        applicant_client, draft, "representatives", valid_data("representatives")
    )

    assert response.url == step_url(draft, "address")
    first, second = AuthorizedRepresentative.objects.filter(profile=draft)
    assert (first.position, first.first_name, first.last_name) == (1, "Ada", "Lovelace")
    assert (first.email, first.business_title) == (
        "ada@acme.example.com",
        "Head of Operations",
    )
    assert first.job_position == "Director"
    assert (second.position, second.first_name, second.job_position) == (
        2,
        "Grace",
        "CEO",
    )


def test_it_stores_phone_numbers_in_e164(applicant_client, draft):
    post_step(applicant_client, draft, "representatives", valid_data("representatives"))

    phones = AuthorizedRepresentative.objects.filter(profile=draft).values_list(
        "phone_number", flat=True
    )
    assert list(phones) == ["+14155550100", "+442079460958"]


def test_it_saves_the_address_step_at_once(applicant_client, draft):
    response = post_step(applicant_client, draft, "address", valid_data("address"))

    assert response.url == step_url(draft, "documents")
    address = Address.objects.get(profile=draft)
    assert (address.customer_name, address.street) == (
        "Acme Widgets",
        "375 Beale Street",
    )
    assert (address.street_secondary, address.city) == ("Suite 300", "San Francisco")
    assert (address.region, address.postal_code) == ("CA", "94105")
    assert address.iso_country.code == "US"


def test_it_saves_an_uploaded_document_at_once(applicant_client, draft):
    response = post_step(applicant_client, draft, "documents", valid_data("documents"))

    assert response.url == step_url(draft, "notifications")
    document = SupportingDocument.objects.get(profile=draft)
    assert document.document_type == "business_registration"
    assert (document.original_name, document.mime_type) == (
        "certificate.pdf",
        "application/pdf",
    )
    assert document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.file.read() == PDF


def test_it_stores_uploads_in_the_configured_document_storage(
    applicant_client, draft, document_storage
):
    post_step(applicant_client, draft, "documents", valid_data("documents"))

    document = SupportingDocument.objects.get(profile=draft)
    assert (document_storage / document.file.name).read_bytes() == PDF


def test_the_upload_button_saves_and_stays_on_the_documents_step(
    applicant_client, draft
):
    response = post_step(
        applicant_client, draft, "documents", valid_data("documents"), action="upload"
    )

    assert response.url == step_url(draft, "documents")
    assert SupportingDocument.objects.filter(profile=draft).count() == 1


def test_several_files_of_one_type_are_uploaded_at_once(applicant_client, draft):
    data = valid_data("documents", document_type="bank_statement")
    data["documents-files"] = [pdf_upload("january.pdf"), pdf_upload("february.pdf")]

    post_step(applicant_client, draft, "documents", data)

    documents = SupportingDocument.objects.filter(profile=draft)
    assert [doc.original_name for doc in documents] == ["january.pdf", "february.pdf"]
    assert {doc.document_type for doc in documents} == {"bank_statement"}


def test_a_file_over_the_size_limit_is_refused(applicant_client, draft, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = len(PDF) - 1

    response = post_step(applicant_client, draft, "documents", valid_data("documents"))

    assert_field_error(response, "id_documents-files", "the largest file accepted")
    assert not SupportingDocument.objects.filter(profile=draft).exists()


def test_the_documents_step_can_be_saved_again_without_a_new_file(
    applicant_client, draft
):
    add_document(draft)

    response = post_step(
        applicant_client, draft, "documents", {"documents-document_type": ""}
    )

    assert response.url == step_url(draft, "notifications")
    assert SupportingDocument.objects.filter(profile=draft).count() == 1


def test_it_saves_the_notification_settings_at_once(applicant_client, draft):
    response = post_step(
        applicant_client, draft, "notifications", valid_data("notifications")
    )

    assert response.url == step_url(draft, "review")
    draft.refresh_from_db()
    assert draft.email == "alerts@acme.example.com"
    assert draft.status_callback == "https://hooks.acme.example.com/trusthub"
    assert draft.status == Status.DRAFT


def test_either_notification_channel_alone_is_enough(applicant_client, draft):
    post_step(
        applicant_client, draft, "notifications", valid_data("notifications", email="")
    )

    draft.refresh_from_db()
    assert (draft.email, draft.status_callback) == (
        "",
        NOTIFICATIONS["status_callback"],
    )
    assert draft.completed_steps == ["notifications"]


def test_a_bare_domain_gets_https(applicant_client, draft):
    post_step(
        applicant_client,
        draft,
        "general",
        valid_data("general", website_url="acme.example.com"),
    )

    info = BusinessInformation.objects.get(profile=draft)
    assert info.website_url == "https://acme.example.com"


def test_registration_type_other_is_saved_with_its_name(applicant_client, draft):
    data = valid_data(
        "business",
        business_registration_identifier="Other",
        business_registration_identifier_other="Handelsregister",
    )

    post_step(applicant_client, draft, "business", data)

    info = BusinessInformation.objects.get(profile=draft)
    assert info.business_registration_identifier == "Other"
    assert info.business_registration_identifier_other == "Handelsregister"


def test_the_other_name_is_dropped_for_a_listed_registration_type(
    applicant_client, draft
):
    data = valid_data("business", business_registration_identifier_other="Leftover")

    post_step(applicant_client, draft, "business", data)

    info = BusinessInformation.objects.get(profile=draft)
    assert info.business_registration_identifier_other == ""


# --- Invalid input ----------------------------------------------------------------


def case(step, field, message="", **overrides):
    """One invalid POST: the step, its overrides and the field that must complain."""
    prefix = "representatives-0" if step == "representatives" else step
    values = "-".join(f"{name}={value!r}" for name, value in overrides.items())
    field_id = f"id_{prefix}-{field}"
    return pytest.param(step, overrides, field_id, message, id=f"{step}-{values}")


REQUIRED = "This field is required."
NOT_A_CHOICE = "Select a valid choice."
BAD_EMAIL = "Enter a valid email address."
BAD_PHONE = "Enter a valid phone number in international format"

INVALID_CASES = [
    case("general", "business_name", REQUIRED, business_name=""),
    case("general", "website_url", REQUIRED, website_url=""),
    case("general", "website_url", website_url="ftp://x"),
    case("general", "website_url", website_url="javascript:alert(1)"),
    case("business", "business_identity", REQUIRED, business_identity=""),
    case("business", "business_type", REQUIRED, business_type=""),
    case("business", "business_industry", REQUIRED, business_industry=""),
    case(
        "business",
        "business_registration_identifier",
        REQUIRED,
        business_registration_identifier="",
    ),
    case(
        "business",
        "business_registration_number",
        REQUIRED,
        business_registration_number="",
    ),
    case(
        "business",
        "business_regions_of_operation",
        REQUIRED,
        business_regions_of_operation=None,
    ),
    case("business", "business_identity", NOT_A_CHOICE, business_identity="reseller"),
    case("business", "business_type", NOT_A_CHOICE, business_type="LLC"),
    case("business", "business_industry", NOT_A_CHOICE, business_industry="MINING"),
    case(
        "business",
        "business_registration_identifier",
        NOT_A_CHOICE,
        business_registration_identifier="SSN",
    ),
    case(
        "business",
        "business_regions_of_operation",
        NOT_A_CHOICE,
        business_regions_of_operation=["MARS"],
    ),
    case(
        "business",
        "business_registration_identifier_other",
        "Enter the name of the registration ID type.",
        business_registration_identifier="Other",
        business_registration_identifier_other="",
    ),
    case(
        "business",
        "social_media_profile_urls",
        "is not a web address starting with http:// or https://",
        social_media_profile_urls="ftp://x",
    ),
    case("representatives", "first_name", REQUIRED, first_name=""),
    case("representatives", "last_name", REQUIRED, last_name=""),
    case("representatives", "email", REQUIRED, email=""),
    case("representatives", "phone_number", REQUIRED, phone_number=""),
    case("representatives", "business_title", REQUIRED, business_title=""),
    case("representatives", "job_position", REQUIRED, job_position=""),
    case("representatives", "email", BAD_EMAIL, email="ada@"),
    case("representatives", "email", BAD_EMAIL, email="ada.example.com"),
    case("representatives", "phone_number", BAD_PHONE, phone_number="12345"),
    case("representatives", "phone_number", BAD_PHONE, phone_number="+1 555"),
    case("representatives", "phone_number", BAD_PHONE, phone_number="call me"),
    case("representatives", "job_position", NOT_A_CHOICE, job_position="Chairman"),
    case("address", "customer_name", REQUIRED, customer_name=""),
    case("address", "street", REQUIRED, street=""),
    case("address", "city", REQUIRED, city=""),
    case("address", "region", REQUIRED, region=""),
    case("address", "postal_code", REQUIRED, postal_code=""),
    case("address", "iso_country", REQUIRED, iso_country=""),
    case("address", "iso_country", NOT_A_CHOICE, iso_country="XX"),
    case("address", "iso_country", NOT_A_CHOICE, iso_country="USA"),
    case(
        "documents",
        "document_type",
        "Choose what kind of document you are uploading.",
        document_type="",
    ),
    case("documents", "document_type", NOT_A_CHOICE, document_type="passport"),
    case(
        "documents",
        "files",
        "is not a PDF, JPEG or PNG file",
        files=b"just some text, named .pdf",
    ),
    case("documents", "files", "is empty", files=b""),
    case("notifications", "email", BAD_EMAIL, email="alerts-at-acme"),
    case("notifications", "status_callback", status_callback="ftp://x"),
    case("notifications", "status_callback", status_callback="javascript:alert(1)"),
]


@pytest.mark.parametrize(("step", "overrides", "field_id", "message"), INVALID_CASES)
def test_invalid_input_is_shown_beside_the_field_and_in_the_summary(
    account, applicant_client, step, overrides, field_id, message
):
    profile = complete_secondary_profile(account)

    response = post_step(applicant_client, profile, step, valid_data(step, **overrides))

    assert_field_error(response, field_id, message)


@pytest.mark.parametrize(("step", "overrides", "field_id", "message"), INVALID_CASES)
def test_invalid_input_changes_nothing(
    account, applicant_client, step, overrides, field_id, message
):
    profile = complete_secondary_profile(account, completed_steps=[])
    before = snapshot(profile)

    post_step(applicant_client, profile, step, valid_data(step, **overrides))

    assert snapshot(profile) == before


@pytest.mark.parametrize("url", ["ftp://x", "javascript:alert(1)"])
def test_a_non_web_address_is_explained(applicant_client, draft, url):
    response = post_step(
        applicant_client, draft, "general", valid_data("general", website_url=url)
    )

    assert "starting with http:// or https://" in field_errors(
        response, "id_general-website_url"
    )


def test_a_first_document_is_required(applicant_client, draft):
    data = {"documents-document_type": "business_registration"}

    response = post_step(applicant_client, draft, "documents", data)

    assert_field_error(
        response, "id_documents-files", "Upload at least one supporting document."
    )
    assert snapshot(draft)["documents"] == []


NO_CHANNEL = "Choose at least one way to be notified"


def test_a_notification_channel_is_required(applicant_client, draft):
    before = snapshot(draft)
    data = valid_data("notifications", email="", status_callback="")

    response = post_step(applicant_client, draft, "notifications", data)

    assert response.status_code == 200
    assert NO_CHANNEL in error_summary(response)
    assert snapshot(draft) == before


def test_the_missing_channel_error_is_shown_beside_the_fields(applicant_client, draft):
    data = valid_data("notifications", email="", status_callback="")

    response = post_step(applicant_client, draft, "notifications", data)

    form_html = html(response).split('<form method="post" class="card"', 1)[1]
    assert NO_CHANNEL in form_html, "shown only in the summary, not at the fields"


def test_the_second_representative_may_be_left_empty(applicant_client, draft):
    data = representatives_data(FIRST_REPRESENTATIVE, {})

    response = post_step(applicant_client, draft, "representatives", data)

    assert response.url == step_url(draft, "address")
    representatives = AuthorizedRepresentative.objects.filter(profile=draft)
    assert [rep.first_name for rep in representatives] == ["Ada"]


def test_a_half_filled_second_representative_is_an_error(applicant_client, draft):
    before = snapshot(draft)
    data = representatives_data(FIRST_REPRESENTATIVE, {"first_name": "Grace"})

    response = post_step(applicant_client, draft, "representatives", data)

    assert_field_error(response, "id_representatives-1-last_name", REQUIRED)
    assert "Representative 2, Last name" in error_summary(response)
    assert snapshot(draft) == before


def test_clearing_the_second_representative_removes_it(applicant_client, draft):
    post_step(applicant_client, draft, "representatives", valid_data("representatives"))
    page = html(applicant_client.get(step_url(draft, "representatives")))
    initial = re.search(r'name="representatives-INITIAL_FORMS" value="(\d+)"', page)
    data = representatives_data(FIRST_REPRESENTATIVE, {})
    data["representatives-INITIAL_FORMS"] = initial.group(1)

    response = post_step(applicant_client, draft, "representatives", data)

    assert response.status_code == 302, error_summary(response)
    representatives = AuthorizedRepresentative.objects.filter(profile=draft)
    assert [rep.position for rep in representatives] == [1]


def test_the_first_representative_is_required(applicant_client, draft):
    before = snapshot(draft)

    response = post_step(
        applicant_client, draft, "representatives", representatives_data()
    )

    assert_field_error(response, "id_representatives-0-first_name", REQUIRED)
    assert snapshot(draft) == before


def test_invalid_input_is_kept_in_the_form_for_correction(applicant_client, draft):
    data = valid_data("general", website_url="ftp://x")

    response = post_step(applicant_client, draft, "general", data)

    assert 'value="Acme Widgets"' in html(response)
    assert 'value="ftp://x"' in html(response)


# --- Resuming and parallel drafts -----------------------------------------------


def test_a_new_session_resumes_at_the_first_unsaved_step(
    account, applicant, applicant_client, draft
):
    fill_steps(applicant_client, draft, STEPS[:3])
    client = Client()
    client.force_login(applicant)

    response = client.get(step_url(draft))

    assert response.status_code == 302
    assert response.url == step_url(draft, "address")


def test_a_complete_draft_resumes_at_the_review(applicant_client, draft):
    fill_steps(applicant_client, draft)

    response = applicant_client.get(step_url(draft))

    assert response.url == step_url(draft, "review")


def test_a_new_session_shows_the_saved_answers_on_their_steps(
    applicant, applicant_client, draft
):
    fill_steps(applicant_client, draft)
    client = Client()
    client.force_login(applicant)

    general = html(client.get(step_url(draft, "general")))
    business = html(client.get(step_url(draft, "business")))
    representatives = html(client.get(step_url(draft, "representatives")))
    address = html(client.get(step_url(draft, "address")))
    notifications = html(client.get(step_url(draft, "notifications")))

    assert 'value="Acme Widgets"' in general
    assert 'value="https://acme.example.com"' in general
    assert 'value="12-3456789"' in business
    assert re.search(r'<option value="EIN" selected>', business)
    assert re.search(r'value="EUROPE"[^>]*checked', business)
    assert 'value="Ada"' in representatives and 'value="Grace"' in representatives
    assert 'value="+14155550100"' in representatives
    assert 'value="375 Beale Street"' in address
    assert 'value="alerts@acme.example.com"' in notifications


def test_the_documents_step_lists_the_saved_documents(applicant_client, draft):
    fill_steps(applicant_client, draft)

    response = applicant_client.get(step_url(draft, "documents"))

    assert "certificate.pdf" in html(response)


def test_two_drafts_of_one_user_keep_their_own_answers(account, applicant_client):
    first, second = new_draft(account), new_draft(account)
    names = {first: "First Brand", second: "Second Brand"}

    for step in STEPS[:-1]:
        for profile in (first, second):
            data = valid_data(step)
            if step == "general":
                data["general-business_name"] = names[profile]
            if step == "address":
                data["address-city"] = f"{names[profile]} City"
            post_step(applicant_client, profile, step, data)

    for profile in (first, second):
        profile.refresh_from_db()
        assert profile.friendly_name == names[profile]
        assert profile.business_information.business_name == names[profile]
        assert profile.address.city == f"{names[profile]} City"
        assert profile.representatives.count() == 2
        assert profile.documents.count() == 1
        assert profile.completed_steps == STEPS[:-1]


def test_submitting_one_draft_leaves_the_other_a_draft(account, applicant_client):
    first, second = new_draft(account), new_draft(account)
    fill_steps(applicant_client, first)
    fill_steps(applicant_client, second)

    post_step(applicant_client, first, "review")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.PENDING_REVIEW
    assert second.status == Status.DRAFT
    assert applicant_client.get(step_url(second, "general")).status_code == 200


# --- Progress list and navigation -----------------------------------------------


@pytest.mark.parametrize(("number", "step"), list(enumerate(STEPS, start=1)))
def test_each_step_says_where_it_is_in_the_seven(applicant_client, draft, number, step):
    response = applicant_client.get(step_url(draft, step))

    assert response.status_code == 200
    assert f"Step {number} of 7" in html(response)


def test_a_fresh_draft_links_no_later_step(applicant_client, draft):
    page = html(applicant_client.get(step_url(draft, "general")))

    for step in STEPS[1:]:
        assert f'href="{step_url(draft, step)}"' not in page


def test_a_step_is_linked_once_every_earlier_step_is_saved(applicant_client, draft):
    fill_steps(applicant_client, draft, ["general", "business"])

    page = html(applicant_client.get(step_url(draft, "address")))

    for step in ["general", "business", "representatives"]:
        assert f'href="{step_url(draft, step)}"' in page
    for step in ["documents", "notifications", "review"]:
        assert f'href="{step_url(draft, step)}"' not in page


def test_a_gap_in_the_saved_steps_stops_the_links(applicant_client, draft):
    fill_steps(applicant_client, draft, ["general", "representatives", "address"])

    page = html(applicant_client.get(step_url(draft, "general")))

    assert f'href="{step_url(draft, "business")}"' in page
    assert f'href="{step_url(draft, "representatives")}"' not in page
    assert f'href="{step_url(draft, "documents")}"' not in page


def test_previous_goes_back_without_saving(applicant_client, draft):
    fill_steps(applicant_client, draft, ["general"])
    before = snapshot(draft)
    data = valid_data("business")

    response = post_step(
        applicant_client, draft, "business", data, wizard_goto_step="general"
    )

    assert response.status_code == 302
    assert response.url == step_url(draft, "general")
    assert snapshot(draft) == before


def test_an_unknown_step_in_the_url_resumes_the_draft(applicant_client, draft):
    response = applicant_client.get(step_url(draft, "bogus"))

    assert response.status_code == 302
    assert response.url == step_url(draft, "general")


# --- Forged or stale pages --------------------------------------------------------


FORGED_POSTS = [
    pytest.param("general", None, id="management-form-missing"),
    pytest.param("general", "business", id="management-form-names-another-step"),
    pytest.param("general", "bogus", id="management-form-names-an-unknown-step"),
    pytest.param("bogus", "bogus", id="url-names-an-unknown-step"),
    pytest.param("done", "review", id="url-names-formtools-done"),
    pytest.param("review", "general", id="submit-with-another-steps-form"),
    pytest.param("general", "", id="management-form-empty"),
]


def forged_post(client, profile, url_step, current_step, **kwargs):
    data = {**valid_data("general"), **valid_data("review")}
    if current_step is not None:
        data["wizard-current_step"] = current_step
    return client.post(step_url(profile, url_step), data, **kwargs)


@pytest.mark.parametrize(("url_step", "current_step"), FORGED_POSTS)
def test_a_forged_or_stale_page_changes_nothing(
    applicant_client, draft, url_step, current_step
):
    before = snapshot(draft)

    response = forged_post(applicant_client, draft, url_step, current_step)

    assert response.status_code == 302
    assert response.url == step_url(draft, "general")
    assert snapshot(draft) == before


@pytest.mark.parametrize(("url_step", "current_step"), FORGED_POSTS)
def test_a_forged_or_stale_page_says_nothing_was_saved(
    applicant_client, draft, url_step, current_step
):
    response = forged_post(applicant_client, draft, url_step, current_step, follow=True)

    assert response.status_code == 200
    assert any("nothing was saved" in message for message in messages_of(response))


# --- Locked profiles --------------------------------------------------------------


@pytest.mark.parametrize("status", LOCKED_STATUSES)
@pytest.mark.parametrize("step", STEPS)
def test_a_submitted_profile_refuses_to_show_any_step(
    account, applicant_client, step, status
):
    profile = complete_secondary_profile(account, status=status)

    response = applicant_client.get(step_url(profile, step))

    assert response.status_code == 409
    assert "60711" in html(response)


@pytest.mark.parametrize("status", LOCKED_STATUSES)
@pytest.mark.parametrize("step", STEPS)
def test_a_submitted_profile_refuses_every_post_and_keeps_its_data(
    account, applicant_client, step, status
):
    profile = complete_secondary_profile(account, status=status)
    before = snapshot(profile)
    data = valid_data(
        step, **({"business_name": "Changed"} if step == "general" else {})
    )

    response = post_step(applicant_client, profile, step, data)

    assert response.status_code == 409
    assert "60711" in html(response)
    assert snapshot(profile) == before


@pytest.mark.parametrize("status", LOCKED_STATUSES)
def test_a_submitted_profile_refuses_the_resume_link(account, applicant_client, status):
    profile = complete_secondary_profile(account, status=status)

    response = applicant_client.get(step_url(profile))

    assert response.status_code == 409
    assert "60711" in html(response)


def test_a_profile_cannot_be_submitted_twice(applicant_client, draft):
    fill_steps(applicant_client, draft)
    post_step(applicant_client, draft, "review")

    response = post_step(applicant_client, draft, "review")

    assert response.status_code == 409
    assert StatusChange.objects.filter(profile=draft).count() == 1
    draft.refresh_from_db()
    assert draft.revision == 1


# --- Rejected profiles and the primary profile -----------------------------------


def test_a_rejected_profile_can_be_edited_again(account, applicant_client):
    profile = complete_secondary_profile(
        account, status=Status.TWILIO_REJECTED, revision=1
    )

    page = applicant_client.get(step_url(profile, "general"))
    saved = post_step(
        applicant_client,
        profile,
        "general",
        valid_data("general", business_name="Acme 2"),
    )

    assert page.status_code == 200
    assert saved.url == step_url(profile, "business")
    profile.refresh_from_db()
    assert profile.business_information.business_name == "Acme 2"
    assert profile.status == Status.TWILIO_REJECTED


def test_resubmitting_a_rejected_profile_makes_revision_two(
    account, applicant, applicant_client
):
    profile = complete_secondary_profile(
        account, status=Status.TWILIO_REJECTED, revision=1
    )

    response = post_step(applicant_client, profile, "review")

    assert response.url == f"/profiles/{profile.sid}/"
    profile.refresh_from_db()
    assert (profile.status, profile.revision) == (Status.PENDING_REVIEW, 2)
    change = StatusChange.objects.get(profile=profile)
    assert (change.from_status, change.revision) == (Status.TWILIO_REJECTED, 2)


@pytest.mark.parametrize(
    "primary_status", [Status.TWILIO_REJECTED, Status.IN_REVIEW, Status.DRAFT]
)
def test_submit_is_refused_while_the_primary_is_not_approved(
    account, applicant_client, primary_status
):
    profile = complete_secondary_profile(account)
    account.profiles.primary().update(status=primary_status)

    response = post_step(applicant_client, profile, "review")
    page = applicant_client.get(response.url)

    assert response.url == step_url(profile, "review")
    assert "needs an approved primary compliance profile" in html(page)
    profile.refresh_from_db()
    assert (profile.status, profile.revision) == (Status.DRAFT, 0)
    assert not StatusChange.objects.filter(profile=profile).exists()


@pytest.fixture
def revoked_primary(account, reviewer):
    """The account's primary, its approval revoked by a reviewer."""
    primary = account.profiles.primary().get()
    return lifecycle.profile_reject(
        profile=primary,
        reviewer=reviewer,
        errors=[{"code": 18601, "message": "The business name is not registered."}],
    )


@pytest.mark.parametrize("step", STEPS)
def test_a_revoked_primary_refuses_every_step_of_the_wizard(
    applicant_client, revoked_primary, step
):
    before = snapshot(revoked_primary)
    data = valid_data(
        step, **({"business_name": "Changed"} if step == "general" else {})
    )

    page = applicant_client.get(step_url(revoked_primary, step))
    response = post_step(applicant_client, revoked_primary, step, data)

    assert (page.status_code, response.status_code) == (409, 409)
    assert "only secondary profiles are edited" in html(response)
    assert snapshot(revoked_primary) == before


def test_a_revoked_primary_is_not_submitted_once_another_is_approved(
    account, applicant_client, revoked_primary
):
    PrimaryProfileFactory(account=account, friendly_name="New primary")
    before = snapshot(revoked_primary)

    response = post_step(applicant_client, revoked_primary, "review")

    assert response.status_code == 409
    assert snapshot(revoked_primary) == before
    revoked_primary.refresh_from_db()
    assert revoked_primary.status == Status.TWILIO_REJECTED


def test_a_revoked_primary_keeps_its_documents(applicant_client, revoked_primary):
    document = add_document(revoked_primary)
    before = snapshot(revoked_primary)

    upload = post_step(
        applicant_client,
        revoked_primary,
        "documents",
        valid_data("documents"),
        **{"documents-files": pdf_upload("other.pdf"), "action": "upload"},
    )
    removal = applicant_client.post(
        f"/profiles/{revoked_primary.sid}/documents/{document.sid}/delete/"
    )

    assert (upload.status_code, removal.status_code) == (409, 409)
    assert snapshot(revoked_primary) == before
    assert document.file.storage.exists(document.file.name)


def test_a_revoked_primary_offers_no_edit_link(applicant_client, revoked_primary):
    page = html(applicant_client.get(f"/profiles/{revoked_primary.sid}/"))

    assert "The business name is not registered." in page
    assert step_url(revoked_primary) not in page
    assert "/edit/" not in page


# --- Review ----------------------------------------------------------------------


REVIEW_ANSWERS = [
    "Acme Widgets",
    "https://acme.example.com",
    "Direct customer",
    "Limited Liability Corporation",
    "Technology",
    "EIN — USA: Employer Identification Number",
    "12-3456789",
    "USA and Canada",
    "Ada Lovelace",
    "Grace Hopper",
    "ada@acme.example.com",
    "+14155550100",
    "Head of Operations",
    "Director",
    "375 Beale Street",
    "Suite 300",
    "San Francisco",
    "94105",
    "United States of America (US)",
    "certificate.pdf",
    "alerts@acme.example.com",
    "https://hooks.acme.example.com/trusthub",
]


def test_the_review_shows_every_answer(account, applicant_client):
    profile = complete_secondary_profile(account, **NOTIFICATIONS)

    page = html(applicant_client.get(step_url(profile, "review")))

    missing = [answer for answer in REVIEW_ANSWERS if answer not in page]
    assert missing == []


@pytest.mark.parametrize("step", STEPS[:-1])
def test_the_review_links_each_step_for_editing(account, applicant_client, step):
    profile = complete_secondary_profile(account)

    page = html(applicant_client.get(step_url(profile, "review")))

    assert re.search(rf'<a href="{step_url(profile, step)}">Edit<', page)


def test_the_review_shows_the_other_registration_type_name(account, applicant_client):
    profile = complete_secondary_profile(account)
    BusinessInformation.objects.filter(profile=profile).update(
        business_registration_identifier="Other",
        business_registration_identifier_other="Handelsregister",
    )

    page = html(applicant_client.get(step_url(profile, "review")))

    assert "Other (Handelsregister)" in page
