"""The reviewer's back office: queue, review page, decisions and permissions."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib import admin, messages
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from profiles.access import REVIEWERS_GROUP
from profiles.choices import Channel, DeliveryState, ProfileKind, Status
from profiles.evaluation import evaluate_submission_batch
from profiles.lifecycle import (
    LifecycleError,
    approved_primary,
    profile_approve,
    profile_reject,
    profile_submit,
)
from profiles.models import (
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    Evaluation,
    NotificationDelivery,
    StatusChange,
    SupportingDocument,
)
from profiles.tests.builders import (
    add_document,
    bulk_secondary_profiles,
    complete_secondary_profile,
    confirmed_address,
)
from profiles.tests.factories import (
    AccountFactory,
    AddressFactory,
    BusinessInformationFactory,
    RepresentativeFactory,
    SecondaryProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/profiles/customerprofile/"
ADD = "/admin/profiles/customerprofile/add/"
REASON = "The registration number does not match the state registry."
DAY = timedelta(days=1)


# --- Helpers and fixtures -------------------------------------------------------------


def review_url(profile) -> str:
    return reverse("admin:profiles_customerprofile_change", args=[profile.pk])


def action_url(profile, action: str) -> str:
    return reverse(f"admin:profiles_customerprofile_{action}", args=[profile.pk])


def document_url(document) -> str:
    return reverse(
        "admin:profiles_customerprofile_document",
        args=[document.profile_id, document.sid],
    )


def resend_url(delivery) -> str:
    profile = delivery.status_change.profile
    return reverse(
        "admin:profiles_customerprofile_resend", args=[profile.pk, delivery.pk]
    )


def html(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def queue(client, query: str = "") -> list[CustomerProfile]:
    response = client.get(CHANGELIST + query)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def reject_data(reasons: dict[int, str]) -> dict:
    """The reject form's POST data: each code ticked, with its reason."""
    data = {}
    for code, reason in reasons.items():
        data[f"code_{code}"] = "on"
        data[f"reason_{code}"] = reason
    return data


def grant_view_permissions(group_or_user) -> None:
    """As seed_demo does: every view_* permission of the profiles app."""
    permissions = Permission.objects.filter(
        content_type__app_label="profiles", codename__startswith="view_"
    )
    if isinstance(group_or_user, Group):
        group_or_user.permissions.add(*permissions)
    else:
        group_or_user.user_permissions.add(*permissions)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_reviewer():
    user = UserFactory(is_staff=True)
    group, _created = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    grant_view_permissions(group)
    user.groups.add(group)
    return user


def submitted(profile, applicant) -> CustomerProfile:
    """Submit and evaluate, as the worker would after the commit."""
    profile = profile_submit(profile=profile, actor=applicant)
    evaluate_submission_batch(profile_id=profile.pk, revision=profile.revision)
    profile.refresh_from_db()
    return profile


@pytest.fixture
def staff(db):
    """Staff outside the Reviewers group who may read profiles, not documents."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_customerprofile"))
    return user


@pytest.fixture
def staff_client(staff) -> Client:
    return client_for(staff)


@pytest.fixture
def in_review(account, applicant):
    profile = submitted(complete_secondary_profile(account), applicant)
    assert profile.status == Status.IN_REVIEW
    return profile


def assert_undecided(profile) -> None:
    """Still in review, with no decision recorded."""
    profile.refresh_from_db()
    assert profile.status == Status.IN_REVIEW
    assert profile.errors == []
    assert profile.valid_until is None
    assert not profile.status_changes.filter(
        to_status__in=[Status.TWILIO_APPROVED, Status.TWILIO_REJECTED]
    ).exists()


# --- The queue ------------------------------------------------------------------------


def test_the_queue_puts_in_review_profiles_first_oldest_submission_first(
    account, reviewer_client
):
    now = timezone.now()
    newer = SecondaryProfileFactory(
        account=account, status=Status.IN_REVIEW, submitted_at=now - timedelta(hours=1)
    )
    older = SecondaryProfileFactory(
        account=account, status=Status.IN_REVIEW, submitted_at=now - timedelta(days=3)
    )
    rejected = SecondaryProfileFactory(
        account=account,
        status=Status.TWILIO_REJECTED,
        submitted_at=now - timedelta(days=9),
    )
    draft = SecondaryProfileFactory(account=account, status=Status.DRAFT)

    rows = queue(reviewer_client)

    assert rows[:2] == [older, newer]
    assert set(rows[2:]) >= {rejected, draft}


def test_the_queue_shows_the_rest_most_recently_updated_first(account, reviewer_client):
    first = SecondaryProfileFactory(account=account, status=Status.DRAFT)
    second = SecondaryProfileFactory(account=account, status=Status.TWILIO_REJECTED)
    CustomerProfile.objects.filter(pk=first.pk).update(
        updated_at=timezone.now() + timedelta(minutes=5)
    )

    rows = queue(reviewer_client, "?kind__exact=secondary")

    assert rows == [first, second]


def at(profile, *, updated, submitted=None):
    """Date the profile's last save and submission, as time ago."""
    now = timezone.now()
    CustomerProfile.objects.filter(pk=profile.pk).update(
        updated_at=now - updated,
        submitted_at=None if submitted is None else now - submitted,
    )
    return profile


