"""What the applicant sees of an evaluation: reasons, links to fields, history."""

from __future__ import annotations

import re

import pytest

from profiles.choices import Status
from profiles.evaluation import evaluate_submission_batch
from profiles.lifecycle import profile_submit
from profiles.models import (
    Address,
    AuthorizedRepresentative,
    CustomerProfile,
    Evaluation,
    SupportingDocument,
)
from profiles.steps import STEP_NAMES
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.wizard_client import step_url
from profiles.tests.wizard_data import (
    ADDRESS,
    FIRST_REPRESENTATIVE,
    SECOND_REPRESENTATIVE,
)

pytestmark = pytest.mark.django_db

STEPS = list(STEP_NAMES)
PO_BOX_REASON = "The address must be a physical street address; PO boxes are not"
MISSING_REP_REASON = "Authorized representative #2 is missing."


# --- Helpers ------------------------------------------------------------------


def noncompliant_profile(account):
    """A draft with a PO-box street and only one representative."""
    profile = complete_secondary_profile(account)
    Address.objects.filter(profile=profile).update(street="P.O. Box 12")
    AuthorizedRepresentative.objects.filter(profile=profile, position=2).delete()
    return profile


def detail_url(profile) -> str:
    return f"/profiles/{profile.sid}/"


def submit(client, profile, capture):
    """POST the review step and run the evaluation once the request commits."""
    with capture(execute=True):
        response = client.post(
            step_url(profile, "review"), {"wizard-current_step": "review"}
        )
    assert response.status_code == 302
    assert response["Location"] == detail_url(profile)
    profile.refresh_from_db()
    return profile


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def input_tag(html: str, element_id: str) -> str:
    match = re.search(
        rf'<(?:input|select|textarea)[^>]*\bid="{element_id}"[^>]*>', html
    )
    assert match, f"no form control with id {element_id}"
    return match.group(0)


def failure_group(html: str, profile, step: str, title: str) -> str:
    """The HTML of one step's group of failures, checking its heading link."""
    heading = f'<h3><a href="{step_url(profile, step)}">{title}</a></h3>'
    assert heading in html
    start = html.index(heading)
    end = html.find('<div class="failure-group">', start + 1)
    return html[start : end if end != -1 else None]


@pytest.fixture
def rejected(account, applicant_client, django_capture_on_commit_callbacks):
    """A noncompliant profile submitted through the wizard and rejected."""
    profile = noncompliant_profile(account)
    return submit(applicant_client, profile, django_capture_on_commit_callbacks)


# --- The rejected profile's page --------------------------------------------------


def test_a_noncompliant_submission_is_rejected_by_its_evaluation(rejected):
    assert rejected.status == Status.TWILIO_REJECTED
    assert rejected.revision == 1
    evaluation = Evaluation.objects.get(profile=rejected)
    assert evaluation.status == Evaluation.Result.NONCOMPLIANT
    assert {e["code"] for e in rejected.errors} == {22214, 22217}


def test_the_detail_page_shows_the_rejected_status(rejected, applicant_client):
    html = page(applicant_client, detail_url(rejected))

    assert '<span class="badge badge-twilio-rejected">Twilio Rejected</span>' in html
    assert "The profile was rejected. Fix what is listed below" in html
    assert f'href="/profiles/{rejected.sid}/edit/">Edit and resubmit' in html


def test_the_detail_page_groups_failures_under_their_wizard_steps(
    rejected, applicant_client
):
    html = page(applicant_client, detail_url(rejected))

    representatives = failure_group(
        html, rejected, "representatives", "Authorized representatives"
    )
    address = failure_group(html, rejected, "address", "Address")
    assert MISSING_REP_REASON in representatives
    assert "(error 22214)" in representatives
    assert PO_BOX_REASON in address
    assert "(error 22217)" in address
    assert PO_BOX_REASON not in representatives
    assert html.index("Authorized representatives</a></h3>") < html.index(
        "Address</a></h3>"
    )


def test_each_failure_links_to_its_field_in_the_wizard(rejected, applicant_client):
    html = page(applicant_client, detail_url(rejected))

    street_link = f'<a href="/profiles/{rejected.sid}/edit/address/#id_address-street">'
    assert f"{street_link}Business Address: Street</a>" in html
    # A missing representative has no field of its own: the link opens the step.
    assert (
        f'<a href="/profiles/{rejected.sid}/edit/representatives/">'
        "Authorized Representative 2</a>" in html
    )


def test_the_detail_page_lists_the_evaluation_history(rejected, applicant_client):
    html = page(applicant_client, detail_url(rejected))
    evaluation = Evaluation.objects.get(profile=rejected)

    assert "<h2>Evaluations</h2>" in html
    assert "revision 1: Noncompliant (2 requirements failed)" in html
    assert f"<code>{evaluation.sid}</code>" in html
    assert "Pending Review → Twilio Rejected (system)" in html
    assert "Draft → Pending Review" in html


