"""Attempts at deliveries: claim them, send them, write each outcome."""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connections

from ..choices import Channel
from ..models import NotificationDelivery
from .emails import send_decision
from .errors import DeliveryError
from .outbox import claim, claim_due, mark_delivered, mark_failed_attempt, release
from .webhooks import send_callback

logger = logging.getLogger(__name__)

SENDERS = {Channel.EMAIL: send_decision, Channel.WEBHOOK: send_callback}
MARK_EVERY = 10

Outcome = tuple[int | None, DeliveryError | None]


def deliver(delivery_id: int) -> NotificationDelivery | None:
    """Send a due delivery once; None when it is not due or someone has it."""
    delivery = claim(delivery_id)
    if delivery is None:
        return None
    mark_delivered(record([(delivery, send(delivery))], sent=[]))
    return delivery


def deliver_due(limit: int) -> int:
    """Send up to `limit` due deliveries, claimed together; return how many.

    Status callbacks go out WEBHOOK_CONCURRENCY at a time (receivers order them
    by `Sequence`). Failures are written at once, successes about MARK_EVERY at
    a time (a worker killed mid-batch sends at most those again; receivers drop
    a repeated webhook-id). A batch that runs long gives back what it has not
    started before half the claim's lease is over, so no delivery is sent by
    two workers.
    """
    batch = claim_due(limit)
    deadline = time.monotonic() + settings.NOTIFICATION_CLAIM_SECONDS / 2
    step = max(1, settings.WEBHOOK_CONCURRENCY)
    sent = []
    try:
        for start in range(0, len(batch), step):
            if time.monotonic() > deadline:
                release(batch[start:])
                return start
            sent = record(send_all(batch[start : start + step]), sent)
    finally:
        mark_delivered(sent)
    return len(batch)


def record(results, sent: list) -> list:
    """Write failed attempts now and add successes to `sent`; once `sent` holds
    MARK_EVERY, write them together. Returns the successes still to write."""
    for delivery, (code, error) in results:
        if error is not None:
            mark_failed_attempt(delivery, error)
        else:
            sent.append((delivery, code))
    if len(sent) >= MARK_EVERY:
        mark_delivered(sent)
        return []
    return sent


def send_all(deliveries: list[NotificationDelivery]):
    """(delivery, outcome) for each: callbacks at once, emails one after another.

    Sending a callback reads only what the claim loaded, so it needs no
    database connection of its own in the pool's threads.
    """
    hooks = [d for d in deliveries if d.channel == Channel.WEBHOOK]
    others = [d for d in deliveries if d.channel != Channel.WEBHOOK]
    if len(hooks) > 1:
        outcomes = list(_pool().map(_send_in_thread, hooks))
    else:
        outcomes = [send(d) for d in hooks]
    return [*zip(hooks, outcomes, strict=True), *((d, send(d)) for d in others)]


def send(delivery: NotificationDelivery) -> Outcome:
    """Send a claimed delivery: (its response code if any, None) or (None, error)."""
    try:
        return SENDERS[delivery.channel](delivery), None
    except DeliveryError as error:
        return None, error
    except Exception as error:
        # A bug must not leave the row claimed forever: count it as an attempt.
        logger.exception("Delivery %s raised", delivery.pk)
        return None, DeliveryError(repr(error), permanent=False)


def _send_in_thread(delivery: NotificationDelivery) -> Outcome:
    try:
        return send(delivery)
    finally:
        # Should a sender ever query, its thread's connection must not linger.
        connections.close_all()


_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """This process's sending threads (a forked worker makes its own)."""
    pid = os.getpid()
    if pid not in _pools:
        _pools[pid] = ThreadPoolExecutor(
            max_workers=max(1, settings.WEBHOOK_CONCURRENCY),
            thread_name_prefix="callbacks",
        )
    return _pools[pid]