def test_the_queue_orders_every_status_in_review_first_then_by_update(
    account, reviewer_client
):
    def profile(status, **times):
        return at(SecondaryProfileFactory(account=account, status=status), **times)

    waiting_longest = profile(Status.IN_REVIEW, submitted=9 * DAY, updated=9 * DAY)
    waiting = profile(Status.IN_REVIEW, submitted=2 * DAY, updated=2 * DAY)
    just_in = profile(Status.IN_REVIEW, submitted=DAY / 24, updated=DAY / 24)
    pending = profile(Status.PENDING_REVIEW, submitted=20 * DAY, updated=DAY / 2)
    rejected = profile(Status.TWILIO_REJECTED, submitted=30 * DAY, updated=2 * DAY)
    draft = profile(Status.DRAFT, updated=3 * DAY)
    approved = profile(Status.TWILIO_APPROVED, submitted=40 * DAY, updated=4 * DAY)
    primary = at(account.profiles.get(kind=ProfileKind.PRIMARY), updated=5 * DAY)

    rows = queue(reviewer_client)

    assert rows == [
        waiting_longest,
        waiting,
        just_in,
        pending,
        rejected,
        draft,
        approved,
        primary,
    ]


def test_profiles_move_in_and_out_of_the_queue_head_as_lifecycle_changes_them(
    account, applicant, reviewer, reviewer_client
):
    first = submitted(complete_secondary_profile(account), applicant)
    second = submitted(complete_secondary_profile(account), applicant)
    draft = complete_secondary_profile(account)
    assert queue(reviewer_client)[:2] == [first, second]

    profile_approve(profile=first, reviewer=reviewer)
    later = submitted(draft, applicant)

    rows = queue(reviewer_client)
    assert rows[:3] == [second, later, first]
    assert CustomerProfile.objects.values_list("queue_rank", "queue_since").get(
        pk=first.pk
    ) == (1, None)
    assert CustomerProfile.objects.values_list("queue_rank", "queue_since").get(
        pk=later.pk
    ) == (0, later.submitted_at)


def test_the_queue_order_is_the_order_of_its_index(reviewer_client):
    """Else PostgreSQL sorts every profile on each view instead of reading 50."""
    index = next(
        index
        for index in CustomerProfile._meta.indexes
        if index.name == "profile_review_queue"
    )

    response = reviewer_client.get(CHANGELIST)

    ordering = response.context["cl"].get_ordering(
        response.wsgi_request, CustomerProfile.objects.all()
    )
    assert [*ordering[:-1], "-id"] == index.fields
    assert ordering[-1] == "-pk"


def test_the_queue_shows_industry_and_country_of_each_profile(
    account, reviewer_client, in_review
):
    page = html(reviewer_client.get(CHANGELIST))

    assert in_review.sid in page
    assert "Technology" in page
    assert '<abbr title="United States of America">US</abbr>' in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?status__exact=in-review", {"in_review"}),
        ("?status__exact=draft", {"draft"}),
        ("?kind__exact=primary", {"primary"}),
        ("?business_information__business_industry=BANKING", {"bank"}),
        ("?address__iso_country=FR", {"bank"}),
        ("?age=new", {"in_review"}),
        ("?age=days", {"bank"}),
        ("?age=old", {"old"}),
    ],
)
def test_filters_return_the_matching_profiles(
    account, reviewer_client, query, expected
):
    now = timezone.now()
    profiles = {
        "primary": account.profiles.get(kind=ProfileKind.PRIMARY),
        "in_review": SecondaryProfileFactory(
            account=account,
            status=Status.IN_REVIEW,
            submitted_at=now - timedelta(hours=2),
        ),
        "bank": SecondaryProfileFactory(
            account=account,
            status=Status.TWILIO_REJECTED,
            submitted_at=now - timedelta(days=3),
        ),
        "old": SecondaryProfileFactory(
            account=account,
            status=Status.TWILIO_APPROVED,
            submitted_at=now - timedelta(days=10),
        ),
        "draft": SecondaryProfileFactory(account=account),
    }
    BusinessInformationFactory(profile=profiles["bank"], business_industry="BANKING")
    BusinessInformationFactory(profile=profiles["in_review"])
    AddressFactory(profile=profiles["bank"], iso_country="FR")
    AddressFactory(profile=profiles["in_review"], iso_country="US")

    rows = queue(reviewer_client, query)

    assert set(rows) == {profiles[name] for name in expected}