def test_a_rejected_detail_page_does_not_poll_for_its_status(
    rejected, applicant_client
):
    html = page(applicant_client, detail_url(rejected))

    assert "data-status-url" not in html
    assert 'http-equiv="refresh"' not in html


# --- Reasons at the fields in the wizard ------------------------------------------


def test_the_address_step_shows_the_po_box_reason_at_the_street_field(
    rejected, applicant_client
):
    html = page(applicant_client, step_url(rejected, "address"))

    street = input_tag(html, "id_address-street")
    assert 'aria-invalid="true"' in street
    assert 'value="P.O. Box 12"' in street
    assert PO_BOX_REASON in html
    assert 'href="#id_address-street"' in html  # the error summary's link
    assert 'aria-invalid="true"' not in input_tag(html, "id_address-city")


def test_the_representatives_step_shows_the_missing_representative_reason(
    rejected, applicant_client
):
    html = page(applicant_client, step_url(rejected, "representatives"))

    assert "There is a problem" in html
    assert MISSING_REP_REASON in html
    assert 'value="Ada"' in input_tag(html, "id_representatives-0-first_name")


def test_a_field_reason_disappears_from_its_step_once_the_field_is_fixed(
    rejected, applicant_client
):
    response = applicant_client.post(
        step_url(rejected, "address"),
        {
            "wizard-current_step": "address",
            **{f"address-{name}": value for name, value in ADDRESS.items()},
        },
    )
    assert response.status_code == 302

    html = page(applicant_client, step_url(rejected, "address"))

    assert PO_BOX_REASON not in html
    assert 'aria-invalid="true"' not in input_tag(html, "id_address-street")


# --- Pre-flight on the review step ------------------------------------------------


def test_the_review_step_of_a_draft_lists_the_failures_before_submit(
    account, applicant_client
):
    profile = noncompliant_profile(account)

    html = page(applicant_client, step_url(profile, "review"))

    assert "Before you submit: this would be rejected" in html
    assert "Everything the evaluation checks is in place" not in html
    address = failure_group(html, profile, "address", "Address")
    assert PO_BOX_REASON in address
    assert "(error 22217)" in address
    assert f'href="/profiles/{profile.sid}/edit/address/#id_address-street"' in html
    representatives = failure_group(
        html, profile, "representatives", "Authorized representatives"
    )
    assert MISSING_REP_REASON in representatives
    assert "(error 22214)" in representatives
    profile.refresh_from_db()
    assert profile.status == Status.DRAFT
    assert not Evaluation.objects.filter(profile=profile).exists()


def test_the_review_step_of_a_complete_draft_says_everything_is_in_place(
    account, applicant_client
):
    profile = complete_secondary_profile(account)

    html = page(applicant_client, step_url(profile, "review"))

    assert "Everything the evaluation checks is in place." in html
    assert "Before you submit: this would be rejected" not in html
    assert "(error " not in html


def test_the_draft_steps_show_no_evaluation_errors_before_any_submission(
    account, applicant_client
):
    profile = noncompliant_profile(account)

    html = page(applicant_client, step_url(profile, "address"))

    assert PO_BOX_REASON not in html
    assert 'aria-invalid="true"' not in input_tag(html, "id_address-street")


# --- Fixing and resubmitting --------------------------------------------------------


def test_fixing_the_answers_and_resubmitting_moves_the_profile_to_in_review(
    rejected, applicant_client, django_capture_on_commit_callbacks
):
    address = applicant_client.post(
        step_url(rejected, "address"),
        {
            "wizard-current_step": "address",
            **{f"address-{name}": value for name, value in ADDRESS.items()},
        },
    )
    assert address.status_code == 302
    representatives = {
        "wizard-current_step": "representatives",
        "representatives-TOTAL_FORMS": "2",
        "representatives-INITIAL_FORMS": "0",
        "representatives-MIN_NUM_FORMS": "1",
        "representatives-MAX_NUM_FORMS": "2",
        **{f"representatives-0-{k}": v for k, v in FIRST_REPRESENTATIVE.items()},
        **{f"representatives-1-{k}": v for k, v in SECOND_REPRESENTATIVE.items()},
    }
    response = applicant_client.post(
        step_url(rejected, "representatives"), representatives
    )
    assert response.status_code == 302
    review = page(applicant_client, step_url(rejected, "review"))
    assert "Everything the evaluation checks is in place." in review

    profile = submit(applicant_client, rejected, django_capture_on_commit_callbacks)

    assert profile.status == Status.IN_REVIEW
    assert profile.revision == 2
    assert profile.errors == []
    evaluations = Evaluation.objects.filter(profile=profile).order_by("revision")
    assert [(e.revision, e.status) for e in evaluations] == [
        (1, Evaluation.Result.NONCOMPLIANT),
        (2, Evaluation.Result.COMPLIANT),
    ]
    html = page(applicant_client, detail_url(profile))
    assert '<span class="badge badge-in-review">In Review</span>' in html
    assert "revision 1: Noncompliant (2 requirements failed)" in html
    assert "revision 2: Compliant" in html
    assert PO_BOX_REASON not in html
    assert "Twilio Rejected → Pending Review" in html
    assert "Pending Review → In Review (system)" in html


