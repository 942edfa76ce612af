"""Applicants' journeys in Chromium, with the mouse and the keyboard: complete and
resume a profile, fix a rejected one, and find out why a profile cannot be started.

Each saves a screenshot per step under var/test-artifacts/e2e/<journey>/.
"""

from __future__ import annotations

import re

import pytest

from profiles.choices import Status
from profiles.models import CustomerProfile
from profiles.tests.e2e import pages
from profiles.tests.e2e.browser import expect, make_pdf, sign_in
from profiles.tests.e2e.pages import DECISION_TIMEOUT
from profiles.tests.factories import (
    AccountFactory,
    MembershipFactory,
    PrimaryProfileFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def polls_of(page) -> list[str]:
    """Record the status requests the profile page makes on its own."""
    polls = []
    page.on("request", lambda r: polls.append(r.url) if "/status/" in r.url else None)
    return polls


def start_profile(page) -> None:
    page.get_by_role("button", name="Add secondary profile").click()
    page.get_by_role("button", name="Start").click()
    pages.expect_step(page, "General information")


def test_an_applicant_completes_a_profile_and_sees_the_evaluation_arrive(
    new_context, standby_worker, applicant_login, screenshots, tmp_path
):
    context = new_context()
    page = context.new_page()
    shot = screenshots(page, "1-complete-profile")
    bill = make_pdf(
        tmp_path / "acme-utility-bill.pdf",
        ["Pacific Power - Utility bill", "Acme Widgets", "375 Beale Street"],
        pad_to=3 * 2**20,
    )

    sign_in(page, *applicant_login)
    expect(page.get_by_role("heading", name="Compliance profiles")).to_be_visible()
    shot("profiles")
    page.get_by_role("button", name="Add secondary profile").click()
    shot("start")
    page.get_by_role("button", name="Start").click()
    pages.expect_step(page, "General information")
    shot("general")
    pages.fill_general(page)
    expect(page.get_by_text("General information saved.")).to_be_visible()
    pages.expect_step(page, "Business information")
    shot("business")
    pages.fill_business(page)
    pages.expect_step(page, "Authorized representatives")

    # Previous goes back with the answers kept; the step list comes forward.
    page.get_by_role("link", name="Previous").click()
    pages.expect_step(page, "Business information")
    expect(page.get_by_label("Registration number", exact=True)).to_have_value(
        pages.REGISTRATION_NUMBER
    )
    expect(page.get_by_label("Europe", exact=True)).to_be_checked()
    shot("previous-keeps-answers")
    pages.step_link(page, "Authorized representatives").click()
    pages.expect_step(page, "Authorized representatives")
    shot("representatives")
    pages.fill_representatives(page)
    pages.expect_step(page, "Address")
    pages.fill_address(page)
    pages.expect_step(page, "Supporting documents")
    shot("documents")

    # Closed mid-way; the draft is resumed from the profile list.
    page.close()
    page = shot.page = context.new_page()
    page.goto("/profiles/")
    row = page.get_by_role("row", name=re.compile("Acme Widgets"))
    expect(row.get_by_text("Draft", exact=True)).to_be_visible()
    shot("resume-from-list")
    row.get_by_role("link", name="Acme Widgets").click()
    expect(page.get_by_text("Continue with “Supporting documents”")).to_be_visible()
    shot("draft-page")
    page.get_by_role("link", name="Continue").click()
    pages.expect_step(page, "Supporting documents")

    upload_with_progress(page, bill, shot)
    shot("uploaded")
    pages.save_and_continue(page)
    pages.expect_step(page, "Notification settings")
    pages.fill_notifications(page, "alerts@acme.example.com")
    pages.expect_step(page, "Review and submit")
    pages.expect_ready_to_submit(page)
    shot("review")

    polls = polls_of(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(pages.badge(page)).to_have_text("Pending Review")
    shot("pending-review")
    # The worker was busy elsewhere until now: the page waits and updates itself.
    standby_worker.start()
    expect(pages.badge(page)).to_have_text("In Review", timeout=DECISION_TIMEOUT)
    assert polls, "the profile page never polled its status"
    expect(page.get_by_text("The profile is in review")).to_be_visible()
    shot("in-review")
    profile = CustomerProfile.objects.get(friendly_name="Acme Widgets")
    assert profile.status == Status.IN_REVIEW
    assert profile.documents.get().size == bill.stat().st_size


def upload_with_progress(page, pdf, shot) -> None:
    """Upload a large PDF over a slowed link: sizes listed, progress shown."""
    page.get_by_label("Document type").select_option(
        label="Utility bill (proof of address)"
    )
    page.get_by_label("Files").set_input_files(str(pdf))
    expect(page.locator("[data-upload-list]")).to_contain_text(
        "acme-utility-bill.pdf — 3.0 MB"
    )
    # The progress values survive the page change in this tab's sessionStorage.
    page.evaluate(
        """() => {
          const bar = document.querySelector('[data-upload-progress]');
          new MutationObserver(() => {
            const seen = JSON.parse(sessionStorage.getItem('progress') || '[]');
            seen.push(bar.hidden ? -1 : Number(bar.value));
            sessionStorage.setItem('progress', JSON.stringify(seen));
          }).observe(bar, {attributes: true});
        }"""
    )
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": 2 * 2**20,
        },
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("[data-upload-progress]")).to_be_visible()
    shot("upload-in-progress")
    expect(page.get_by_text("Your documents were uploaded.")).to_be_visible()
    cdp.send("Network.disable")
    cdp.detach()
    seen = page.evaluate("JSON.parse(sessionStorage.getItem('progress') || '[]')")
    shown = [value for value in seen if value >= 0]
    assert shown and shown[-1] == 100, seen
    assert any(0 < value < 100 for value in shown), seen
    expect(page.get_by_role("link", name="acme-utility-bill.pdf")).to_be_visible()