def test_the_industry_and_country_filters_offer_every_value_without_a_query(
    reviewer_client,
):
    with CaptureQueriesContext(connection) as captured:
        page = html(reviewer_client.get(CHANGELIST))

    assert '<option value="BANKING">Banking</option>' in page
    assert '<option value="TELECOMMUNICATIONS">Telecommunications</option>' in page
    assert '<option value="DE">Germany</option>' in page
    assert '<option value="JP">Japan</option>' in page
    assert not [q for q in captured if "DISTINCT" in q["sql"]]


def test_a_filter_keeps_the_other_filters_and_the_search(reviewer_client):
    page = html(
        reviewer_client.get(CHANGELIST, {"status__exact": "in-review", "q": "acme"})
    )

    assert '<input type="hidden" name="status__exact" value="in-review">' in page
    assert '<input type="hidden" name="q" value="acme">' in page


def test_a_filter_shows_the_value_chosen(reviewer_client):
    page = html(reviewer_client.get(CHANGELIST, {"address__iso_country": "FR"}))

    assert '<option value="FR" selected>France</option>' in page
    assert '<option value="" selected>All</option>' in page  # the industry


@pytest.fixture
def searchable(account):
    profile = SecondaryProfileFactory(account=account, friendly_name="Blue Harbor")
    BusinessInformationFactory(
        profile=profile, business_registration_number="REG-778899"
    )
    RepresentativeFactory(profile=profile, email="kim@blueharbor.example")
    RepresentativeFactory(profile=profile, position=2, email="lee@blueharbor.example")
    other = SecondaryProfileFactory(account=account, friendly_name="Red Lake")
    BusinessInformationFactory(profile=other, business_registration_number="RL-1")
    return profile


@pytest.mark.parametrize(
    "term", ["blue harbor", "REG-778899", "kim@blueharbor.example", "lee@blue"]
)
def test_search_finds_a_profile_by_name_registration_number_or_representative_email(
    reviewer_client, searchable, term
):
    assert queue(reviewer_client, f"?q={term}") == [searchable]


def test_search_finds_a_profile_by_its_sid(reviewer_client, searchable):
    assert queue(reviewer_client, f"?q={searchable.sid}") == [searchable]


def make_profiles(account, count: int) -> None:
    """`count` submitted secondary profiles with their business and address rows."""
    now = timezone.now()
    bulk_secondary_profiles(
        account,
        count,
        lambda n: {
            "status": Status.IN_REVIEW if n % 2 else Status.TWILIO_REJECTED,
            "submitted_at": now - timedelta(minutes=n),
        },
    )


def changelist_queries(client, django_assert_max_num_queries, query="") -> int:
    with django_assert_max_num_queries(12) as captured:
        response = client.get(CHANGELIST + query)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("query", ["", "?status__exact=in-review&age=new&q=bulk"])
def test_the_queue_runs_as_many_queries_for_a_thousand_profiles_as_for_ten(
    account, reviewer_client, django_assert_max_num_queries, query
):
    make_profiles(account, 10)
    reviewer_client.get(CHANGELIST)  # warm the per-process caches
    few = changelist_queries(reviewer_client, django_assert_max_num_queries, query)

    make_profiles(account, 1000)
    many = changelist_queries(reviewer_client, django_assert_max_num_queries, query)

    assert CustomerProfile.objects.count() > 1000
    assert few == many


# --- The review page ------------------------------------------------------------------


def test_the_review_page_shows_every_section_as_the_applicant_entered_it(
    reviewer_client, in_review
):
    page = html(reviewer_client.get(review_url(in_review)))

    for text in [
        # general
        "Acme Widgets",
        "https://acme.example.com",
        # business
        "Direct customer",
        "Limited Liability Corporation",
        "Technology",
        "EIN — USA: Employer Identification Number",
        "12-3456789",
        "USA and Canada",
        # representatives
        "Representative #1",
        "Ada Lovelace",
        "ada@acme.example.com",
        "Grace Hopper",
        "+14155550100",
        "Head of Operations",
        # address
        "375 Beale Street",
        "Suite 300",
        "San Francisco",
        "94105",
        "United States of America",
        # documents
        "certificate.pdf",
        "Business registration or incorporation certificate",
        # notification settings
        "ops@acme.example.com",
        # evaluation
        "Compliant",
        "Every requirement of the policy passed.",
    ]:
        assert text in page, text


def test_the_review_page_shows_the_evaluation_warnings(account, applicant):
    profile = complete_secondary_profile(account)
    profile.representatives.filter(position=2).update(email="grace@gmail.example")
    profile = submitted(profile, applicant)
    client = client_for(make_reviewer())

    page = html(client.get(review_url(profile)))

    assert "Warnings to check" in page
    assert "gmail.example" in page
    assert "18606" in page


