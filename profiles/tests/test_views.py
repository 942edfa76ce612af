"""The applicant's pages around the wizard: list, creation, login, access, seeding."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from profiles.choices import Channel, DeliveryState, ProfileKind, Status
from profiles.lifecycle import (
    lock_profile,
    profile_approve,
    profile_submit,
    transition,
)
from profiles.models import (
    Account,
    BusinessInformation,
    CustomerProfile,
    DeliveryResend,
    Membership,
    NotificationAddress,
    NotificationDelivery,
    SupportingDocument,
)
from profiles.notifications.tokens import make_token
from profiles.steps import STEP_NAMES
from profiles.tests.builders import (
    add_document,
    complete_secondary_profile,
    confirmed_address,
)
from profiles.tests.factories import (
    AccountFactory,
    MembershipFactory,
    SecondaryProfileFactory,
    UserFactory,
)
from profiles.tests.files import PDF

pytestmark = pytest.mark.django_db

STEPS = list(STEP_NAMES)
STATUS_LABELS = {
    Status.DRAFT: "Draft",
    Status.PENDING_REVIEW: "Pending Review",
    Status.IN_REVIEW: "In Review",
    Status.TWILIO_REJECTED: "Twilio Rejected",
    Status.TWILIO_APPROVED: "Twilio Approved",
}
NOT_APPROVED = [Status.DRAFT, Status.PENDING_REVIEW, Status.TWILIO_REJECTED]
PASSWORD = "pass-word-123"
DISABLED_ADD_BUTTON = r"<button[^>]*disabled[^>]*>Add secondary profile</button>"


def html(response) -> str:
    return response.content.decode()


def row_of(page: str, sid: str) -> str:
    """The table row of the profile with this SID."""
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)
    matching = [row for row in rows if sid in row]
    assert len(matching) == 1, f"{sid} is not in exactly one row"
    return matching[0]


def withdraw_primary(account, status=Status.TWILIO_REJECTED) -> None:
    account.profiles.primary().update(status=status)


def profile_urls(profile, document) -> list[str]:
    """Every GET URL of one profile."""
    base = f"/profiles/{profile.sid}/"
    return [
        base,
        f"{base}status/",
        f"{base}edit/",
        *[f"{base}edit/{step}/" for step in STEPS],
        f"{base}documents/{document.sid}/",
    ]


def post_urls(profile, document) -> list[str]:
    """Every POST URL of one profile."""
    base = f"/profiles/{profile.sid}/"
    return [
        *[f"{base}edit/{step}/" for step in STEPS],
        f"{base}documents/{document.sid}/delete/",
    ]


@pytest.fixture
def secondary(account):
    return SecondaryProfileFactory(account=account, friendly_name="Acme Widgets")


@pytest.fixture
def document(secondary):
    return add_document(secondary)


# --- Profile list -----------------------------------------------------------------


def test_the_list_shows_a_secondary_profile_with_its_name_sid_and_status(
    applicant_client, secondary
):
    page = html(applicant_client.get("/profiles/"))

    row = row_of(page, secondary.sid)
    assert "Acme Widgets" in row
    assert "Draft" in row
    assert f'href="/profiles/{secondary.sid}/"' in row


@pytest.mark.parametrize(("status", "label"), STATUS_LABELS.items())
def test_the_list_labels_every_status(account, applicant_client, status, label):
    profile = SecondaryProfileFactory(account=account, status=status)

    page = html(applicant_client.get("/profiles/?tab=secondary"))

    assert f">{label}</span>" in row_of(page, profile.sid)


def test_the_secondary_tab_is_the_default(account, applicant_client, secondary):
    primary = account.profiles.primary().get()

    page = html(applicant_client.get("/profiles/"))

    assert secondary.sid in page
    assert primary.sid not in page


def test_the_primary_tab_shows_the_primary_profile_only(
    account, applicant_client, secondary
):
    primary = account.profiles.primary().get()

    page = html(applicant_client.get("/profiles/?tab=primary"))

    row = row_of(page, primary.sid)
    assert primary.friendly_name in row
    assert "Twilio Approved" in row
    assert secondary.sid not in page


def test_an_unknown_tab_falls_back_to_secondary(applicant_client, secondary):
    page = html(applicant_client.get("/profiles/?tab=everything"))

    assert secondary.sid in page


@pytest.mark.parametrize("tab", ["primary", "secondary"])
def test_the_list_shows_only_the_accounts_own_profiles(
    applicant_client, secondary, other_account, tab
):
    theirs = SecondaryProfileFactory(account=other_account, friendly_name="Theirs")
    their_primary = other_account.profiles.primary().get()

    page = html(applicant_client.get(f"/profiles/?tab={tab}"))

    assert theirs.sid not in page
    assert their_primary.sid not in page
    assert "Theirs" not in page


def test_an_empty_secondary_tab_says_so(applicant_client):
    page = html(applicant_client.get("/profiles/"))

    assert "No secondary profiles yet." in page


def test_add_secondary_profile_is_offered_with_an_approved_primary(applicant_client):
    page = html(applicant_client.get("/profiles/"))

    assert 'action="/profiles/secondary/new/"' in page
    assert not re.search(DISABLED_ADD_BUTTON, page)
    assert "You need an approved primary compliance profile" not in page


@pytest.mark.parametrize("primary_status", NOT_APPROVED)
def test_add_secondary_profile_is_disabled_without_an_approved_primary(
    account, applicant_client, primary_status
):
    withdraw_primary(account, primary_status)

    page = html(applicant_client.get("/profiles/"))

    assert re.search(DISABLED_ADD_BUTTON, page)
    assert "You need an approved primary compliance profile" in page
    assert 'action="/profiles/secondary/new/"' not in page


def test_add_secondary_profile_is_disabled_for_an_account_without_a_primary(db):
    client = Client()
    client.force_login(MembershipFactory(account=AccountFactory()).user)

    page = html(client.get("/profiles/"))

    assert re.search(DISABLED_ADD_BUTTON, page)
    assert "You need an approved primary compliance profile" in page


# --- Creating a secondary profile ------------------------------------------------


def test_the_start_page_explains_what_is_needed(applicant_client):
    response = applicant_client.get("/profiles/secondary/new/")

    assert response.status_code == 200
    assert "Add secondary profile" in html(response)
    assert ">Start</button>" in html(response)
    assert not CustomerProfile.objects.secondary().exists()


def test_starting_creates_a_draft_and_opens_the_first_step(account, applicant_client):
    response = applicant_client.post("/profiles/secondary/new/")

    profile = CustomerProfile.objects.secondary().get()
    assert response.status_code == 302
    assert response.url == f"/profiles/{profile.sid}/edit/general/"
    assert profile.account == account
    assert profile.status == Status.DRAFT
    assert profile.primary == account.profiles.primary().get()
    assert profile.policy_sid == django_settings.SECONDARY_POLICY_SID


def test_each_start_creates_another_draft(applicant_client):
    applicant_client.post("/profiles/secondary/new/")
    applicant_client.post("/profiles/secondary/new/")

    assert CustomerProfile.objects.secondary().count() == 2


def test_starting_past_the_drafts_limit_says_so_and_creates_nothing(
    settings, applicant_client
):
    settings.DRAFTS_MAX_PER_ACCOUNT = 1
    applicant_client.post("/profiles/secondary/new/")

    response = applicant_client.post("/profiles/secondary/new/")

    assert response.status_code == 200
    assert 'id="error-summary"' in html(response)
    assert "Your account has 1 draft profile, the most it can keep." in html(response)
    assert CustomerProfile.objects.secondary().count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("primary_status", NOT_APPROVED)
def test_creation_is_forbidden_without_an_approved_primary(
    account, applicant_client, method, primary_status
):
    withdraw_primary(account, primary_status)

    response = getattr(applicant_client, method)("/profiles/secondary/new/")

    assert response.status_code == 403
    assert "You cannot add a secondary profile yet" in html(response)
    assert "approved primary business compliance profile" in html(response)
    assert not CustomerProfile.objects.secondary().exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_creation_is_forbidden_for_a_login_without_an_account(db, method):
    client = Client()
    client.force_login(UserFactory())

    response = getattr(client, method)("/profiles/secondary/new/")

    assert response.status_code == 403
    assert not CustomerProfile.objects.exists()


# --- Signing in -------------------------------------------------------------------


def test_the_login_page_is_public(db):
    response = Client().get("/accounts/login/")

    assert response.status_code == 200
    assert 'type="email"' in html(response)


def test_a_member_signs_in_with_their_email(applicant):
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": applicant.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == "/profiles/"
    assert client.get("/profiles/").status_code == 200


def test_the_email_is_not_case_sensitive_at_login(applicant):
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": applicant.email.upper(), "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.get("/profiles/").status_code == 200


def test_a_wrong_password_is_refused(applicant):
    client = Client()

    response = client.post(
        "/accounts/login/", {"username": applicant.email, "password": "wrong"}
    )

    assert response.status_code == 200
    assert 'id="error-summary"' in html(response)
    assert client.get("/profiles/").status_code == 302


def test_signing_in_returns_to_the_requested_page(applicant, secondary):
    client = Client()
    target = f"/profiles/{secondary.sid}/"

    response = client.post(
        f"/accounts/login/?next={target}",
        {"username": applicant.email, "password": PASSWORD, "next": target},
    )

    assert response.url == target


# --- Who may open what -----------------------------------------------------------


def test_the_owner_reaches_every_profile_url(applicant_client, secondary, document):
    for url in profile_urls(secondary, document):
        response = applicant_client.get(url)
        assert response.status_code in (200, 302), url
        if response.status_code == 302:
            assert response.url.startswith(f"/profiles/{secondary.sid}/edit/"), url


@pytest.mark.parametrize("path", ["/profiles/", "/profiles/secondary/new/"])
def test_anonymous_users_are_sent_to_login_from_the_list_pages(db, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={path}"


def test_anonymous_users_are_sent_to_login_from_every_profile_page(secondary, document):
    client = Client()

    for url in profile_urls(secondary, document):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/?next="), url


def test_anonymous_posts_are_sent_to_login_and_change_nothing(secondary, document):
    client = Client()

    for url in [*post_urls(secondary, document), "/profiles/secondary/new/"]:
        response = client.post(url, {"wizard-current_step": "general"})
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/?next="), url
    assert SupportingDocument.objects.filter(pk=document.pk).exists()
    assert CustomerProfile.objects.secondary().count() == 1


def test_another_account_gets_404_for_every_profile_page(
    other_client, secondary, document
):
    for url in profile_urls(secondary, document):
        assert other_client.get(url).status_code == 404, url


def test_another_account_gets_404_for_every_post_and_changes_nothing(
    other_client, secondary, document
):
    data = {
        "wizard-current_step": "general",
        "general-business_name": "Hijacked",
        "general-website_url": "https://evil.example.com",
    }

    for url in post_urls(secondary, document):
        assert other_client.post(url, data).status_code == 404, url

    assert SupportingDocument.objects.filter(pk=document.pk).exists()
    assert not BusinessInformation.objects.filter(profile=secondary).exists()
    secondary.refresh_from_db()
    assert (secondary.friendly_name, secondary.status) == ("Acme Widgets", "draft")


def test_another_account_cannot_download_with_its_own_profile_sid(
    other_account, other_client, document
):
    theirs = SecondaryProfileFactory(account=other_account)

    response = other_client.get(f"/profiles/{theirs.sid}/documents/{document.sid}/")

    assert response.status_code == 404


def test_the_owner_downloads_a_document_as_an_attachment(applicant_client, document):
    response = applicant_client.get(document.get_absolute_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"


def test_the_owner_removes_a_document_from_a_draft(
    applicant_client, secondary, document
):
    response = applicant_client.post(
        f"/profiles/{secondary.sid}/documents/{document.sid}/delete/"
    )

    assert response.status_code == 302
    assert response.url == f"/profiles/{secondary.sid}/edit/documents/"
    assert not SupportingDocument.objects.filter(pk=document.pk).exists()


@pytest.mark.parametrize("status", [Status.PENDING_REVIEW, Status.IN_REVIEW])
def test_a_document_of_a_submitted_profile_cannot_be_removed(
    account, applicant_client, status
):
    profile = SecondaryProfileFactory(account=account, status=status)
    locked = add_document(profile)

    response = applicant_client.post(
        f"/profiles/{profile.sid}/documents/{locked.sid}/delete/"
    )

    assert response.status_code == 409
    assert "60711" in html(response)
    assert SupportingDocument.objects.filter(pk=locked.pk).exists()


# --- Profile detail ---------------------------------------------------------------


def test_the_detail_page_shows_the_status(applicant_client, secondary):
    page = html(applicant_client.get(f"/profiles/{secondary.sid}/"))

    assert secondary.sid in page
    assert "Acme Widgets" in page
    assert ">Draft</span>" in page
    assert f'href="/profiles/{secondary.sid}/edit/"' in page


def test_the_detail_page_shows_the_history(applicant, applicant_client, secondary):
    submitted = profile_submit(profile=secondary, actor=applicant)
    transition(submitted, Status.IN_REVIEW)

    page = html(applicant_client.get(f"/profiles/{secondary.sid}/"))

    assert ">In Review</span>" in page
    assert "History" in page
    assert f"Draft → Pending Review ({applicant.email})" in page
    assert "Pending Review → In Review (system)" in page


@pytest.mark.parametrize("status", [Status.PENDING_REVIEW, Status.IN_REVIEW])
def test_a_submitted_profile_offers_no_edit_link(account, applicant_client, status):
    profile = SecondaryProfileFactory(account=account, status=status)

    page = html(applicant_client.get(f"/profiles/{profile.sid}/"))

    assert f'href="/profiles/{profile.sid}/edit/"' not in page


def test_a_rejected_profile_offers_to_edit_and_resubmit(account, applicant_client):
    profile = SecondaryProfileFactory(account=account, status=Status.TWILIO_REJECTED)

    page = html(applicant_client.get(f"/profiles/{profile.sid}/"))

    assert "Edit and resubmit" in page
    assert f'href="/profiles/{profile.sid}/edit/"' in page


# --- seed_demo --------------------------------------------------------------------


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def seeded_counts() -> dict:
    models = [Account, CustomerProfile, BusinessInformation, Membership, Group]
    counts = {model.__name__: model.objects.count() for model in models}
    counts["User"] = get_user_model().objects.count()
    return counts


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_seed_demo_creates_an_account_with_an_approved_primary(db, debug):
    seed()

    account = Account.objects.get(name="Owl Inc.")
    primary = account.profiles.get()
    assert primary.kind == ProfileKind.PRIMARY
    assert primary.status == Status.TWILIO_APPROVED


def test_seed_demo_creates_the_applicant_login(db, debug):
    seed()

    applicant = get_user_model().objects.get(username="applicant@example.com")
    assert applicant.membership.account.name == "Owl Inc."
    assert applicant.check_password(django_settings.DEMO_PASSWORD)
    assert not applicant.is_staff


def test_seed_demo_creates_the_reviewer_login(db, debug):
    seed()

    reviewer = get_user_model().objects.get(username="reviewer@example.com")
    assert reviewer.is_staff
    assert reviewer.groups.filter(name="Reviewers").exists()
    assert reviewer.check_password(django_settings.DEMO_PASSWORD)


def test_seed_demo_prints_the_logins(db, debug):
    output = seed()

    assert "applicant@example.com" in output
    assert "reviewer@example.com" in output


def test_seed_demo_is_idempotent(db, debug):
    seed()
    first = seeded_counts()

    seed()

    assert seeded_counts() == first
    assert first["Account"] == 1
    assert first["User"] == 2


def test_seeding_again_keeps_a_changed_password_and_the_session(db, debug):
    seed()
    applicant = get_user_model().objects.get(username="applicant@example.com")
    applicant.set_password("chosen-by-me-42")
    applicant.save()
    client = Client()
    client.force_login(applicant)

    seed()

    applicant.refresh_from_db()
    assert applicant.check_password("chosen-by-me-42")
    assert client.get("/profiles/").status_code == 200


def test_seeding_again_keeps_the_demo_logins_signed_in(db, debug):
    seed()
    client = Client()
    signed_in = client.post(
        "/accounts/login/",
        {
            "username": "applicant@example.com",
            "password": django_settings.DEMO_PASSWORD,
        },
    )
    assert signed_in.status_code == 302

    seed()

    assert client.get("/profiles/").status_code == 200


def test_seed_demo_resets_the_passwords_when_asked(db, debug):
    seed()
    reviewer = get_user_model().objects.get(username="reviewer@example.com")
    reviewer.set_password("chosen-by-me-42")
    reviewer.save()

    seed("--reset-passwords")

    reviewer.refresh_from_db()
    assert reviewer.check_password(django_settings.DEMO_PASSWORD)


def test_the_seeded_applicant_can_add_a_secondary_profile(db, debug):
    seed()
    client = Client()
    client.post(
        "/accounts/login/",
        {
            "username": "applicant@example.com",
            "password": django_settings.DEMO_PASSWORD,
        },
    )

    response = client.post("/profiles/secondary/new/")

    assert response.status_code == 302
    assert CustomerProfile.objects.secondary().count() == 1


def test_seed_demo_refuses_with_debug_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        seed()

    assert not Account.objects.exists()
    assert not get_user_model().objects.exists()


def test_seed_demo_runs_with_debug_off_when_production_seeding_is_allowed(db, settings):
    settings.DEBUG = False
    settings.DEMO_SEED_ALLOW_PRODUCTION = True

    seed()

    assert get_user_model().objects.filter(is_staff=True).count() == 1


def test_seed_demo_runs_with_debug_off_when_forced(db, settings):
    settings.DEBUG = False

    seed("--force")

    assert Account.objects.filter(name="Owl Inc.").exists()
    assert get_user_model().objects.count() == 2


# --- Caching and the signing secret ---------------------------------------------------


def csrf_token_of(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize(
    "path",
    ["/account/", "/profiles/", "/profiles/{sid}/", "/profiles/{sid}/status/"],
)
def test_a_signed_in_page_is_private_and_never_stored(
    account, applicant_client, secondary, path
):
    response = applicant_client.get(path.format(sid=secondary.sid))

    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_a_download_is_private_and_never_stored(applicant_client, secondary):
    document = add_document(secondary)

    response = applicant_client.get(
        f"/profiles/{secondary.sid}/documents/{document.sid}/"
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_a_page_that_says_how_it_is_cached_keeps_its_header(applicant_client):
    response = applicant_client.get("/healthz")

    assert response["Cache-Control"].startswith("max-age=0")


def test_the_account_page_sends_only_the_masked_secret(account, applicant_client):
    secret = account.webhook_secret

    page = html(applicant_client.get("/account/"))

    assert f"{secret[:4]}…{secret[-4:]}" in page
    assert secret not in page
    assert secret[4:-4] not in page
    assert "whsec_" not in page
    assert 'action="/account/"' in page


def test_the_reveal_button_shows_the_secret_once(account, applicant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)
    token = csrf_token_of(html(client.get("/account/")))

    revealed = client.post("/account/", {"csrfmiddlewaretoken": token})
    again = client.get("/account/")

    assert revealed.status_code == 200
    assert account.webhook_secret in html(revealed)
    assert "whsec_" in html(revealed)
    assert "no-store" in revealed["Cache-Control"]
    assert account.webhook_secret not in html(again)


def test_the_reveal_button_needs_its_csrf_token(account, applicant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)

    response = client.post("/account/")

    assert response.status_code == 403
    assert account.webhook_secret not in html(response)


def test_the_secret_is_revealed_to_its_own_accounts_members_only(account, other_client):
    page = html(other_client.post("/account/"))

    assert account.webhook_secret not in page


# --- notification addresses and resends on the applicant's pages ----------------

UNCONFIRMED = "alerts@acme.example.com"


def decided_to(account, email, reviewer):
    """A complete profile notifying `email`, approved; its email delivery."""
    profile = complete_secondary_profile(account, email=email)
    profile_submit(profile=profile, actor=None)
    with transaction.atomic():
        transition(lock_profile(profile), Status.IN_REVIEW)
    profile_approve(profile=profile, reviewer=reviewer)
    return profile, NotificationDelivery.objects.get(
        status_change__profile=profile, channel=Channel.EMAIL
    )


def test_the_notifications_step_says_an_address_awaits_confirmation(
    account, applicant_client
):
    profile = complete_secondary_profile(account, email=UNCONFIRMED)

    page = html(applicant_client.get(f"/profiles/{profile.sid}/edit/notifications/"))

    assert "Waiting for address confirmation." in page
    assert f"{UNCONFIRMED} has not been confirmed yet." in page
    assert f"/profiles/{profile.sid}/notifications/confirmation/" in page


def test_the_profile_page_says_when_the_link_was_sent(
    account, applicant_client, mailoutbox, django_capture_on_commit_callbacks
):
    profile = complete_secondary_profile(account, email=UNCONFIRMED)
    with django_capture_on_commit_callbacks(execute=True):
        applicant_client.post(f"/profiles/{profile.sid}/notifications/confirmation/")

    page = html(applicant_client.get(profile.get_absolute_url()))

    assert "Waiting for address confirmation." in page
    assert f"We sent a confirmation link to {UNCONFIRMED} on" in page
    assert "Send the confirmation link again" in page
    assert [m.to for m in mailoutbox] == [[UNCONFIRMED]]


def test_the_review_step_says_an_address_awaits_confirmation(account, applicant_client):
    profile = complete_secondary_profile(account, email=UNCONFIRMED)

    page = html(applicant_client.get(f"/profiles/{profile.sid}/edit/review/"))

    assert "Waiting for address confirmation." in page


def test_an_own_or_confirmed_address_shows_no_notice(
    account, applicant, applicant_client
):
    own = complete_secondary_profile(account, email=applicant.email)
    confirmed = complete_secondary_profile(account, email=UNCONFIRMED)
    confirmed_address(account, UNCONFIRMED)

    for profile in (own, confirmed):
        page = html(applicant_client.get(profile.get_absolute_url()))
        assert "Waiting for address confirmation" not in page
        step = f"/profiles/{profile.sid}/edit/notifications/"
        assert "Waiting for address confirmation" not in html(
            applicant_client.get(step)
        )


def test_an_address_confirmed_for_another_account_still_awaits_confirmation(
    account, other_account, applicant_client
):
    confirmed_address(other_account, UNCONFIRMED)
    profile = complete_secondary_profile(account, email=UNCONFIRMED)

    page = html(applicant_client.get(profile.get_absolute_url()))

    assert "Waiting for address confirmation." in page


def test_the_account_page_shows_a_held_email_without_a_resend_button(
    account, reviewer, applicant_client
):
    _, held = decided_to(account, UNCONFIRMED, reviewer)

    page = html(applicant_client.get("/account/"))

    assert "Waiting for address confirmation" in page
    assert f"/account/deliveries/{held.message_id}/resend/" not in page


def test_a_refused_resend_says_why_and_changes_nothing(
    account, reviewer, applicant_client
):
    confirmed_address(account, UNCONFIRMED)
    _, delivery = decided_to(account, UNCONFIRMED, reviewer)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED
    )
    url = f"/account/deliveries/{delivery.message_id}/resend/"
    applicant_client.post(url)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED
    )

    response = applicant_client.post(url, follow=True)

    assert response.status_code == 200
    assert "This notification was resent recently. Try again in 10 minutes." in html(
        response
    )
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED


def test_asking_for_a_link_for_an_own_address_sends_nothing(
    account, applicant, applicant_client, mailoutbox, django_capture_on_commit_callbacks
):
    profile = complete_secondary_profile(account, email=applicant.email)

    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            f"/profiles/{profile.sid}/notifications/confirmation/", follow=True
        )

    assert "This address needs no confirmation." in html(response)
    assert mailoutbox == []


def test_the_confirmation_page_shows_only_the_address(account, anonymous):
    profile = complete_secondary_profile(
        account, email=UNCONFIRMED, friendly_name="Secret Brand"
    )
    address = NotificationAddress.objects.create(account=account, email=UNCONFIRMED)
    url = f"/notifications/confirm/{make_token(address.pk, UNCONFIRMED)}/"

    page = html(anonymous.get(url))

    assert UNCONFIRMED in page
    assert "Secret Brand" not in page and profile.sid not in page
    assert "Confirm this address" in page


def test_an_admin_resend_refused_by_the_interval_says_why(
    account, reviewer, reviewer_client
):
    confirmed_address(account, UNCONFIRMED)
    profile, delivery = decided_to(account, UNCONFIRMED, reviewer)
    url = reverse(
        "admin:profiles_customerprofile_resend", args=[profile.pk, delivery.pk]
    )
    reviewer_client.post(url)

    page = html(reviewer_client.post(url, follow=True))

    assert "This notification was resent recently." in page
    assert (
        DeliveryResend.objects.filter(delivery=delivery, by_reviewer=True).count() == 1
    )