# --- Waiting for the evaluation -------------------------------------------------------


@pytest.fixture
def pending(account, applicant):
    """A submitted profile whose evaluation has not run (no on_commit here)."""
    profile = profile_submit(
        profile=complete_secondary_profile(account), actor=applicant
    )
    assert profile.status == Status.PENDING_REVIEW
    return profile


def test_a_pending_detail_page_refreshes_itself_without_javascript(
    pending, applicant_client
):
    html = page(applicant_client, detail_url(pending))

    assert '<noscript><meta http-equiv="refresh"' in html
    assert "Pending Review — evaluating" in html


def test_a_pending_detail_page_gives_the_polling_script_its_status_url(
    pending, applicant_client
):
    html = page(applicant_client, detail_url(pending))

    assert f'data-status-url="/profiles/{pending.sid}/status/"' in html
    assert 'data-status="pending-review"' in html
    assert "js/status.js" in html


def test_the_status_url_returns_the_profile_status_as_json(pending, applicant_client):
    response = applicant_client.get(f"/profiles/{pending.sid}/status/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "sid": pending.sid,
        "status": "pending-review",
        "revision": 1,
    }


def test_the_status_url_follows_the_evaluation(pending, applicant_client):
    evaluate_submission_batch(profile_id=pending.pk, revision=1)

    response = applicant_client.get(f"/profiles/{pending.sid}/status/")

    assert response.json()["status"] == "in-review"


def test_the_status_url_of_another_accounts_profile_is_404(pending, other_client):
    response = other_client.get(f"/profiles/{pending.sid}/status/")

    assert response.status_code == 404


def test_the_status_url_needs_a_signed_in_member(pending, client):
    response = client.get(f"/profiles/{pending.sid}/status/")

    assert response.status_code in (302, 404)
    assert b"pending-review" not in response.content


# --- The 18606 warning ---------------------------------------------------------------


def test_the_review_step_warns_about_an_email_off_the_website_domain(
    account, applicant_client
):
    profile = complete_secondary_profile(account, second_email="grace@gmail.com")

    html = page(applicant_client, step_url(profile, "review"))

    assert "Everything the evaluation checks is in place." in html
    assert "Worth checking" in html
    assert "(18606)" in html
    assert "(gmail.com)" in html


def test_the_detail_page_keeps_the_warning_of_the_evaluation(
    account, applicant_client, django_capture_on_commit_callbacks
):
    profile = complete_secondary_profile(account, second_email="grace@gmail.com")

    profile = submit(applicant_client, profile, django_capture_on_commit_callbacks)
    html = page(applicant_client, detail_url(profile))

    assert profile.status == Status.IN_REVIEW
    assert "Worth checking" in html
    assert "(18606)" in html
    assert "(gmail.com)" in html


def test_a_compliant_profile_without_domain_mismatch_shows_no_warning(
    account, applicant_client, django_capture_on_commit_callbacks
):
    profile = submit(
        applicant_client,
        complete_secondary_profile(account),
        django_capture_on_commit_callbacks,
    )

    html = page(applicant_client, detail_url(profile))

    assert profile.status == Status.IN_REVIEW
    assert "All required information was provided." in html
    assert "Worth checking" not in html


# --- Failures that name a whole entity ---------------------------------------------


def test_a_rejection_for_a_missing_address_and_no_document_shows_both_reasons(
    account, applicant_client, django_capture_on_commit_callbacks
):
    profile = complete_secondary_profile(account)
    Address.objects.filter(profile=profile).delete()
    SupportingDocument.objects.filter(profile=profile).delete()

    profile = submit(applicant_client, profile, django_capture_on_commit_callbacks)
    html = page(applicant_client, detail_url(profile))

    assert profile.status == Status.TWILIO_REJECTED
    assert "No supporting document proves this business" in html
    assert "(error 22216)" in html
    assert "The business address is missing." in html
    assert "(error 22219)" in html


def test_a_rejection_for_an_unapproved_primary_is_listed_under_account(
    account, applicant, applicant_client
):
    profile = profile_submit(
        profile=complete_secondary_profile(account), actor=applicant
    )
    CustomerProfile.objects.for_account(account).primary().update(
        status=Status.TWILIO_REJECTED
    )
    evaluate_submission_batch(profile_id=profile.pk, revision=1)

    html = page(applicant_client, detail_url(profile))

    assert "<h3>Account</h3>" in html
    assert "primary compliance profile is not approved" in html
    assert "(error 22214)" in html