def test_the_review_page_shows_the_failures_of_a_noncompliant_evaluation(
    account, applicant, reviewer_client
):
    profile = complete_secondary_profile(account)
    profile.address.delete()
    profile = submitted(profile, applicant)

    page = html(reviewer_client.get(review_url(profile)))

    assert profile.status == Status.TWILIO_REJECTED
    assert "Noncompliant" in page
    assert "Failed requirements" in page
    assert "The business address is missing." in page
    assert "22219" in page


def test_the_review_page_shows_the_audit_trail_with_actors(
    reviewer_client, in_review, applicant
):
    page = html(reviewer_client.get(review_url(in_review)))

    assert "Draft → Pending Review" in page
    assert "Pending Review → In Review" in page
    assert applicant.email in page
    assert "system" in page


def test_the_review_page_offers_each_documents_preview_on_demand(
    reviewer_client, in_review
):
    document = in_review.documents.get()

    page = html(reviewer_client.get(review_url(in_review)))

    assert f'href="{document_url(document)}"' in page
    assert f'data-preview-src="{document_url(document)}?inline=1"' in page
    assert "admin-review.js" in page


def test_the_review_page_loads_no_preview_until_one_is_opened(
    reviewer_client, in_review
):
    for number in range(30):
        add_document(in_review, name=f"doc-{number}.pdf")

    page = html(reviewer_client.get(review_url(in_review)))

    assert page.count("data-preview-src=") == 31
    assert "<iframe" not in page
    assert "<img" not in page


def test_the_review_page_says_when_a_documents_name_and_content_disagree(
    reviewer_client, in_review
):
    add_document(in_review, name="x.html")

    page = html(reviewer_client.get(review_url(in_review)))

    assert page.count("review-name-mismatch") == 1
    assert (
        "The name “x.html” does not match the content, which is application/pdf: "
        "it downloads as “x.pdf”."
    ) in page


def test_the_review_page_shows_the_deliveries_with_a_resend_button(
    reviewer, reviewer_client, in_review
):
    profile_approve(profile=in_review, reviewer=reviewer)
    delivery = NotificationDelivery.objects.get(status_change__profile=in_review)
    delivery.state = DeliveryState.FAILED
    delivery.attempts = 8
    delivery.last_error = "SMTP said 550 mailbox unavailable"
    delivery.save()

    page = html(reviewer_client.get(review_url(in_review)))

    assert "Notification deliveries" in page
    assert "ops@acme.example.com" in page
    assert "Failed" in page
    assert "SMTP said 550 mailbox unavailable" in page
    assert f'action="{resend_url(delivery)}"' in page


def test_the_review_page_lists_every_change_once_with_each_channel_delivery(
    reviewer, reviewer_client, in_review
):
    profile_approve(profile=in_review, reviewer=reviewer)
    approval = in_review.status_changes.get(to_status=Status.TWILIO_APPROVED)
    webhook = NotificationDelivery.objects.create(
        status_change=approval,
        channel=Channel.WEBHOOK,
        target="https://hooks.acme.example.com/status",
        state=DeliveryState.DELIVERED,
        last_response_code=204,
    )
    email = approval.deliveries.get(channel=Channel.EMAIL)

    response = reviewer_client.get(review_url(in_review))

    assert response.context["history"] == list(in_review.status_changes.all())
    assert response.context["deliveries"] == [webhook, email]
    page = html(response)
    assert page.count("In Review → Twilio Approved") == 3  # history, 2 deliveries
    assert "https://hooks.acme.example.com/status" in page
    assert "204" in page
    assert f'action="{resend_url(webhook)}"' in page
    assert f'action="{resend_url(email)}"' not in page  # still pending


def test_the_review_page_runs_as_many_queries_for_a_long_history_as_for_none(
    account, reviewer, reviewer_client, django_assert_max_num_queries
):
    draft = complete_secondary_profile(account)
    reviewer_client.get(review_url(draft))
    with CaptureQueriesContext(connection) as few:
        reviewer_client.get(review_url(draft))
    applicant = UserFactory()
    for _ in range(3):
        submitted(draft, applicant)
        profile_reject(
            profile=draft,
            reviewer=reviewer,
            errors=[{"code": 18601, "message": REASON}],
        )
    NotificationDelivery.objects.filter(status_change__profile=draft).update(
        state=DeliveryState.FAILED
    )

    with django_assert_max_num_queries(10) as many:
        response = reviewer_client.get(review_url(draft))

    assert len(response.context["history"]) == 9
    assert len(response.context["deliveries"]) == 3
    assert len(many) == len(few)


def test_the_review_page_offers_approve_and_reject_to_a_reviewer(
    reviewer_client, in_review
):
    page = html(reviewer_client.get(review_url(in_review)))

    assert f'action="{action_url(in_review, "approve")}"' in page
    assert f'action="{action_url(in_review, "reject")}#decision"' in page
    for code in range(18601, 18607):
        assert f'name="code_{code}"' in page
        assert f'name="reason_{code}"' in page
    assert "csrfmiddlewaretoken" in page


