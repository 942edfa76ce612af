"""The outbox: deliveries written with the status change, sent until they land.

Rows are written in the transaction of the status change, so a change that
rolls back sends nothing. Retry timing lives in `next_attempt_at`; a worker
claims a due row by moving that time forward, sends outside any transaction,
and writes the outcome back.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..choices import Channel, DeliveryState, Status
from ..models import Account, DeliveryResend, NotificationDelivery, StatusChange
from ..queueing import DELIVER_NOTIFICATION, enqueue
from .addresses import is_verified, verified_emails, wait_message
from .errors import DeliveryError

logger = logging.getLogger(__name__)

EMAIL_STATUSES = {Status.TWILIO_APPROVED, Status.TWILIO_REJECTED}
# Trust Hub calls back on every change but the automatic move into review.
SILENT_CALLBACKS = {(Status.PENDING_REVIEW, Status.IN_REVIEW)}


def channels_for(change: StatusChange) -> dict[str, str]:
    """{channel: target} for the notifications `change` causes."""
    profile = change.profile
    targets = {}
    if profile.email and change.to_status in EMAIL_STATUSES:
        targets[Channel.EMAIL] = profile.email
    quiet = (change.from_status, change.to_status) in SILENT_CALLBACKS
    if profile.status_callback and not quiet:
        targets[Channel.WEBHOOK] = profile.status_callback
    return targets


def create_deliveries(changes: list[StatusChange]) -> list[NotificationDelivery]:
    """Write the changes' deliveries; they are sent once the transaction commits.

    An email to an address not yet confirmed is written held: it is sent when
    the address is confirmed (see addresses).
    """
    wanted = [
        (change, channel, target)
        for change in changes
        for channel, target in channels_for(change).items()
    ]
    verified = verified_emails(
        (change.profile.account_id, target)
        for change, channel, target in wanted
        if channel == Channel.EMAIL
    )
    deliveries = NotificationDelivery.objects.bulk_create(
        NotificationDelivery(
            status_change=change,
            channel=channel,
            target=target,
            state=first_state(change, channel, target, verified),
        )
        for change, channel, target in wanted
    )
    for delivery in deliveries:
        if delivery.state == DeliveryState.PENDING:
            transaction.on_commit(partial(enqueue, DELIVER_NOTIFICATION, delivery.pk))
    return deliveries


def first_state(change: StatusChange, channel: str, target: str, verified) -> str:
    """Pending, or held for an email to an address nobody confirmed."""
    if channel != Channel.EMAIL:
        return DeliveryState.PENDING
    if (change.profile.account_id, target.lower()) in verified:
        return DeliveryState.PENDING
    return DeliveryState.HELD


def _claimable():
    """Pending deliveries, locking only their own rows (not profiles or accounts)."""
    deliveries = NotificationDelivery.objects.select_for_update(
        skip_locked=True, of=("self",)
    )
    return deliveries.select_related("status_change__profile__account").filter(
        state=DeliveryState.PENDING
    )


def claim(delivery_id: int) -> NotificationDelivery | None:
    """Take a due pending delivery for one attempt, or None if it is not ours.

    One UPDATE takes it, so the message of a delivery a batch has already sent
    costs a single statement; the taken row is then read with what sending
    needs. Two workers cannot both take it: the second UPDATE waits for the
    first and then finds the row no longer due.
    """
    now = timezone.now()
    taken = NotificationDelivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=lease_from(now))
    if not taken:
        return None
    related = NotificationDelivery.objects.select_related(
        "status_change__profile__account"
    )
    return related.get(pk=delivery_id)


def claim_due(limit: int) -> list[NotificationDelivery]:
    """Take up to `limit` due deliveries nobody holds, the longest waiting first,
    for one attempt each."""
    now = timezone.now()
    lease = lease_from(now)
    due = _claimable().filter(next_attempt_at__lte=now).order_by("next_attempt_at")
    with transaction.atomic():
        claimed = list(due[:limit])
        NotificationDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
            attempts=F("attempts") + 1, next_attempt_at=lease
        )
    for delivery in claimed:
        delivery.attempts += 1
        delivery.next_attempt_at = lease
    return claimed


def lease_from(now):
    """Until when a claim holds: if its worker dies mid-send, the sweep retries
    the delivery after that."""
    return now + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS)


def release(deliveries: list[NotificationDelivery]) -> None:
    """Give back claimed deliveries that were not attempted: due again now."""
    NotificationDelivery.objects.filter(
        pk__in=[d.pk for d in deliveries], state=DeliveryState.PENDING
    ).update(attempts=F("attempts") - 1, next_attempt_at=timezone.now())


def mark_delivered(sent: list[tuple[NotificationDelivery, int | None]]) -> None:
    """Write (delivery, response code) outcomes: one UPDATE per response code."""
    now = timezone.now()
    by_code = defaultdict(list)
    for delivery, code in sent:
        delivery.state, delivery.delivered_at = DeliveryState.DELIVERED, now
        delivery.last_response_code, delivery.last_error = code, ""
        by_code[code].append(delivery.pk)
    for code, ids in by_code.items():
        NotificationDelivery.objects.filter(pk__in=ids).update(
            state=DeliveryState.DELIVERED,
            delivered_at=now,
            last_response_code=code,
            last_error="",
        )


def mark_failed_attempt(delivery: NotificationDelivery, error: DeliveryError) -> None:
    """Schedule the next try with backoff, or give up when it cannot succeed."""
    delivery.last_error = str(error)[:2000]
    delivery.last_response_code = error.status_code
    out_of_attempts = delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
    if error.permanent or out_of_attempts:
        delivery.state = DeliveryState.FAILED
        logger.warning("Delivery %s failed for good: %s", delivery.pk, error)
    else:
        delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
    delivery.save(
        update_fields=["state", "last_error", "last_response_code", "next_attempt_at"]
    )


def backoff(attempts: int) -> timedelta:
    """Exponential backoff with full jitter on the upper half, capped."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
    delay = min(base, settings.NOTIFICATION_RETRY_MAX_SECONDS)
    return timedelta(seconds=delay / 2 + random.uniform(0, delay / 2))


