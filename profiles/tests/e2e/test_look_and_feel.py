"""The main pages on a 320 px phone and a desktop: screenshots, nothing cut off."""

from __future__ import annotations

import pytest

from profiles.choices import Status
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.e2e import pages
from profiles.tests.e2e.browser import Screenshots, expect, make_pdf, sign_in
from profiles.tests.factories import SecondaryProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENS = {"phone": (320, 800), "desktop": (1280, 900)}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
STATUS_COLOURS = """() => Object.fromEntries(
  Array.from(document.querySelectorAll('.profiles .badge')).map(
    b => [b.textContent.trim(), getComputedStyle(b).backgroundColor]))"""


@pytest.fixture
def profiles(applicant):
    """A profile in every status, and a rejected one with reasons to show."""
    account = applicant.membership.account
    for status in Status.values:
        SecondaryProfileFactory(
            account=account, friendly_name=f"Brand {status}", status=status
        )
    rejected = complete_secondary_profile(account, friendly_name="Acme Widgets")
    rejected.status, rejected.revision = Status.TWILIO_REJECTED, 1
    rejected.errors = [{"code": 18603, "message": "The bill shows another street."}]
    rejected.save()
    return rejected


@pytest.mark.parametrize("screen", SCREENS)
def test_the_main_pages_fit_the_screen(new_context, applicant_login, profiles, screen):
    width, height = SCREENS[screen]
    page = new_context(viewport={"width": width, "height": height}).new_page()
    shot = Screenshots.for_journey(page, f"screens-{screen}")
    page.goto("/accounts/login/")
    shot("sign-in")
    sign_in(page, *applicant_login)
    wizard = f"/profiles/{profiles.sid}/edit"
    for name, path in [
        ("list", "/profiles/"),
        ("wizard-business", f"{wizard}/business/"),
        ("wizard-representatives", f"{wizard}/representatives/"),
        ("wizard-documents", f"{wizard}/documents/"),
        ("wizard-review", f"{wizard}/review/"),
        ("profile", profiles.get_absolute_url()),
        ("account", "/account/"),
    ]:
        page.goto(path)
        shot(name)
        assert page.evaluate(OVERFLOW) <= 0, f"{name} is wider than {width} px"

    page.goto(f"{wizard}/address/")
    page.get_by_label("Street", exact=True).fill("")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#error-summary")).to_be_focused()
    shot("wizard-address-error")
    assert page.evaluate(OVERFLOW) <= 0


def test_status_badges_have_a_colour_per_meaning(page, applicant_login, profiles):
    sign_in(page, *applicant_login)
    colours = page.evaluate(STATUS_COLOURS)
    assert set(colours) == {
        "Draft",
        "Pending Review",
        "In Review",
        "Twilio Rejected",
        "Twilio Approved",
    }
    assert len(set(colours.values())) == 5, colours


def test_the_pages_work_under_the_content_security_policy(
    new_context, applicant_login, profiles, tmp_path
):
    """Our own CSP enforced (no bypass): no blocked script, style or image."""
    page = new_context(bypass_csp=False).new_page()
    problems = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, *applicant_login)
    wizard = f"/profiles/{profiles.sid}/edit"
    for path in [f"{wizard}/business/", profiles.get_absolute_url(), "/account/"]:
        page.goto(path)
    page.goto(f"{wizard}/documents/")
    pdf = make_pdf(tmp_path / "lease.pdf", ["Lease agreement"], pad_to=2**20)
    pages.upload_documents(page, "Lease agreement (proof of address)", pdf)

    assert problems == []
