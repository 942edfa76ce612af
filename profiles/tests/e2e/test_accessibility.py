"""axe-core on every page an applicant sees and on the reviewers' queue; labels,
announced errors, keyboard use."""

from __future__ import annotations

import re

import pytest

from profiles.choices import Status
from profiles.models import NotificationDelivery, StatusChange
from profiles.steps import STEP_NAMES, STEP_TITLES
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.e2e import pages
from profiles.tests.e2e.browser import (
    assert_accessible,
    expect,
    make_pdf,
    sign_in,
    sign_in_to_admin,
    tab_to,
)
from profiles.tests.factories import SecondaryProfileFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UNLABELLED_FIELDS = """() => Array.from(
  document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')
).filter(el => {
  const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
  const labels = Array.from(el.labels || []).filter(l => l.textContent.trim());
  return !named && labels.length === 0;
}).map(el => el.name || el.id)"""


def assert_every_field_labelled(page) -> None:
    assert page.evaluate(UNLABELLED_FIELDS) == [], f"fields without a label: {page.url}"


@pytest.fixture
def rejected_profile(applicant):
    """A rejected profile whose page lists failures under their steps."""
    profile = complete_secondary_profile(
        applicant.membership.account, friendly_name="Rejected Co"
    )
    profile.status = Status.TWILIO_REJECTED
    profile.revision = 1
    profile.errors = [
        {"code": 18603, "message": "The bill shows another street."},
        {"code": 18605, "message": "We could not reach Grace Hopper."},
    ]
    profile.save()
    change = StatusChange.objects.create(
        profile=profile,
        from_status=Status.IN_REVIEW,
        to_status=Status.TWILIO_REJECTED,
        revision=1,
        sequence=1,
        reasons=profile.errors,
    )
    NotificationDelivery.objects.create(
        status_change=change, channel="email", target="ops@acme.example.com"
    )
    NotificationDelivery.objects.create(
        status_change=change,
        channel="webhook",
        target="https://hooks.example.com/trusthub",
        state="failed",
        attempts=12,
        last_error="HTTP 503",
    )
    return profile


def test_the_sign_in_page_is_accessible_and_announces_its_errors(page, axe_script):
    page.goto("/accounts/login/")
    assert_accessible(page, axe_script)
    assert_every_field_labelled(page)

    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("Please enter a correct")
    assert_accessible(page, axe_script, "the sign-in page with an error")


def test_the_profile_pages_and_the_account_page_are_accessible(
    page, applicant, applicant_login, rejected_profile, axe_script
):
    account = applicant.membership.account
    one_of_each = {
        status: SecondaryProfileFactory(
            account=account, friendly_name=f"{status} Co", status=status
        )
        for status in Status.values
    }
    sign_in(page, *applicant_login)

    for path in [
        "/profiles/",
        "/profiles/?tab=primary",
        "/profiles/secondary/new/",
        rejected_profile.get_absolute_url(),
        *(profile.get_absolute_url() for profile in one_of_each.values()),
        "/account/",
    ]:
        page.goto(path)
        assert_accessible(page, axe_script)
    expect(page.get_by_role("heading", level=1)).to_have_text(account.name)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_review_queue_is_accessible_in_either_theme(
    page, applicant, reviewer_login, rejected_profile, axe_script, theme
):
    account = applicant.membership.account
    for status in Status.values:
        SecondaryProfileFactory(
            account=account, friendly_name=f"{status} Co", status=status
        )
    sign_in_to_admin(page, *reviewer_login)
    page.evaluate("theme => localStorage.setItem('theme', theme)", theme)

    queue = "/admin/profiles/customerprofile/"
    for path in [
        queue,
        f"{queue}?status__exact=in-review&o=2&q=Co",
        f"{queue}?address__iso_country=US&_facets=True",
    ]:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        assert_accessible(page, axe_script)
    expect(page.locator("#result_list")).to_be_visible()


@pytest.mark.parametrize("step", STEP_NAMES)
def test_every_wizard_step_is_accessible_with_and_without_errors(
    page, applicant, applicant_login, axe_script, step
):
    draft = SecondaryProfileFactory(
        account=applicant.membership.account, completed_steps=STEP_NAMES[:-1]
    )
    sign_in(page, *applicant_login, path=f"/profiles/{draft.sid}/edit/{step}/")
    pages.expect_step(page, str(STEP_TITLES[step]))
    assert_accessible(page, axe_script, f"the {step} step")
    assert_every_field_labelled(page)

    button = "Submit for review" if step == "review" else "Save and continue"
    if step != "review":
        page.get_by_role("button", name=button).click()
        expect(page.locator("#error-summary")).to_be_focused()
        assert_accessible(page, axe_script, f"the {step} step with errors")
        assert_errors_are_described(page)


ERRORS_OF_INVALID_FIELDS = """() => Array.from(
  document.querySelectorAll('main [aria-invalid=true]')
).map(el => {
  const holder = el.closest('[aria-describedby]');
  const ids = holder ? holder.getAttribute('aria-describedby').split(/\\s+/) : [];
  const errors = ids.map(id => document.getElementById(id))
    .filter(n => n && n.matches('.errorlist') && n.textContent.trim());
  return [el.id, errors.length];
})"""