def test_an_applicant_fixes_a_rejected_profile_and_resubmits(
    page, live_worker, applicant_login, screenshots, tmp_path
):
    shot = screenshots(page, "2-fix-rejection")
    bill = make_pdf(tmp_path / "bill.pdf", ["Utility bill", "Acme Widgets"])

    sign_in(page, *applicant_login)
    start_profile(page)
    pages.fill_general(page)
    pages.fill_business(page)
    pages.fill_representatives(page, second=False)
    pages.fill_address(page, Street="PO Box 1234", **{"Street (line 2)": ""})
    pages.upload_documents(page, "Utility bill (proof of address)", bill)
    pages.save_and_continue(page)
    pages.fill_notifications(page, "alerts@acme.example.com")
    preflight = page.get_by_role("region", name="this would be rejected")
    expect(preflight).to_contain_text("PO boxes are not accepted")
    shot("review-warns-before-submit")

    page.get_by_role("button", name="Submit for review").click()
    expect(pages.badge(page)).to_have_text("Twilio Rejected", timeout=DECISION_TIMEOUT)
    reasons = page.locator(".status-card")
    expect(reasons).to_contain_text("PO boxes are not accepted")
    expect(reasons).to_contain_text("Authorized representatives")
    shot("rejected-with-reasons")

    # Each reason links to its field, where the wizard shows it again.
    reasons.get_by_role("link", name="Business Address: Street").click()
    pages.expect_step(page, "Address")
    street = page.get_by_label("Street", exact=True)
    expect(street).to_have_attribute("aria-invalid", "true")
    expect(street).to_have_attribute("aria-describedby", re.compile("_error"))
    expect(page.locator("#id_address-street_error")).to_contain_text("PO boxes")
    shot("reason-at-the-field")
    street.fill("375 Beale Street")
    pages.save_and_continue(page)
    pages.step_link(page, "Authorized representatives").click()
    expect(pages.representative(page, 2).get_by_label("First name")).to_be_empty()
    shot("second-representative-missing")
    pages.fill_representatives(page)
    pages.step_link(page, "Review and submit").click()
    pages.expect_ready_to_submit(page)
    shot("review-fixed")

    page.get_by_role("button", name="Submit for review").click()
    expect(pages.badge(page)).to_have_text("In Review", timeout=DECISION_TIMEOUT)
    expect(page.get_by_text("revision 2")).to_be_visible()
    shot("in-review")


def test_an_applicant_without_an_approved_primary_sees_why(
    page, member_factory, screenshots
):
    shot = screenshots(page, "4-no-approved-primary")
    account = AccountFactory(name="Newco")
    PrimaryProfileFactory(account=account, status=Status.IN_REVIEW)
    sign_in(page, *member_factory(account))

    add = page.get_by_role("button", name="Add secondary profile")
    expect(add).to_be_disabled()
    expect(add).to_have_accessible_description(
        re.compile("You need an approved primary compliance profile")
    )
    shot("add-disabled")
    page.get_by_role("link", name="Primary", exact=True).click()
    expect(page.get_by_role("row", name=re.compile("Newco primary"))).to_contain_text(
        "In Review"
    )
    shot("primary-in-review")

    page.goto("/profiles/secondary/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You cannot add a secondary profile yet"
    )
    shot("cannot-start")
    page.get_by_role("link", name="See your primary profile").click()
    expect(page).to_have_url(re.compile(r"/profiles/\?tab=primary$"))
    assert not CustomerProfile.objects.filter(account=account, kind="secondary")


def test_a_member_of_no_account_is_told_to_ask_for_access(page, screenshots):
    shot = screenshots(page, "4-no-account")
    user = MembershipFactory().user
    user.membership.delete()
    sign_in(page, user.email, "pass-word-123")
    notice = page.get_by_text("Your login is not a member of any account yet.")
    expect(notice).to_be_visible()
    expect(page.get_by_role("button", name="Add secondary profile")).to_be_disabled()
    shot("no-account")
