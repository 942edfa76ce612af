from __future__ import annotations

import pytest

from profiles.choices import Status
from profiles.lifecycle import (
    PrimaryProfileNotApproved,
    ProfileLocked,
    TransitionNotAllowed,
    profile_submit,
    transition,
)
from profiles.models import StatusChange
from profiles.tests.factories import SecondaryProfileFactory

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
