"""Queries per page: at most ten, and the same at 10 and at 1,000 profiles.

Query counts do not drift with the machine, so unlike the timings of
`make bench` they are asserted here. Each page is requested once with ten
profiles in the database and again after 990 more (bulk-created, with their
business information and address, half in the applicant's account and half in
another) have been added: a count that grows with the data is an N+1.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from profiles.choices import Status
from profiles.models import CustomerProfile
from profiles.steps import SECONDARY_WIZARD
from profiles.tests.builders import (
    bulk_secondary_profiles,
    complete_secondary_profile,
)
from profiles.tests.wizard_client import step_url
from profiles.tests.wizard_data import valid_data

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10
SMALL, LARGE = 10, 1_000
EDIT_STEPS = [
    "general",
    "business",
    "representatives",
    "address",
    "documents",
    "notifications",
]
QUEUE = "/admin/profiles/customerprofile/"
SAVING_STEPS = [step.name for step in SECONDARY_WIZARD.steps if step.save]
PROFILE_READ = 'SELECT "profiles_customerprofile"'
WRITES = ("INSERT", "UPDATE", "DELETE")


def add_profiles(account, count: int, status=Status.IN_REVIEW) -> None:
    """Secondary profiles with their one-to-one rows, in three bulk inserts."""
    bulk_secondary_profiles(account, count, lambda n: {"status": status})


def grow(account, other_account) -> None:
    """From SMALL to LARGE profiles in the database."""
    extra = LARGE - CustomerProfile.objects.count()
    add_profiles(account, extra // 2)
    add_profiles(other_account, extra - extra // 2)
    assert CustomerProfile.objects.count() == LARGE


@pytest.fixture
def profiles(account, other_account):
    """Two complete drafts of the applicant's, and SMALL profiles in all."""
    first, second = (
        complete_secondary_profile(account),
        complete_secondary_profile(account),
    )
    add_profiles(account, SMALL - CustomerProfile.objects.count())
    assert CustomerProfile.objects.count() == SMALL
    return first, second


def assert_flat(
    django_assert_max_num_queries, account, other_account, request_small, big
):
    """Same count at SMALL and LARGE (checked first), and at most MAX_QUERIES."""
    with CaptureQueriesContext(connection) as captured:
        response = request_small()
    assert response.status_code in (200, 302), response.content[:2000]
    small = len(captured)
    grow(account, other_account)
    with django_assert_max_num_queries(MAX_QUERIES) as captured:
        response = big()
        assert response.status_code in (200, 302), response.content[:2000]
        large = len(captured)
        assert small == large, (
            f"{small} queries at {SMALL} profiles, {large} at {LARGE}"
        )
    assert small <= MAX_QUERIES


@pytest.mark.parametrize("tab", ["secondary", "primary"])
def test_the_profile_list(
    django_assert_max_num_queries,
    applicant_client,
    account,
    other_account,
    profiles,
    tab,
):
    def get():
        return applicant_client.get(f"/profiles/?tab={tab}")

    assert_flat(django_assert_max_num_queries, account, other_account, get, get)


@pytest.mark.parametrize("step", [*EDIT_STEPS, "review"])
def test_each_wizard_step_get(
    django_assert_max_num_queries,
    applicant_client,
    account,
    other_account,
    profiles,
    step,
):
    first, _ = profiles

    def get():
        return applicant_client.get(step_url(first, step))

    assert_flat(django_assert_max_num_queries, account, other_account, get, get)


@pytest.mark.parametrize("step", EDIT_STEPS)
def test_a_valid_step_post(
    django_assert_max_num_queries,
    applicant_client,
    account,
    other_account,
    profiles,
    step,
):
    """The same answers saved over two identical drafts, before and after growth."""
    first, second = profiles

    def post(profile):
        def request():
            payload = {"wizard-current_step": step, **valid_data(step)}
            response = applicant_client.post(step_url(profile, step), payload)
            assert response.status_code == 302, response.content[:3000]
            return response

        return request

    assert_flat(
        django_assert_max_num_queries, account, other_account, post(first), post(second)
    )


@pytest.mark.parametrize("step", SAVING_STEPS)
def test_saving_a_step_locks_the_profile_before_it_writes(
    applicant_client, profiles, step
):
    """The page reads the profile; the draft service reads it again with its
    row lock, in its own transaction, before any of its writes."""
    first, _ = profiles
    payload = {"wizard-current_step": step, **valid_data(step)}

    with CaptureQueriesContext(connection) as captured:
        response = applicant_client.post(step_url(first, step), payload)

    assert response.status_code == 302
    sql = [query["sql"] for query in captured]
    reads = [n for n, text in enumerate(sql) if text.startswith(PROFILE_READ)]
    writes = [n for n, text in enumerate(sql) if text.startswith(WRITES)]
    assert len(reads) == 2
    assert writes and reads[-1] < writes[0]
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" not in sql[reads[0]]
        assert "FOR UPDATE" in sql[reads[-1]]


def test_the_review_step_submit(
    django_assert_max_num_queries, applicant_client, account, other_account, profiles
):
    """Posting the review step submits (the evaluation runs inline in tests)."""
    first, second = profiles

    def submit(profile):
        def request():
            return applicant_client.post(
                step_url(profile, "review"), {"wizard-current_step": "review"}
            )

        return request

    assert_flat(
        django_assert_max_num_queries,
        account,
        other_account,
        submit(first),
        submit(second),
    )


def test_the_profile_detail_page(
    django_assert_max_num_queries, applicant_client, account, other_account, profiles
):
    first, _ = profiles

    def get():
        return applicant_client.get(first.get_absolute_url())

    assert_flat(django_assert_max_num_queries, account, other_account, get, get)


@pytest.mark.parametrize("query", ["", "?status__exact=in-review", "?q=Bulk"])
def test_the_admin_review_queue(
    django_assert_max_num_queries,
    reviewer_client,
    account,
    other_account,
    profiles,
    query,
):
    def get():
        return reviewer_client.get(QUEUE + query)

    assert_flat(django_assert_max_num_queries, account, other_account, get, get)


def test_the_admin_review_page(
    django_assert_max_num_queries, reviewer_client, account, other_account, profiles
):
    first, _ = profiles

    def get():
        return reviewer_client.get(f"{QUEUE}{first.pk}/change/")

    assert_flat(django_assert_max_num_queries, account, other_account, get, get)