def due_deliveries(limit: int = 500) -> list[int]:
    """Ids of pending deliveries whose time has come (for the sweep)."""
    due = NotificationDelivery.objects.filter(
        state=DeliveryState.PENDING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at")
    return list(due.values_list("pk", flat=True)[:limit])


class ResendRefused(Exception):
    """The delivery is not sent again now; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def resend(
    delivery: NotificationDelivery, *, by_reviewer: bool = False
) -> NotificationDelivery:
    """Queue a delivered or failed notification again, as a new attempt.

    ResendRefused within NOTIFICATION_RESEND_INTERVAL_SECONDS of the
    delivery's last resend, past NOTIFICATION_RESEND_ACCOUNT_LIMIT resends by
    the account's members in the window (a reviewer's are not counted), and
    for an email to an address not confirmed. The account's row is locked
    while the resends are counted, so processes resending at once cannot all
    pass the limits.
    """
    with transaction.atomic():
        account = (
            Account.objects.select_for_update(of=("self",))
            .filter(profiles__status_changes__deliveries=delivery.pk)
            .get()
        )
        locked = NotificationDelivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        check_resend_allowed(locked, account, now, by_reviewer=by_reviewer)
        DeliveryResend.objects.create(
            delivery=locked, account=account, by_reviewer=by_reviewer, created_at=now
        )
        locked.state = DeliveryState.PENDING
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["state", "attempts", "next_attempt_at"])
        transaction.on_commit(partial(enqueue, DELIVER_NOTIFICATION, locked.pk))
    return locked


def check_resend_allowed(
    delivery: NotificationDelivery, account: Account, now, *, by_reviewer: bool
) -> None:
    """Raise ResendRefused when a resend now would pass a limit."""
    email = delivery.channel == Channel.EMAIL
    if email and not is_verified(account.pk, delivery.target):
        raise ResendRefused(
            _(
                "%(email)s has not confirmed it wants these emails yet: the "
                "notification is sent once the address is confirmed."
            )
            % {"email": delivery.target}
        )
    interval = timedelta(seconds=settings.NOTIFICATION_RESEND_INTERVAL_SECONDS)
    last = delivery.resends.filter(created_at__gt=now - interval).first()
    if last is not None:
        raise ResendRefused(
            wait_message(
                _("This notification was resent recently."),
                last.created_at + interval - now,
            )
        )
    if not by_reviewer:
        check_account_resends(account, now)


def check_account_resends(account: Account, now) -> None:
    """At most NOTIFICATION_RESEND_ACCOUNT_LIMIT members' resends per window."""
    window = timedelta(seconds=settings.NOTIFICATION_RESEND_ACCOUNT_WINDOW_SECONDS)
    limit = settings.NOTIFICATION_RESEND_ACCOUNT_LIMIT
    recent = DeliveryResend.objects.filter(
        account=account, by_reviewer=False, created_at__gt=now - window
    ).order_by("-created_at")
    times = list(recent.values_list("created_at", flat=True)[:limit])
    if len(times) >= limit:
        raise ResendRefused(
            wait_message(
                ngettext(
                    "Your account has resent %(count)d notification recently, "
                    "the most allowed.",
                    "Your account has resent %(count)d notifications recently, "
                    "the most allowed.",
                    limit,
                )
                % {"count": limit},
                times[-1] + window - now,
            )
        )
