"""Attempts at deliveries: claim them, send them, write each outcome."""

from __future__ import annotations

import logging
import time

from django.conf import settings

from ..choices import Channel
from ..models import NotificationDelivery
from .emails import send_decision
from .errors import DeliveryError
from .outbox import claim, claim_due, mark_delivered, mark_failed_attempt, release
from .webhooks import send_callback

logger = logging.getLogger(__name__)

SENDERS = {Channel.EMAIL: send_decision, Channel.WEBHOOK: send_callback}
MARK_EVERY = 10


def deliver(delivery_id: int) -> NotificationDelivery | None:
    """Send a due delivery once; None when it is not due or someone has it."""
    delivery = claim(delivery_id)
    if delivery is None:
        return None
    attempt(delivery)
    return delivery


def deliver_due(limit: int) -> int:
    """Send up to `limit` due deliveries, claimed together; return how many.

    Failures are written at once, successes MARK_EVERY at a time (a worker
    killed mid-batch sends at most those again; receivers drop a repeated
    webhook-id). A batch that runs long gives back what it has not started
    before half the claim's lease is over, so no delivery is sent by two
    workers.
    """
    batch = claim_due(limit)
    deadline = time.monotonic() + settings.NOTIFICATION_CLAIM_SECONDS / 2
    sent = []
    try:
        for index, delivery in enumerate(batch):
            if time.monotonic() > deadline:
                release(batch[index:])
                return index
            delivered, code = send(delivery)
            if delivered:
                sent.append((delivery, code))
            if len(sent) == MARK_EVERY:
                mark_delivered(sent)
                sent = []
    finally:
        mark_delivered(sent)
    return len(batch)


def attempt(delivery: NotificationDelivery) -> None:
    """Send a claimed delivery and write the outcome."""
    delivered, code = send(delivery)
    if delivered:
        mark_delivered([(delivery, code)])


def send(delivery: NotificationDelivery) -> tuple[bool, int | None]:
    """Send a claimed delivery: (True, its response code if any), or (False,
    None) once the failed attempt is written."""
    try:
        return True, SENDERS[delivery.channel](delivery)
    except DeliveryError as error:
        mark_failed_attempt(delivery, error)
    except Exception as error:
        # A bug must not leave the row claimed forever: count it as an attempt.
        logger.exception("Delivery %s raised", delivery.pk)
        mark_failed_attempt(delivery, DeliveryError(repr(error), permanent=False))
    return False, None
