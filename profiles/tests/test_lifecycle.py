from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from profiles.choices import ProfileKind, Status
from profiles.lifecycle import (
    NotAReviewer,
    NotEditableHere,
    PrimaryProfileNotApproved,
    ProfileLocked,
    TransitionNotAllowed,
    decisions_allowed,
    edit_allowed,
    profile_approve,
    profile_expire,
    profile_reject,
    profile_submit,
    transition,
)
from profiles.models import StatusChange
from profiles.tests.factories import (
    MembershipFactory,
    PrimaryProfileFactory,
    SecondaryProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_submit_moves_a_draft_to_pending_review_with_an_audit_row(account, applicant):
    profile = SecondaryProfileFactory(account=account)

    submitted = profile_submit(profile=profile, actor=applicant)

    assert submitted.status == Status.PENDING_REVIEW
    assert submitted.revision == 1
    assert submitted.submitted_at is not None
    change = StatusChange.objects.get(profile=profile)
    assert (change.from_status, change.to_status) == (
        Status.DRAFT,
        Status.PENDING_REVIEW,
    )
    assert change.actor == applicant
    assert change.revision == 1


def test_submit_links_the_approved_primary(account, applicant):
    profile = SecondaryProfileFactory(account=account, primary=None)

    submitted = profile_submit(profile=profile, actor=applicant)

    assert submitted.primary.status == Status.TWILIO_APPROVED
    assert submitted.primary.account == account


@pytest.mark.parametrize(
    "status", [Status.PENDING_REVIEW, Status.IN_REVIEW, Status.TWILIO_APPROVED]
)
def test_submit_refuses_a_locked_profile(account, applicant, status):
    profile = SecondaryProfileFactory(account=account, status=status)

    with pytest.raises(ProfileLocked) as raised:
        profile_submit(profile=profile, actor=applicant)

    assert raised.value.code == 60711
    assert not StatusChange.objects.exists()


def test_a_rejected_profile_can_be_resubmitted_as_a_new_revision(account, applicant):
    profile = SecondaryProfileFactory(
        account=account, status=Status.TWILIO_REJECTED, revision=1
    )

    submitted = profile_submit(profile=profile, actor=applicant)

    assert submitted.status == Status.PENDING_REVIEW
    assert submitted.revision == 2


def test_submit_refuses_without_an_approved_primary(applicant):
    account = applicant.membership.account
    account.profiles.primary().update(status=Status.TWILIO_REJECTED)
    profile = SecondaryProfileFactory(account=account)

    with pytest.raises(PrimaryProfileNotApproved):
        profile_submit(profile=profile, actor=applicant)

    profile.refresh_from_db()
    assert profile.status == Status.DRAFT
    assert profile.revision == 0


def test_transition_refuses_a_move_the_machine_does_not_allow(account):
    profile = SecondaryProfileFactory(account=account, status=Status.DRAFT)

    with pytest.raises(TransitionNotAllowed):
        transition(profile, Status.TWILIO_APPROVED)

    assert not StatusChange.objects.exists()


# --- Who may decide what ----------------------------------------------------------

HOUR = timedelta(hours=1)
DECISION_CASES = {
    "in review": (SecondaryProfileFactory, Status.IN_REVIEW, None),
    "approved primary": (PrimaryProfileFactory, Status.TWILIO_APPROVED, None),
    "primary valid for an hour": (PrimaryProfileFactory, Status.TWILIO_APPROVED, HOUR),
    "expired primary": (PrimaryProfileFactory, Status.TWILIO_APPROVED, -HOUR),
    "approved secondary": (SecondaryProfileFactory, Status.TWILIO_APPROVED, None),
    "rejected": (SecondaryProfileFactory, Status.TWILIO_REJECTED, None),
    "draft": (SecondaryProfileFactory, Status.DRAFT, None),
}
DECISIONS = {
    "approve": lambda profile, reviewer: profile_approve(
        profile=profile, reviewer=reviewer
    ),
    "reject": lambda profile, reviewer: profile_reject(
        profile=profile, reviewer=reviewer, errors=[{"code": 18601, "message": "x"}]
    ),
    "expire": lambda profile, reviewer: profile_expire(
        profile=profile, reviewer=reviewer
    ),
}


def decision_case(name: str):
    factory, status, valid_for = DECISION_CASES[name]
    valid_until = timezone.now() + valid_for if valid_for else None
    return factory(status=status, valid_until=valid_until)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("in review", {"approve", "reject"}),
        ("approved primary", {"reject", "expire"}),
        ("primary valid for an hour", {"reject", "expire"}),
        ("expired primary", {"reject"}),
        ("approved secondary", set()),
        ("rejected", set()),
        ("draft", set()),
    ],
)
def test_a_reviewer_may_make_the_decisions_the_status_leaves_open(
    reviewer, case, expected
):
    assert decisions_allowed(decision_case(case), reviewer) == expected


