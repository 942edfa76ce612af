"""Evaluation through a real Celery worker (Redis in CI, in memory locally)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from profiles import tasks
from profiles.choices import Status
from profiles.evaluation import stale_submissions
from profiles.lifecycle import ProfileLocked, lock_profile, profile_submit, transition
from profiles.models import Evaluation, StatusChange
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.waiting import wait_for_decision

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def drain_queue(account):
    """Wait until every message sent so far was consumed.

    One solo worker takes messages in order, so once a marker profile submitted
    now is decided, everything queued before it has run.
    """
    marker = complete_secondary_profile(account, friendly_name="queue marker")
    with transaction.atomic():
        locked = lock_profile(marker)
        locked.revision = 1
        locked.save()
        transition(locked, Status.PENDING_REVIEW)
    tasks.evaluate_profile.delay(marker.pk, 1)
    wait_for_decision(marker)


def test_a_complete_profile_moves_to_in_review(live_worker, applicant):
    profile = complete_secondary_profile(applicant.membership.account)

    profile_submit(profile=profile, actor=applicant)

    decided = wait_for_decision(profile)
    assert decided.status == Status.IN_REVIEW
    assert decided.errors == []
    evaluation = Evaluation.objects.get(profile=profile)
    assert evaluation.status == "compliant"
    assert evaluation.revision == 1
    changes = list(StatusChange.objects.filter(profile=profile))
    assert [(c.from_status, c.to_status) for c in changes] == [
        (Status.DRAFT, Status.PENDING_REVIEW),
        (Status.PENDING_REVIEW, Status.IN_REVIEW),
    ]
    assert changes[0].actor == applicant
    assert changes[1].actor is None


def test_an_incomplete_profile_is_rejected_with_the_exact_codes(live_worker, applicant):
    profile = complete_secondary_profile(applicant.membership.account)
    profile.representatives.filter(position=2).delete()
    profile.address.street = "PO Box 1234"
    profile.address.save()

    profile_submit(profile=profile, actor=applicant)

    decided = wait_for_decision(profile)
    assert decided.status == Status.TWILIO_REJECTED
    assert sorted((e["requirement_name"], e["code"]) for e in decided.errors) == [
        ("authorized_representative_2", 22214),
        ("customer_profile_address", 22217),
    ]
    evaluation = Evaluation.objects.get(profile=profile)
    address = next(
        r
        for r in evaluation.results
        if r["requirement_name"] == "customer_profile_address"
    )
    assert [i["object_field"] for i in address["invalid"]] == ["street"]
    assert StatusChange.objects.filter(to_status=Status.TWILIO_REJECTED).count() == 1


def test_twenty_concurrent_submits_give_one_evaluation(live_worker, applicant):
    profile = complete_secondary_profile(applicant.membership.account)
    outcomes, barrier = [], threading.Barrier(20)

    def submit():
        barrier.wait()
        try:
            profile_submit(profile=profile, actor=applicant)
            outcomes.append("submitted")
        except ProfileLocked:
            outcomes.append("locked")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["locked"] * 19 + ["submitted"]
    assert wait_for_decision(profile).status == Status.IN_REVIEW
    drain_queue(applicant.membership.account)
    assert Evaluation.objects.filter(profile=profile).count() == 1
    assert StatusChange.objects.filter(profile=profile).count() == 2


def test_duplicate_and_redelivered_messages_change_nothing_twice(
    live_worker, applicant
):
    profile = complete_secondary_profile(applicant.membership.account)
    submitted = profile_submit(profile=profile, actor=applicant)

    for _ in range(20):
        tasks.evaluate_profile.delay(profile.pk, submitted.revision)
    wait_for_decision(profile)
    drain_queue(applicant.membership.account)
    # A message redelivered after the worker died before acknowledging it.
    tasks.evaluate_profile.apply(args=(profile.pk, submitted.revision))

    assert Evaluation.objects.filter(profile=profile).count() == 1
    assert StatusChange.objects.filter(profile=profile).count() == 2


def test_the_task_is_acknowledged_only_after_it_ran(celery_config):
    assert tasks.evaluate_profile.acks_late is True
    assert celery_config.conf.task_reject_on_worker_lost is True
    assert celery_config.conf.worker_prefetch_multiplier == 1


def test_the_sweep_picks_up_a_lost_enqueue(live_worker, applicant, settings):
    settings.EVALUATION_SWEEP_AFTER_SECONDS = 30
    lost = complete_secondary_profile(applicant.membership.account)
    fresh = complete_secondary_profile(applicant.membership.account)
    for profile, age in ((lost, 60), (fresh, 1)):
        # What a crash between commit and enqueue leaves: pending, no message.
        with transaction.atomic():
            locked = lock_profile(profile)
            locked.revision, locked.submitted_at = (
                1,
                timezone.now() - timedelta(seconds=age),
            )
            locked.save()
            transition(locked, Status.PENDING_REVIEW)

    # Only the lost one is sent again: the fresh one's message may still come.
    assert stale_submissions() == [(lost.pk, 1)]

    tasks.sweep_pending_evaluations.delay()

    assert wait_for_decision(lost).status == Status.IN_REVIEW
    drain_queue(applicant.membership.account)
    assert Evaluation.objects.filter(profile=lost).count() == 1
