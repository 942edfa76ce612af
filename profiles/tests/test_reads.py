"""A profile read with its rows and its history (profiles.reads)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from profiles.choices import ProfileKind, Status
from profiles.lifecycle import profile_submit, transition
from profiles.models import BusinessInformation, CustomerProfile, Evaluation
from profiles.reads import (
    JSONRow,
    attach_rows,
    history_of,
    row_list,
    with_history,
    with_row_lists,
    with_rows,
)
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.factories import (
    AccountFactory,
    MembershipFactory,
    PrimaryProfileFactory,
)

pytestmark = pytest.mark.django_db

RELATIONS = ("representatives", "documents", "evaluations")
# with_row_lists() and with_history() read rows in the profile's query there.
ONE_QUERY = connection.vendor == "postgresql"


def values(row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


def rows_of(profile) -> dict[str, list[dict]]:
    return {
        name: [values(row) for row in getattr(profile, name).all()]
        for name in RELATIONS
    }


def lists_of(profile) -> dict[str, list[dict]]:
    return {
        name: [values(row) for row in row_list(profile, name)] for name in RELATIONS
    }


@pytest.fixture
def profile(account):
    profile = complete_secondary_profile(account)
    Evaluation.objects.create(
        profile=profile,
        revision=1,
        policy_sid="RN" + "0" * 32,
        status=Evaluation.Result.NONCOMPLIANT,
        results=[{"requirement_name": "business_info", "passed": False, "n": 1.5}],
        warnings=[{"code": 22211, "message": "Free email domain"}],
    )
    return profile


def test_a_profiles_rows_read_with_it_are_its_rows_in_the_database(
    profile, django_assert_num_queries
):
    expected = rows_of(CustomerProfile.objects.get(pk=profile.pk))
    stored = profile.documents.get()
    # The profile, and on other databases a query per relation, whatever the
    # number of rows.
    with django_assert_num_queries(1 if ONE_QUERY else 1 + len(RELATIONS)):
        read = with_rows(CustomerProfile.objects.all(), *RELATIONS).get(pk=profile.pk)

    with django_assert_num_queries(0):
        attach_rows(read, *RELATIONS)
        got = lists_of(read)
        owners = {row.profile for name in RELATIONS for row in row_list(read, name)}
        document = row_list(read, "documents")[0]
        assert document.file.name == stored.file.name
        assert document.get_absolute_url().startswith(f"/profiles/{profile.sid}/")
        created = row_list(read, "evaluations")[0].created_at
    assert got == expected
    assert [len(rows) for rows in got.values()] == [2, 1, 1]
    assert owners == {read}
    assert created.tzinfo is not None
    assert created == profile.evaluations.get().created_at


def test_attaching_reads_the_rows_a_profile_was_read_without(
    profile, django_assert_num_queries
):
    expected = rows_of(CustomerProfile.objects.get(pk=profile.pk))
    read = CustomerProfile.objects.get(pk=profile.pk)

    with django_assert_num_queries(len(RELATIONS)):
        attach_rows(read, *RELATIONS)
    with django_assert_num_queries(0):
        assert lists_of(read) == expected


def test_attaching_twice_keeps_the_rows(profile):
    read = with_rows(CustomerProfile.objects.all(), "representatives").get(
        pk=profile.pk
    )
    attach_rows(read, "representatives")
    attach_rows(read, "representatives")

    reps = row_list(read, "representatives")
    assert [rep.first_name for rep in reps] == ["Ada", "Grace"]


ONE_TO_ONE = ("business_information", "address")


def test_one_to_one_rows_read_with_the_profile_are_its_rows(
    profile, django_assert_num_queries
):
    stored = CustomerProfile.objects.select_related(*ONE_TO_ONE).get(pk=profile.pk)
    with django_assert_num_queries(1):
        read = with_rows(CustomerProfile.objects.all(), *ONE_TO_ONE).get(pk=profile.pk)

    with django_assert_num_queries(0):
        attach_rows(read, *ONE_TO_ONE)
        for name in ONE_TO_ONE:
            assert values(getattr(read, name)) == values(getattr(stored, name))
            assert getattr(read, name).profile is read
        assert read.address.iso_country.name == stored.address.iso_country.name
        regions = read.business_information.business_regions_of_operation
    assert regions == stored.business_information.business_regions_of_operation
    assert isinstance(regions, list) and regions


def test_a_profile_without_rows_reads_none_and_empty_lists(
    account, django_assert_num_queries
):
    bare = CustomerProfile.objects.create(
        account=account, kind=ProfileKind.SECONDARY, policy_sid="RN" + "1" * 32
    )
    everything = (*ONE_TO_ONE, *RELATIONS)
    read = with_rows(CustomerProfile.objects.all(), *everything).get(pk=bare.pk)

    with django_assert_num_queries(0):
        attach_rows(read, *everything)
        assert lists_of(read) == {name: [] for name in RELATIONS}
        assert getattr(read, "address", None) is None
        with pytest.raises(BusinessInformation.DoesNotExist):
            read.business_information  # noqa: B018


def test_row_lists_read_with_a_profile_are_its_rows_in_the_database(
    profile, django_assert_num_queries
):
    expected = rows_of(CustomerProfile.objects.get(pk=profile.pk))
    stored = profile.documents.get()
    with django_assert_num_queries(1 if ONE_QUERY else 1 + len(RELATIONS)):
        read = with_row_lists(CustomerProfile.objects.all(), *RELATIONS).get(
            pk=profile.pk
        )

    with django_assert_num_queries(0):
        got = lists_of(read)
        owners = {row.profile for name in RELATIONS for row in row_list(read, name)}
        document = row_list(read, "documents")[0]
        assert document.file.name == stored.file.name
        assert document.get_absolute_url().startswith(f"/profiles/{profile.sid}/")
        evaluation = row_list(read, "evaluations")[0]
    assert got == expected
    assert [len(rows) for rows in got.values()] == [2, 1, 1]
    assert owners == {read}
    assert evaluation.created_at.tzinfo is not None
    assert evaluation.created_at == profile.evaluations.get().created_at
    assert evaluation.results[0]["n"] == 1.5


def test_row_lists_of_a_profile_read_without_them_are_queried(
    profile, django_assert_num_queries
):
    expected = rows_of(CustomerProfile.objects.get(pk=profile.pk))
    read = CustomerProfile.objects.get(pk=profile.pk)

    with django_assert_num_queries(len(RELATIONS)):
        assert lists_of(read) == expected


def test_a_profile_without_rows_reads_empty_row_lists(account):
    bare = CustomerProfile.objects.create(
        account=account, kind=ProfileKind.SECONDARY, policy_sid="RN" + "1" * 32
    )
    read = with_row_lists(CustomerProfile.objects.all(), *RELATIONS).get(pk=bare.pk)

    assert lists_of(read) == {name: [] for name in RELATIONS}


def test_the_history_read_with_the_profile_is_its_history(
    account, django_assert_num_queries
):
    applicant = MembershipFactory(account=account).user
    submitted = profile_submit(
        profile=complete_secondary_profile(account), actor=applicant
    )
    transition(submitted, Status.IN_REVIEW)
    stored = [
        (c.from_status, c.to_status, c.created_at, c.actor and c.actor.email)
        for c in submitted.status_changes.select_related("actor")
    ]
    with django_assert_num_queries(1 if ONE_QUERY else 2):
        read = with_history(CustomerProfile.objects.all()).get(pk=submitted.pk)

    with django_assert_num_queries(0):
        history = history_of(read)
        got = [
            (c.from_status, c.to_status, c.created_at, c.actor and c.actor.email)
            for c in history
        ]
    assert got == stored
    assert [c.actor is None for c in history] == [False, True]
    assert history[0].actor.username == applicant.username


def test_the_history_of_a_profile_read_without_it_is_queried(
    account, django_assert_num_queries
):
    submitted = profile_submit(profile=complete_secondary_profile(account), actor=None)
    read = CustomerProfile.objects.get(pk=submitted.pk)

    with django_assert_num_queries(1):
        history = history_of(read)
        assert [(c.to_status, c.actor) for c in history] == [
            (Status.PENDING_REVIEW, None)
        ]


@pytest.mark.parametrize(
    "status, valid_for, approved",
    [
        (Status.TWILIO_APPROVED, None, True),
        (Status.TWILIO_APPROVED, timedelta(days=30), True),
        (Status.TWILIO_APPROVED, timedelta(days=-1), False),
        (Status.IN_REVIEW, None, False),
    ],
)
def test_profiles_read_with_their_accounts_approved_primary(
    status, valid_for, approved
):
    account = AccountFactory()
    valid_until = timezone.now() + valid_for if valid_for else None
    primary = PrimaryProfileFactory(
        account=account, status=status, valid_until=valid_until
    )
    secondary = complete_secondary_profile(account)
    other = complete_secondary_profile(AccountFactory(name="Other Corp"))
    profiles = CustomerProfile.objects.filter(pk__in=[secondary.pk, other.pk])

    read = dict(
        profiles.with_approved_primary().values_list("pk", "approved_primary_id")
    )

    assert read == {secondary.pk: primary.pk if approved else None, other.pk: None}


@pytest.mark.skipif(not ONE_QUERY, reason="JSONB_BUILD_OBJECT is PostgreSQL's")
def test_a_json_row_holds_the_columns_it_names(profile):
    read = CustomerProfile.objects.annotate(
        row=JSONRow(sid="sid", name="friendly_name", account="account__name")
    ).get(pk=profile.pk)

    assert read.row == {
        "sid": profile.sid,
        "name": profile.friendly_name,
        "account": profile.account.name,
    }


def test_a_json_row_takes_only_column_names_as_keys():
    with pytest.raises(ValueError):
        JSONRow(**{"sid', 'x": "sid"})
