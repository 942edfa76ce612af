"""Filling the wizard's steps in the browser, as an applicant does."""

from __future__ import annotations

from profiles.tests.e2e.browser import expect

# ms: a worker decides in well under a second; this leaves room for a slow machine.
DECISION_TIMEOUT = 20_000

GENERAL = {"Business name": "Acme Widgets", "Website URL": "https://acme.example.com"}
BUSINESS = {
    "Business identity": "Direct customer",
    "Business type": "Limited Liability Corporation",
    "Business industry": "Technology",
    "Registration ID type": "EIN — USA: Employer Identification Number",
}
REGISTRATION_NUMBER = "12-3456789"
REGIONS = ["USA and Canada", "Europe"]
FIRST_REPRESENTATIVE = {
    "First name": "Ada",
    "Last name": "Lovelace",
    "Email": "ada@acme.example.com",
    "Phone number": "+1 415 555 0100",
    "Business title": "Head of Operations",
    "Job position": "Director",
}
SECOND_REPRESENTATIVE = {
    "First name": "Grace",
    "Last name": "Hopper",
    "Email": "grace@acme.example.com",
    "Phone number": "+44 20 7946 0958",
    "Business title": "Chief Executive",
    "Job position": "CEO",
}
ADDRESS = {
    "Customer name": "Acme Widgets",
    "Street": "375 Beale Street",
    "Street (line 2)": "Suite 300",
    "City": "San Francisco",
    "State or region": "CA",
    "Postal code": "94105",
    "Country": "United States of America",
}


def fill(scope, answers: dict) -> None:
    """Type into text fields and choose in selects, each found by its label."""
    for label, value in answers.items():
        field = scope.get_by_label(label, exact=True)
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)


def save_and_continue(page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def expect_step(page, title: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def fill_general(page) -> None:
    fill(page, GENERAL)
    save_and_continue(page)


def fill_business(page) -> None:
    fill(page, BUSINESS)
    page.get_by_label("Registration number", exact=True).fill(REGISTRATION_NUMBER)
    for region in REGIONS:
        page.get_by_label(region, exact=True).check()
    save_and_continue(page)


def representative(page, n: int):
    return page.get_by_role("group", name=f"Representative {n}")


def fill_representatives(page, *, second: bool = True) -> None:
    fill(representative(page, 1), FIRST_REPRESENTATIVE)
    if second:
        fill(representative(page, 2), SECOND_REPRESENTATIVE)
    save_and_continue(page)


def fill_address(page, **changes: str) -> None:
    fill(page, {**ADDRESS, **changes})
    save_and_continue(page)


def upload_documents(page, document_type: str, *paths) -> None:
    """Choose the type and the files, then press Upload and wait for the list."""
    page.get_by_label("Document type").select_option(label=document_type)
    page.get_by_label("Files").set_input_files([str(p) for p in paths])
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("Your documents were uploaded.")).to_be_visible()


def fill_notifications(page, email: str, callback: str = "") -> None:
    page.get_by_label("Notification email").fill(email)
    page.get_by_label("Status callback URL").fill(callback)
    save_and_continue(page)


def expect_ready_to_submit(page) -> None:
    """The review step's pre-flight check finds nothing to reject."""
    ready = page.get_by_text("Everything the evaluation checks is in place.")
    expect(ready).to_be_visible()


def step_link(page, title: str):
    """A link of the step list at the side."""
    steps = page.get_by_role("navigation", name="Steps")
    return steps.get_by_role("link", name=title)


def badge(page):
    return page.locator(".page-head .badge")