def test_the_review_page_offers_no_decision_once_decided(
    reviewer, reviewer_client, in_review
):
    profile_approve(profile=in_review, reviewer=reviewer)

    page = html(reviewer_client.get(review_url(in_review)))

    assert action_url(in_review, "approve") not in page
    assert action_url(in_review, "reject") not in page


# --- Documents ------------------------------------------------------------------------


def test_a_reviewer_downloads_a_document_as_an_attachment(reviewer_client, in_review):
    document = in_review.documents.get()

    response = reviewer_client.get(document_url(document))

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_document_preview_is_inline_and_may_be_framed_by_the_admin_only(
    reviewer_client, in_review
):
    document = in_review.documents.get()

    response = reviewer_client.get(document_url(document) + "?inline=1")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


def test_staff_without_the_document_permission_cannot_open_documents(
    staff_client, in_review
):
    document = in_review.documents.get()

    assert staff_client.get(document_url(document)).status_code == 403
    assert "You do not have permission to open documents." in html(
        staff_client.get(review_url(in_review))
    )


def test_staff_with_the_document_view_permission_can_open_documents(staff, in_review):
    staff.user_permissions.add(
        Permission.objects.get(codename="view_supportingdocument")
    )
    document = in_review.documents.get()

    response = client_for(staff).get(document_url(document))

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_document_is_found_only_under_its_own_profile(
    account, applicant, reviewer_client, in_review
):
    other = submitted(complete_secondary_profile(account), applicant)
    document = in_review.documents.get()
    url = reverse(
        "admin:profiles_customerprofile_document", args=[other.pk, document.sid]
    )

    assert reviewer_client.get(url).status_code == 404


# --- Approving ------------------------------------------------------------------------


def test_a_reviewer_approves_a_profile_in_review(reviewer, reviewer_client, in_review):
    response = reviewer_client.post(action_url(in_review, "approve"))

    assert response.status_code == 302
    assert response["Location"] == review_url(in_review)
    assert "Acme Widgets was approved." in messages_of(response)
    in_review.refresh_from_db()
    assert in_review.status == Status.TWILIO_APPROVED
    expected = timezone.now() + timedelta(days=365)
    assert abs(in_review.valid_until - expected) < timedelta(minutes=1)
    change = in_review.status_changes.last()
    assert (change.to_status, change.actor) == (Status.TWILIO_APPROVED, reviewer)
    delivery = change.deliveries.get()
    assert (delivery.channel, delivery.target) == (
        Channel.EMAIL,
        "ops@acme.example.com",
    )


def test_approving_follows_the_validity_setting(settings, reviewer_client, in_review):
    settings.PROFILE_VALIDITY_DAYS = 30

    reviewer_client.post(action_url(in_review, "approve"))

    in_review.refresh_from_db()
    expected = timezone.now() + timedelta(days=30)
    assert abs(in_review.valid_until - expected) < timedelta(minutes=1)


def test_approve_refuses_get(reviewer_client, in_review):
    assert reviewer_client.get(action_url(in_review, "approve")).status_code == 405
    assert_undecided(in_review)


def test_approve_refuses_a_post_without_the_csrf_token(reviewer, in_review):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)

    assert client.post(action_url(in_review, "approve")).status_code == 403
    assert_undecided(in_review)


# --- Rejecting ------------------------------------------------------------------------


def test_a_reviewer_rejects_with_codes_and_reasons(
    reviewer, reviewer_client, in_review, applicant_client
):
    response = reviewer_client.post(
        action_url(in_review, "reject"),
        reject_data({18602: REASON, 18603: "  No such street in San Francisco.  "}),
    )

    assert response.status_code == 302
    assert "Acme Widgets was rejected." in messages_of(response)
    in_review.refresh_from_db()
    expected = [
        {"code": 18602, "message": REASON},
        {"code": 18603, "message": "No such street in San Francisco."},
    ]
    assert in_review.status == Status.TWILIO_REJECTED
    assert in_review.errors == expected
    change = in_review.status_changes.last()
    assert (change.to_status, change.actor, change.reasons) == (
        Status.TWILIO_REJECTED,
        reviewer,
        expected,
    )
    applicant_page = html(applicant_client.get(f"/profiles/{in_review.sid}/"))
    assert REASON in applicant_page
    assert "No such street in San Francisco." in applicant_page


def test_the_reasons_show_in_the_audit_trail_of_the_review_page(
    reviewer_client, in_review
):
    reviewer_client.post(action_url(in_review, "reject"), reject_data({18601: REASON}))

    page = html(reviewer_client.get(review_url(in_review)))

    assert "In Review → Twilio Rejected" in page
    assert REASON in page
    assert "18601" in page


