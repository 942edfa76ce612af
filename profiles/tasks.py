"""Celery tasks: they take ids, call the services, and own the retry policy."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

from .evaluation import evaluate_submission, stale_submissions
from .notifications import due_deliveries
from .notifications.delivery import deliver, drain_due

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def evaluate_profile(profile_id: int, revision: int) -> None:
    """Evaluate one submitted revision (idempotent: repeats change nothing)."""
    evaluate_submission(profile_id=profile_id, revision=revision)


@shared_task
def sweep_pending_evaluations() -> int:
    """Re-enqueue evaluations a lost message or a broker outage left behind."""
    stale = stale_submissions()
    for profile_id, revision in stale:
        enqueue_evaluation(profile_id=profile_id, revision=revision)
    return len(stale)


def enqueue_evaluation(*, profile_id: int, revision: int) -> bool:
    """Send the evaluation to a worker; if the broker is down, the sweep will."""
    try:
        evaluate_profile.delay(profile_id, revision)
    except Exception:
        logger.exception(
            "Could not enqueue the evaluation of profile %s revision %s; the sweep "
            "will retry",
            profile_id,
            revision,
        )
        return False
    return True


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True)
def deliver_notification(delivery_id: int) -> None:
    """One attempt at a delivery, then at the others due (retry timing is in
    the rows), a batch at a time for up to NOTIFICATION_DRAIN_SECONDS."""
    deliver(delivery_id)
    drain_due()


@shared_task
def sweep_due_notifications() -> int:
    """Send whatever is due and was not sent (crash, broker down, retries)."""
    due = due_deliveries()
    for delivery_id in due:
        enqueue_delivery(delivery_id)
    return len(due)


def enqueue_delivery(delivery_id: int) -> bool:
    """Hand a delivery to a worker; if the broker is down, the sweep will."""
    try:
        deliver_notification.delay(delivery_id)
    except Exception:
        logger.exception("Could not enqueue delivery %s; the sweep will", delivery_id)
        return False
    return True