def test_only_a_reviewer_may_decide(applicant):
    profile = decision_case("in review")
    staff = UserFactory(is_staff=True)

    assert decisions_allowed(profile, applicant) == set()
    assert decisions_allowed(profile, staff) == set()
    assert decisions_allowed(profile, None) == set()


@pytest.mark.parametrize("decision", DECISIONS)
@pytest.mark.parametrize("case", DECISION_CASES)
def test_a_decision_succeeds_exactly_when_it_is_offered(reviewer, case, decision):
    profile = decision_case(case)
    offered = decision in decisions_allowed(profile, reviewer)

    try:
        DECISIONS[decision](profile, reviewer)
    except TransitionNotAllowed:
        succeeded = False
    else:
        succeeded = True

    assert succeeded == offered


def test_expiring_ends_an_approved_primary_now(reviewer):
    profile = decision_case("primary valid for an hour")

    profile_expire(profile=profile, reviewer=reviewer)

    profile.refresh_from_db()
    assert profile.valid_until <= timezone.now()
    assert decisions_allowed(profile, reviewer) == {"reject"}


def test_a_decision_refuses_someone_outside_the_reviewers(applicant):
    profile = decision_case("in review")

    with pytest.raises(NotAReviewer):
        profile_approve(profile=profile, reviewer=applicant)

    profile.refresh_from_db()
    assert profile.status == Status.IN_REVIEW


# --- Who may edit what -----------------------------------------------------------


@pytest.mark.parametrize("kind", ProfileKind.values)
@pytest.mark.parametrize("status", Status.values)
def test_only_a_draft_or_rejected_secondary_may_be_edited_by_its_members(
    account, applicant, reviewer, kind, status
):
    profile = SecondaryProfileFactory(account=account, kind=kind, status=status)
    outsider = MembershipFactory().user
    editable = kind == ProfileKind.SECONDARY and status in (
        Status.DRAFT,
        Status.TWILIO_REJECTED,
    )

    allowed = {
        name: edit_allowed(profile, kind=ProfileKind.SECONDARY, user=user)
        for name, user in (
            ("member", applicant),
            ("outsider", outsider),
            ("reviewer", reviewer),
            ("service", None),
        )
    }

    assert allowed == {
        "member": editable,
        "outsider": False,
        "reviewer": False,
        "service": editable,
    }


def test_a_wizard_of_primaries_would_edit_a_rejected_primary_only(account, applicant):
    primary = account.profiles.primary().get()
    primary.status = Status.TWILIO_REJECTED

    assert edit_allowed(primary, kind=ProfileKind.PRIMARY, user=applicant)
    assert not edit_allowed(primary, kind=ProfileKind.SECONDARY, user=applicant)


def test_submit_refuses_a_revoked_primary_once_another_is_approved(
    account, applicant, reviewer
):
    revoked = profile_reject(
        profile=account.profiles.primary().get(),
        reviewer=reviewer,
        errors=[{"code": 18601, "message": "Not registered."}],
    )
    PrimaryProfileFactory(account=account)

    with pytest.raises(NotEditableHere) as raised:
        profile_submit(profile=revoked, actor=applicant)

    assert raised.value.code == 60711
    revoked.refresh_from_db()
    assert (revoked.status, revoked.revision) == (Status.TWILIO_REJECTED, 0)
    assert StatusChange.objects.filter(profile=revoked).count() == 1