def test_a_rejection_without_a_code_is_refused_and_changes_nothing(
    reviewer_client, in_review
):
    response = reviewer_client.post(
        action_url(in_review, "reject"), {"reason_18601": REASON}
    )

    assert response.status_code == 400
    assert "Choose at least one rejection code." in " ".join(messages_of(response))
    assert_undecided(in_review)


def test_a_rejection_code_without_a_reason_is_refused_and_changes_nothing(
    reviewer_client, in_review
):
    data = reject_data({18601: REASON, 18604: "   "})

    response = reviewer_client.post(action_url(in_review, "reject"), data)

    assert response.status_code == 400
    assert "Give the reason for 18604." in " ".join(messages_of(response))
    page = html(response)
    assert REASON in page  # what was typed is kept
    assert_undecided(in_review)


# --- Who may do what ------------------------------------------------------------------


def test_staff_outside_the_reviewers_group_can_read_the_queue_and_a_profile(
    staff_client, in_review
):
    assert in_review in queue(staff_client)
    page = html(staff_client.get(review_url(in_review)))
    assert "Acme Widgets" in page
    assert action_url(in_review, "approve") not in page
    assert action_url(in_review, "reject") not in page


@pytest.mark.parametrize("action", ["approve", "reject", "expire"])
def test_staff_outside_the_reviewers_group_get_403_on_decisions(
    staff_client, in_review, action
):
    response = staff_client.post(
        action_url(in_review, action), reject_data({18601: REASON})
    )

    assert response.status_code == 403
    assert_undecided(in_review)


def test_staff_outside_the_reviewers_group_cannot_resend(
    reviewer, staff_client, in_review
):
    profile_approve(profile=in_review, reviewer=reviewer)
    delivery = NotificationDelivery.objects.get(status_change__profile=in_review)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED, attempts=8
    )

    assert staff_client.post(resend_url(delivery)).status_code == 403
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.FAILED, 8)


def test_staff_without_any_permission_cannot_read_a_profile(in_review):
    client = client_for(UserFactory(is_staff=True))

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(review_url(in_review)).status_code == 403


def test_an_applicant_is_sent_to_the_admin_login(applicant_client, in_review):
    for response in [
        applicant_client.get(CHANGELIST),
        applicant_client.get(review_url(in_review)),
        applicant_client.get(document_url(in_review.documents.get())),
        applicant_client.post(action_url(in_review, "approve")),
        applicant_client.post(
            action_url(in_review, "reject"), reject_data({18601: "x"})
        ),
    ]:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    assert_undecided(in_review)


def test_an_anonymous_visitor_is_sent_to_a_login_page(in_review):
    response = Client().get(review_url(in_review))

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_nothing_on_the_review_page_is_an_editable_field(reviewer_client, in_review):
    page = html(reviewer_client.get(review_url(in_review)))

    assert 'name="friendly_name"' not in page
    assert 'name="status"' not in page
    assert 'name="_save"' not in page


def test_posting_to_the_change_url_changes_nothing(reviewer_client, in_review):
    before = CustomerProfile.objects.values().get(pk=in_review.pk)

    response = reviewer_client.post(
        review_url(in_review),
        {"friendly_name": "Hacked", "status": Status.TWILIO_APPROVED, "_save": "1"},
    )

    assert response.status_code == 403
    assert CustomerProfile.objects.values().get(pk=in_review.pk) == before


def test_profiles_cannot_be_deleted_from_the_admin(reviewer_client, in_review):
    delete_url = reverse("admin:profiles_customerprofile_delete", args=[in_review.pk])

    assert reviewer_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert CustomerProfile.objects.filter(pk=in_review.pk).exists()


def test_the_account_page_never_shows_the_webhook_secret(account, reviewer):
    reviewer.is_superuser = True
    reviewer.save()
    client = client_for(reviewer)
    url = reverse("admin:profiles_account_change", args=[account.pk])

    page = html(client.get(url))

    assert account.name in page
    assert account.webhook_secret not in page
    assert "webhook_secret" not in page


def test_no_admin_lets_anyone_edit_or_delete_a_profile_or_its_sections(reviewer):
    reviewer.is_superuser = True
    request = RequestFactory().get("/admin/")
    request.user = reviewer
    models = [
        CustomerProfile,
        BusinessInformation,
        AuthorizedRepresentative,
        Address,
        SupportingDocument,
        Evaluation,
        StatusChange,
        NotificationDelivery,
    ]

    for model in models:
        model_admin = admin.site._registry.get(model)
        if model_admin is not None:
            assert not model_admin.has_change_permission(request), model
            assert not model_admin.has_delete_permission(request), model


def test_a_reviewer_finds_the_profiles_on_the_admin_index(reviewer_client):
    page = html(reviewer_client.get("/admin/"))

    assert f'href="{CHANGELIST}"' in page


