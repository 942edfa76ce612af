"""Attempts at deliveries: claim them, send them, write each outcome."""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

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
    mark_delivered(write_outcomes([(delivery, send(delivery))], sent=[]))
    return delivery


def deliver_due(limit: int) -> int:
    """Send up to `limit` due deliveries, claimed together; return how many.

    Status callbacks go to WEBHOOK_CONCURRENCY hosts at a time, each host's in
    order (see send_all). Failures are written at once, successes about
    MARK_EVERY at a time (a worker killed mid-batch sends at most those again;
    receivers drop a repeated webhook-id). A batch that runs long gives back
    what it has not started before half the claim's lease is over, so no
    delivery is sent by two workers.
    """
    batch = claim_due(limit)
    deadline = time.monotonic() + settings.NOTIFICATION_CLAIM_SECONDS / 2
    sent, unstarted = [], []
    try:
        for delivery, outcome in send_all(batch, deadline):
            if outcome is None:
                unstarted.append(delivery)
            else:
                sent = write_outcomes([(delivery, outcome)], sent)
    finally:
        mark_delivered(sent)
    release(unstarted)
    return len(batch) - len(unstarted)


def drain_due() -> int:
    """Send due deliveries a batch at a time until none is left or
    NOTIFICATION_DRAIN_SECONDS have passed; return how many were sent.

    Each batch is claimed on its own (NOTIFICATION_BATCH_SIZE at a time), so
    workers draining at once share the work, and the deliveries' own messages
    find them sent.
    """
    deadline = time.monotonic() + settings.NOTIFICATION_DRAIN_SECONDS
    size = settings.NOTIFICATION_BATCH_SIZE
    total = 0
    while True:
        sent = deliver_due(size)
        total += sent
        if sent < size or time.monotonic() >= deadline:
            return total


def write_outcomes(results, sent: list) -> list:
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


def send_all(deliveries: list[NotificationDelivery], deadline: float):
    """(delivery, outcome) for each; the outcome is None for one not started
    by `deadline` (time.monotonic()).

    Callbacks to one host go one after another over its kept-alive connection,
    in the order claimed (so a receiver gets them in `Sequence` order);
    callbacks to different hosts go at the same time, WEBHOOK_CONCURRENCY
    hosts at once, so a slow receiver holds up only its own. Emails go one
    after another. Sending a callback reads only what the claim loaded, so the
    pool's threads need no database connection.
    """
    by_host, others = defaultdict(list), []
    for delivery in deliveries:
        if delivery.channel == Channel.WEBHOOK:
            by_host[urlsplit(delivery.target).netloc].append(delivery)
        else:
            others.append(delivery)

    def attempt(delivery: NotificationDelivery) -> Outcome | None:
        return None if time.monotonic() > deadline else send(delivery)

    def in_order(batch: list[NotificationDelivery]) -> list:
        return [(delivery, attempt(delivery)) for delivery in batch]

    if len(by_host) > 1:
        for results in _pool().map(_in_thread(in_order), by_host.values()):
            yield from results
    else:
        for batch in by_host.values():
            yield from in_order(batch)
    yield from in_order(others)


def send(delivery: NotificationDelivery) -> Outcome:
    """Send a claimed delivery: (its response code if any, None) or (None, error)."""
    try:
        return SENDERS[delivery.channel](delivery), None
    except DeliveryError as error:
        return None, error
    except Exception:
        # A bug must not leave the row claimed forever: count it as an attempt.
        # The applicant sees the row's error, so the exception goes to the log only.
        logger.exception("Delivery %s raised", delivery.pk)
        return None, DeliveryError("internal error", permanent=False)


def _in_thread(function):
    def run(argument):
        try:
            return function(argument)
        finally:
            # Should a sender ever query, its thread's connection must not linger.
            connections.close_all()

    return run


_pools: dict[tuple[int, int], ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """This process's sending threads, WEBHOOK_CONCURRENCY of them (a forked
    worker makes its own)."""
    key = (os.getpid(), max(1, settings.WEBHOOK_CONCURRENCY))
    if key not in _pools:
        _pools[key] = ThreadPoolExecutor(
            max_workers=key[1], thread_name_prefix="callbacks"
        )
    return _pools[key]
