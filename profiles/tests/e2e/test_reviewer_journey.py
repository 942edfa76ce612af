"""The reviewer's journey: the queue, the document, a rejection, then an approval,
and what the applicant sees and receives (email, signed status callbacks).

Screenshots under var/test-artifacts/e2e/3-review/.
"""

from __future__ import annotations

import hashlib
import re
import time
from urllib.parse import parse_qsl

import pytest
from django.core.files.base import ContentFile
from twilio.request_validator import RequestValidator

from profiles.choices import Status
from profiles.models import CustomerProfile, SupportingDocument
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.e2e import pages
from profiles.tests.e2e.browser import expect, make_pdf, sign_in, sign_in_to_admin
from profiles.tests.e2e.pages import DECISION_TIMEOUT
from profiles.tests.factories import (
    AccountFactory,
    PrimaryProfileFactory,
    SecondaryProfileFactory,
)
from profiles.tests.receivers import Receiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings):
    """A status-callback receiver on 127.0.0.1, which the portal may reach."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_a_reviewer_rejects_then_approves_and_the_applicant_is_told(
    new_context,
    live_worker,
    applicant,
    applicant_login,
    reviewer_login,
    receiver,
    mailoutbox,
    screenshots,
    tmp_path,
):
    profile = draft_ready_to_submit(applicant.membership.account, tmp_path)
    other_queue_entries()
    applicant_page = new_context().new_page()
    shot = screenshots(applicant_page, "3-review")

    # The applicant asks for callbacks to their receiver, and submits.
    sign_in(applicant_page, *applicant_login, path=profile.get_absolute_url())
    applicant_page.get_by_role("link", name="Continue").click()
    pages.expect_step(applicant_page, "Review and submit")
    pages.step_link(applicant_page, "Notification settings").click()
    pages.fill_notifications(applicant_page, "alerts@acme.example.com", receiver.url)
    shot("applicant-review")

    # The address is not a member's: it gets a confirmation link first, which
    # its owner opens without signing in.
    wait_until(lambda: len(mailoutbox) == 1, "confirmation email")
    (confirmation,) = mailoutbox
    assert confirmation.to == ["alerts@acme.example.com"]
    link = re.search(r"/notifications/confirm/[^/\s]+/", confirmation.body).group()
    owner_page = new_context().new_page()
    owner_page.goto(link)
    owner_page.get_by_role("button", name="Confirm this address").click()
    expect(owner_page.get_by_role("heading", name="Address confirmed")).to_be_visible()
    shot("address-confirmed", owner_page)
    applicant_page.get_by_role("button", name="Submit for review").click()
    expect(pages.badge(applicant_page)).to_have_text(
        "In Review", timeout=DECISION_TIMEOUT
    )

    # The reviewer finds it at the top of the queue and reads the document.
    page = new_context().new_page()
    sign_in_to_admin(page, *reviewer_login)
    page.get_by_role("link", name="Customer profiles").first.click()
    first_row = page.locator("#result_list tbody tr").first
    expect(first_row).to_contain_text("Acme Widgets")
    expect(first_row).to_contain_text("In Review")
    shot("review-queue", page)
    first_row.get_by_role("link", name="Acme Widgets").click()
    expect(page.get_by_role("heading", name="Supporting documents")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download acme-bill.pdf").click()
    opened = download.value.path().read_bytes()
    assert opened == profile.documents.get().file.open("rb").read()
    assert opened.startswith(b"%PDF-")
    shot("review-page", page)

    # Rejected with a code and a reason; the applicant's page shows it itself.
    page.get_by_label("18603 — Address could not be verified").check()
    page.get_by_label("Reason for 18603").fill(
        "The utility bill shows another street number."
    )
    shot("rejecting", page)
    page.get_by_role("button", name="Reject", exact=True).click()
    expect(page.get_by_text("Acme Widgets was rejected.")).to_be_visible()
    expect(pages.badge(applicant_page)).to_have_text(
        "Twilio Rejected", timeout=DECISION_TIMEOUT
    )
    expect(applicant_page.locator(".status-card")).to_contain_text(
        "The utility bill shows another street number."
    )
    shot("applicant-sees-rejection")

    # The applicant fixes the address at the field the code names.
    applicant_page.get_by_role("link", name="Address could not be verified").click()
    street = applicant_page.get_by_label("Street", exact=True)
    expect(street).to_have_attribute("aria-invalid", "true")
    shot("reason-at-the-field")
    street.fill("377 Beale Street")
    pages.save_and_continue(applicant_page)
    pages.step_link(applicant_page, "Review and submit").click()
    applicant_page.get_by_role("button", name="Submit for review").click()
    expect(pages.badge(applicant_page)).to_have_text(
        "In Review", timeout=DECISION_TIMEOUT
    )

    # Approved; the applicant's page changes on its own.
    page.goto("/admin/profiles/customerprofile/")
    page.locator("#result_list").get_by_role("link", name="Acme Widgets").click()
    expect(page.get_by_text("377 Beale Street")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Acme Widgets was approved.")).to_be_visible()
    shot("approved-in-admin", page)
    expect(pages.badge(applicant_page)).to_have_text(
        "Twilio Approved", timeout=DECISION_TIMEOUT
    )
    expect(applicant_page.get_by_text("The profile is approved")).to_be_visible()
    shot("applicant-sees-approval")

    account = applicant.membership.account
    assert_callbacks(receiver, account, profile.sid)
    wait_until(lambda: len(mailoutbox) == 3, "both decision emails")
    decisions = mailoutbox[1:]
    assert [m.to for m in decisions] == [["alerts@acme.example.com"]] * 2
    assert "rejected" in decisions[0].subject
    assert "another street number" in decisions[0].body
    assert decisions[1].subject.startswith("Approved")


def draft_ready_to_submit(account, tmp_path) -> CustomerProfile:
    """Every step saved, with a real PDF utility bill."""
    profile = complete_secondary_profile(account, friendly_name="Acme Widgets")
    profile.documents.all().delete()
    pdf = make_pdf(tmp_path / "acme-bill.pdf", ["Utility bill", "375 Beale Street"])
    content = pdf.read_bytes()
    SupportingDocument.objects.create(
        profile=profile,
        document_type="utility_bill",
        file=ContentFile(content, name="acme-bill.pdf"),
        original_name="acme-bill.pdf",
        mime_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    return profile


def other_queue_entries() -> None:
    """Profiles of another account that are not waiting for a decision."""
    other = AccountFactory(name="Zebra Ltd")
    PrimaryProfileFactory(account=other)
    SecondaryProfileFactory(account=other, friendly_name="Zebra draft")
    SecondaryProfileFactory(
        account=other, friendly_name="Zebra approved", status=Status.TWILIO_APPROVED
    )


def wait_until(condition, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout} s")
        time.sleep(0.1)


def assert_callbacks(receiver, account, sid: str) -> None:
    """Every status change but the silent move into review, signed, in order."""
    wait_until(lambda: len(receiver.requests) >= 4, "fourth status callback")
    validator = RequestValidator(account.webhook_secret)
    statuses = []
    for request in receiver.requests:
        params = dict(parse_qsl(request.body.decode()))
        signature = request.headers["X-Twilio-Signature"]
        assert validator.validate(receiver.url, params, signature)
        assert params["BundleSid"] == sid
        statuses.append((int(params["Sequence"]), params["Status"]))
    assert [status for _n, status in sorted(statuses)] == [
        "pending-review",
        "twilio-rejected",
        "pending-review",
        "twilio-approved",
    ]