def test_a_missing_document_file_is_a_404(reviewer_client, in_review):
    document = in_review.documents.get()
    document.file.delete(save=False)

    assert reviewer_client.get(document_url(document)).status_code == 404


# --- Two reviewers at once ------------------------------------------------------------


def decision(action: str, profile, reviewer):
    """A lifecycle decision by `reviewer`, ready to run."""
    if action == "approve":
        return lambda: profile_approve(profile=profile, reviewer=reviewer)
    errors = [{"code": 18601, "message": REASON}]
    return lambda: profile_reject(profile=profile, reviewer=reviewer, errors=errors)


RACES = [("approve", "approve"), ("approve", "reject"), ("reject", "reject")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("actions", RACES)
def test_two_reviewers_deciding_at_once_cannot_both_win(account, applicant, actions):
    profile = submitted(complete_secondary_profile(account), applicant)
    assert profile.status == Status.IN_REVIEW
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def decide(index, action):
        try:
            barrier.wait(timeout=10)
            action()
            outcomes[index] = "won"
        except LifecycleError as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=decide, args=(index, decision(action, profile, make_reviewer()))
        )
        for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes.count("won") == 1
    assert sum(isinstance(o, LifecycleError) for o in outcomes) == 1
    winner = actions[outcomes.index("won")]
    profile.refresh_from_db()
    assert (
        profile.status
        == {
            "approve": Status.TWILIO_APPROVED,
            "reject": Status.TWILIO_REJECTED,
        }[winner]
    )
    decisions = StatusChange.objects.filter(from_status=Status.IN_REVIEW)
    assert decisions.filter(profile=profile).count() == 1


@pytest.mark.parametrize(
    "first, second",
    [
        ("approve", "approve"),
        ("approve", "reject"),
        ("reject", "approve"),
        ("reject", "reject"),
    ],
)
def test_the_second_reviewer_is_told_someone_decided_first(
    reviewer_client, in_review, first, second
):
    other = client_for(make_reviewer())
    data = reject_data({18601: REASON})
    reviewer_client.post(action_url(in_review, first), data)
    decided = CustomerProfile.objects.values().get(pk=in_review.pk)

    response = other.post(action_url(in_review, second), data, follow=True)

    assert response.status_code == 200
    status = "Twilio Approved" if first == "approve" else "Twilio Rejected"
    assert messages_of(response) == [
        f"Acme Widgets is already {status}: someone decided it first."
    ]
    assert "someone decided it first" in html(response)
    assert CustomerProfile.objects.values().get(pk=in_review.pk) == decided
    assert in_review.status_changes.filter(from_status=Status.IN_REVIEW).count() == 1


# --- Resending notifications ----------------------------------------------------------


def test_a_reviewer_resends_a_failed_delivery(reviewer, reviewer_client, in_review):
    confirmed_address(in_review.account, in_review.email)
    profile_approve(profile=in_review, reviewer=reviewer)
    delivery = NotificationDelivery.objects.get(status_change__profile=in_review)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED, attempts=8
    )

    response = reviewer_client.post(resend_url(delivery))

    assert response.status_code == 302
    assert response["Location"] == review_url(in_review) + "#deliveries"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 0)


def test_a_delivery_is_resent_only_through_its_own_profile(
    account, applicant, reviewer, reviewer_client, in_review
):
    profile_approve(profile=in_review, reviewer=reviewer)
    delivery = NotificationDelivery.objects.get(status_change__profile=in_review)
    other = submitted(complete_secondary_profile(account), applicant)
    url = reverse("admin:profiles_customerprofile_resend", args=[other.pk, delivery.pk])

    assert reviewer_client.post(url).status_code == 404


# --- Primary profiles -----------------------------------------------------------------


@pytest.fixture
def new_account(db):
    return AccountFactory(name="Newco")


def test_a_reviewer_adds_a_primary_profile_that_starts_in_review(
    reviewer, reviewer_client, new_account
):
    response = reviewer_client.post(
        ADD,
        {
            "account": new_account.pk,
            "friendly_name": "Newco primary",
            "email": "legal@newco.example",
        },
    )

    primary = CustomerProfile.objects.get(account=new_account)
    assert response.status_code == 302
    assert response["Location"] == review_url(primary)
    assert (primary.kind, primary.status) == (ProfileKind.PRIMARY, Status.IN_REVIEW)
    assert (primary.friendly_name, primary.email) == (
        "Newco primary",
        "legal@newco.example",
    )
    assert list(primary.status_changes.values_list("actor", flat=True)) == [
        reviewer.pk,
        reviewer.pk,
    ]


def test_the_add_primary_form_shows_its_errors(reviewer_client, new_account):
    response = reviewer_client.post(ADD, {"account": new_account.pk, "email": "nope"})

    assert response.status_code == 200
    assert "Please correct the errors below." in html(response)
    assert not CustomerProfile.objects.filter(account=new_account).exists()