def assert_errors_are_described(page) -> None:
    """Each field in error says so and points at its message; the summary links it."""
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    described = page.evaluate(ERRORS_OF_INVALID_FIELDS)
    assert all(count for _id, count in described), described
    messages = page.locator("main .errorlist[id$=_error]")
    for error_id in messages.evaluate_all("nodes => nodes.map(n => n.id)"):
        field_id = error_id.removesuffix("_error")
        expect(summary.locator(f'a[href="#{field_id}"]')).to_have_count(1)
        expect(page.locator(f"#{field_id}")).to_have_count(1)
    expect(summary.locator("li")).not_to_have_count(0)


def test_a_summary_link_moves_the_focus_to_its_field(page, applicant, applicant_login):
    draft = SecondaryProfileFactory(account=applicant.membership.account)
    sign_in(page, *applicant_login, path=f"/profiles/{draft.sid}/edit/general/")
    page.get_by_label("Website URL").fill("ftp://acme.example.com")
    pages.save_and_continue(page)

    summary = page.locator("#error-summary")
    summary.get_by_role("link", name=re.compile("Business name")).click()

    expect(page.get_by_label("Business name")).to_be_focused()
    expect(page.get_by_label("Website URL")).to_have_accessible_description(
        re.compile("http:// or https://")
    )


def test_the_wizard_can_be_completed_with_the_keyboard_alone(
    page, applicant_login, tmp_path, screenshots
):
    """Tab to move, type to fill, Space to tick and choose files, Enter to go on."""
    shot = screenshots(page, "keyboard-only")
    bill = make_pdf(tmp_path / "bill.pdf", ["Utility bill", "375 Beale Street"])
    keys = page.keyboard
    # Listening from the start, so the chooser is caught whenever it opens.
    page.on("filechooser", lambda chooser: chooser.set_files(str(bill)))
    page.goto("/accounts/login/")
    tab_to(page, "#id_username")
    keys.type(applicant_login[0])
    keys.press("Tab")
    keys.type(applicant_login[1])
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Compliance profiles")).to_be_visible()

    # The skip link comes first and lands on the content.
    keys.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    keys.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    tab_to(page, "button.button-primary")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Add secondary profile")).to_be_visible()
    tab_to(page, "button[type=submit].button-primary")
    keys.press("Space")
    pages.expect_step(page, "General information")

    type_into(page, "#id_general-business_name", "Acme Widgets")
    type_into(page, "#id_general-website_url", "acme.example.com")
    keys.press("Enter")  # submits from a text field: Save and continue
    pages.expect_step(page, "Business information")

    choose(page, "#id_business-business_identity", "Direct")
    choose(page, "#id_business-business_type", "Limited")
    choose(page, "#id_business-business_industry", "Technology")
    choose(page, "#id_business-business_registration_identifier", "EIN")
    expect(page.locator("[data-format-hint]")).to_contain_text("NN-NNNNNNN")
    type_into(page, "#id_business-business_registration_number", "12-3456789")
    tab_to(page, "#id_business-business_regions_of_operation_4")
    keys.press("Space")
    shot("business-by-keyboard")
    tab_to(page, "button.button-primary")
    keys.press("Enter")
    pages.expect_step(page, "Authorized representatives")

    for index, person in enumerate(
        [pages.FIRST_REPRESENTATIVE, pages.SECOND_REPRESENTATIVE]
    ):
        prefix = f"#id_representatives-{index}-"
        for name in ["first_name", "last_name", "email", "phone_number"]:
            type_into(page, prefix + name, person[name.replace("_", " ").capitalize()])
        type_into(page, prefix + "business_title", person["Business title"])
        choose(page, prefix + "job_position", person["Job position"])
    tab_to(page, "button.button-primary")
    keys.press("Enter")
    pages.expect_step(page, "Address")

    for name, value in [
        ("customer_name", "Acme Widgets"),
        ("street", "375 Beale Street"),
        ("city", "San Francisco"),
        ("region", "CA"),
        ("postal_code", "94105"),
    ]:
        type_into(page, f"#id_address-{name}", value)
    choose(page, "#id_address-iso_country", "United States of America")
    tab_to(page, "button.button-primary")
    keys.press("Enter")
    pages.expect_step(page, "Supporting documents")

    choose(page, "#id_documents-document_type", "Utility")
    tab_to(page, "#id_documents-files")
    keys.press("Space")  # the file chooser answers with the bill (see above)
    expect(page.locator("[data-upload-list]")).to_contain_text("bill.pdf")
    tab_to(page, "button[value=upload]")
    keys.press("Enter")
    expect(page.get_by_text("Your documents were uploaded.")).to_be_visible()
    tab_to(page, "button.button-primary")
    keys.press("Enter")
    pages.expect_step(page, "Notification settings")

    type_into(page, "#id_notifications-email", "alerts@acme.example.com")
    keys.press("Enter")
    pages.expect_step(page, "Review and submit")
    pages.expect_ready_to_submit(page)
    shot("review-by-keyboard")
    tab_to(page, "button.button-primary")
    keys.press("Enter")
    expect(pages.badge(page)).to_have_text(re.compile("Pending Review|In Review"))
    shot("submitted-by-keyboard")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page, selector: str, text: str) -> None:
    """Pick an option of a closed select by typing its first letters."""
    tab_to(page, selector)
    page.keyboard.type(text)
    selected = page.evaluate(
        "s => { const e = document.querySelector(s); "
        "return e.options[e.selectedIndex].text; }",
        selector,
    )
    assert selected.startswith(text), f"{selector}: typing {text!r} chose {selected!r}"
