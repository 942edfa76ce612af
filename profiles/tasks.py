"""Celery tasks: they take ids, call the services, and own the retry policy."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from .evaluation import evaluate_submission_batch, stale_submissions
from .notifications import address_send_confirmation, due_deliveries
from .notifications.delivery import deliver, drain_due
from .notifications.errors import DeliveryError
from .queueing import (
    DELIVER_NOTIFICATION,
    EVALUATE_PROFILE,
    SEND_ADDRESS_CONFIRMATION,
    enqueue,
)


@shared_task(
    name=EVALUATE_PROFILE,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def evaluate_profile(profile_id: int, revision: int) -> None:
    """Evaluate one submitted revision (idempotent: repeats change nothing)."""
    evaluate_submission_batch(profile_id=profile_id, revision=revision)


@shared_task
def sweep_pending_evaluations() -> int:
    """Re-enqueue evaluations a lost message or a broker outage left behind."""
    stale = stale_submissions()
    for profile_id, revision in stale:
        enqueue(EVALUATE_PROFILE, profile_id, revision)
    return len(stale)


@shared_task(
    name=DELIVER_NOTIFICATION,
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
)
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
        enqueue(DELIVER_NOTIFICATION, delivery_id)
    return len(due)


@shared_task(
    name=SEND_ADDRESS_CONFIRMATION,
    acks_late=True,
    autoretry_for=(DatabaseError, DeliveryError),
    retry_backoff=True,
    max_retries=5,
)
def send_address_confirmation(account_id: int, email: str) -> None:
    """Email the confirmation link to a notification address still waiting."""
    address_send_confirmation(account_id=account_id, email=email)