def test_the_queue_offers_to_add_a_primary_profile_to_reviewers_only(
    reviewer_client, staff_client
):
    assert "Add primary profile" in html(reviewer_client.get(CHANGELIST))
    assert "Add primary profile" not in html(staff_client.get(CHANGELIST))
    assert staff_client.get(ADD).status_code == 403


def test_an_approved_primary_unlocks_secondary_profiles(reviewer_client, new_account):
    reviewer_client.post(
        ADD,
        {"account": new_account.pk, "friendly_name": "P", "email": "p@newco.example"},
    )
    primary = CustomerProfile.objects.get(account=new_account)

    reviewer_client.post(action_url(primary, "approve"))

    assert approved_primary(new_account) == primary


@pytest.fixture
def primary(account):
    return account.profiles.get(kind=ProfileKind.PRIMARY)


def test_an_approved_primary_offers_expire_and_revocation(reviewer_client, primary):
    page = html(reviewer_client.get(review_url(primary)))

    assert f'action="{action_url(primary, "expire")}"' in page
    assert f'action="{action_url(primary, "reject")}#decision"' in page
    assert action_url(primary, "approve") not in page


def test_expiring_the_primary_blocks_new_secondary_profiles(
    account, primary, reviewer_client, applicant_client
):
    assert applicant_client.get("/profiles/secondary/new/").status_code == 200

    response = reviewer_client.post(action_url(primary, "expire"))

    assert response.status_code == 302
    primary.refresh_from_db()
    assert primary.valid_until <= timezone.now()
    assert approved_primary(account) is None
    assert applicant_client.get("/profiles/secondary/new/").status_code == 403
    page = html(reviewer_client.get(review_url(primary)))
    assert action_url(primary, "expire") not in page


def test_revoking_the_primary_blocks_new_secondary_profiles(
    account, primary, reviewer, reviewer_client, applicant_client
):
    response = reviewer_client.post(
        action_url(primary, "reject"), reject_data({18601: REASON})
    )

    assert response.status_code == 302
    primary.refresh_from_db()
    assert primary.status == Status.TWILIO_REJECTED
    assert primary.errors == [{"code": 18601, "message": REASON}]
    assert primary.status_changes.get().actor == reviewer
    assert approved_primary(account) is None
    assert applicant_client.get("/profiles/secondary/new/").status_code == 403


def test_an_approved_secondary_cannot_be_rejected_from_the_admin(
    reviewer, reviewer_client, in_review
):
    profile_approve(profile=in_review, reviewer=reviewer)
    approved = CustomerProfile.objects.values().get(pk=in_review.pk)

    response = reviewer_client.post(
        action_url(in_review, "reject"), reject_data({18601: REASON})
    )

    assert response.status_code == 302
    levels = [m.level for m in get_messages(response.wsgi_request)]
    assert levels == [messages.ERROR]
    assert CustomerProfile.objects.values().get(pk=in_review.pk) == approved
    assert not in_review.status_changes.filter(
        to_status=Status.TWILIO_REJECTED
    ).exists()


# --- All deliveries -----------------------------------------------------------------


@pytest.fixture
def failed_delivery(reviewer, in_review):
    confirmed_address(in_review.account, in_review.email)
    profile_approve(profile=in_review, reviewer=reviewer)
    delivery = NotificationDelivery.objects.get(status_change__profile=in_review)
    delivery.state, delivery.attempts = DeliveryState.FAILED, 12
    delivery.last_error = "HTTP 503"
    delivery.save()
    return delivery


def test_the_deliveries_list_shows_failed_deliveries_to_find(
    reviewer_client, failed_delivery
):
    url = reverse("admin:profiles_notificationdelivery_changelist")

    page = html(reviewer_client.get(url, {"state__exact": "failed"}))

    assert failed_delivery.message_id in page
    assert "Failed" in page
    assert "resend_selected" in page


def test_a_reviewer_resends_selected_deliveries(reviewer_client, failed_delivery):
    url = reverse("admin:profiles_notificationdelivery_changelist")

    response = reviewer_client.post(
        url,
        {"action": "resend_selected", "_selected_action": [failed_delivery.pk]},
        follow=True,
    )

    failed_delivery.refresh_from_db()
    assert failed_delivery.state == DeliveryState.PENDING
    assert failed_delivery.attempts == 0
    assert "1 notification queued again." in messages_of(response)


def test_staff_outside_reviewers_cannot_resend_from_the_list(
    staff_client, failed_delivery
):
    url = reverse("admin:profiles_notificationdelivery_changelist")

    staff_client.post(
        url, {"action": "resend_selected", "_selected_action": [failed_delivery.pk]}
    )

    failed_delivery.refresh_from_db()
    assert failed_delivery.state == DeliveryState.FAILED
