"""Which email addresses an account's notifications may go to.

A member's own address (the sign-in) is verified. Any other address gets
nothing but a confirmation link until someone opens it and confirms: decision
emails to it are written held (see outbox) and released when it is confirmed,
so nothing is lost and nothing reaches an address that did not ask for it.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..choices import Channel, DeliveryState
from ..models import Account, Membership, NotificationAddress, NotificationDelivery
from ..queueing import DELIVER_NOTIFICATION, SEND_ADDRESS_CONFIRMATION, enqueue
from .emails import send_address_confirmation
from .tokens import InvalidToken, read_token


class ConfirmationRefused(Exception):
    """No confirmation email now; the message says why, for the applicant."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def member_emails(account_ids) -> set[tuple[int, str]]:
    """(account id, lower-cased email) of every member of the accounts."""
    members = Membership.objects.filter(account_id__in=set(account_ids))
    return {
        (account_id, email.lower())
        for account_id, email in members.values_list("account_id", "user__email")
        if email
    }


def verified_emails(pairs) -> set[tuple[int, str]]:
    """Of (account id, email) pairs, those that may be emailed, lower-cased:
    a member's own address or one confirmed for that account."""
    wanted = {(account_id, email.lower()) for account_id, email in pairs}
    if not wanted:
        return set()
    account_ids = {account_id for account_id, _email in wanted}
    confirmed_pairs = NotificationAddress.objects.filter(
        account_id__in=account_ids,
        email__in={email for _account, email in wanted},
        confirmed_at__isnull=False,
    ).values_list("account_id", "email")
    return wanted & (member_emails(account_ids) | set(confirmed_pairs))


def members_with(email: str) -> QuerySet:
    """Memberships whose login is `email`: a member's own address is verified."""
    return Membership.objects.filter(user__email__iexact=email)


def confirmed(email: str) -> QuerySet:
    """The address rows of `email` that someone confirmed from its link."""
    return NotificationAddress.objects.filter(
        email=email.lower(), confirmed_at__isnull=False
    )


def verified(email: str) -> Q:
    """Accounts to whose notifications `email` may be sent."""
    return Exists(members_with(email).filter(account=OuterRef("pk"))) | Exists(
        confirmed(email).filter(account=OuterRef("pk"))
    )


def is_verified(account_id: int, email: str) -> bool:
    """Two lookups by index: on PostgreSQL they took half the time of one
    query of both (1.1 ms against 2.0 ms)."""
    return (
        members_with(email).filter(account_id=account_id).exists()
        or confirmed(email).filter(account_id=account_id).exists()
    )


def awaiting_confirmation(profile) -> NotificationAddress | None:
    """The row of the profile's notification email while it waits to be
    confirmed (unsaved when no link was ever sent); None when there is no
    email or it is verified: no query without an email, one for a member's
    own address, two for any other."""
    email = profile.email
    if not email or members_with(email).filter(account_id=profile.account_id).exists():
        return None
    address = NotificationAddress.objects.filter(
        account_id=profile.account_id, email=email.lower()
    ).first()
    if address is None:
        return NotificationAddress(account_id=profile.account_id, email=email.lower())
    return None if address.confirmed_at is not None else address


def address_request_confirmation(
    *, account_id: int, email: str, again: bool = False
) -> bool:
    """Send the confirmation link to an address that is not verified, once
    (`again`: once more, at most every NOTIFICATION_CONFIRMATION_INTERVAL_SECONDS).

    True when a link is sent; False when none is needed or one was sent
    before. ConfirmationRefused when the limits say not now. The account's row
    is locked while the limits are counted, so processes asking at once cannot
    all pass them; each path costs the same three queries.
    """
    if not email:
        return False
    email, now = email.lower(), timezone.now()
    # No savepoint: the wizard calls this inside its own transaction, and a
    # refusal is raised only once the block is left.
    with transaction.atomic(savepoint=False):
        account = lock_counting(account_id, email, now)
        if account.verified:
            return False
        refusal = account_limit_refusal(account, now)
        if refusal is None:
            sent = mark_sent(account_id, email, now, again=again)
            if not sent and again:
                refusal = resend_refusal(account_id, email, now)
    if refusal is not None:
        raise ConfirmationRefused(refusal)
    return sent


def mark_sent(account_id: int, email: str, now, *, again: bool) -> bool:
    """Record the link as sent now and send it once committed, unless one was
    sent before (`again`: within the interval)."""
    NotificationAddress.objects.bulk_create(
        [NotificationAddress(account_id=account_id, email=email)],
        ignore_conflicts=True,
    )
    due = Q(confirmation_sent_at__isnull=True)
    if again:
        interval = settings.NOTIFICATION_CONFIRMATION_INTERVAL_SECONDS
        due |= Q(confirmation_sent_at__lte=now - timedelta(seconds=interval))
    sent = NotificationAddress.objects.filter(
        due, account_id=account_id, email=email, confirmed_at__isnull=True
    ).update(confirmation_sent_at=now)
    if sent:
        job = partial(enqueue, SEND_ADDRESS_CONFIRMATION, account_id, email)
        transaction.on_commit(job)
    return bool(sent)


def lock_counting(account_id: int, email: str, now) -> Account:
    """The account's row, locked, with `verified` (for `email`) and `recent`:
    the other addresses sent a link within the window, and the oldest such."""
    window = timedelta(seconds=settings.NOTIFICATION_RESEND_ACCOUNT_WINDOW_SECONDS)
    recent = (
        NotificationAddress.objects.filter(
            account=OuterRef("pk"), confirmation_sent_at__gt=now - window
        )
        .exclude(email=email)
        .values("account")
    )
    return (
        Account.objects.select_for_update()
        .annotate(
            verified=ExpressionWrapper(verified(email), output_field=BooleanField()),
            recent=Subquery(recent.annotate(n=Count("pk")).values("n")),
            oldest=Subquery(recent.annotate(t=Min("confirmation_sent_at")).values("t")),
        )
        .only("pk")
        .get(pk=account_id)
    )


def account_limit_refusal(account: Account, now) -> str | None:
    """Why not, when links went to NOTIFICATION_CONFIRMATION_ACCOUNT_LIMIT
    other addresses of the account within the window."""
    limit = settings.NOTIFICATION_CONFIRMATION_ACCOUNT_LIMIT
    if (account.recent or 0) < limit:
        return None
    window = timedelta(seconds=settings.NOTIFICATION_RESEND_ACCOUNT_WINDOW_SECONDS)
    reason = ngettext(
        "Confirmation links went to %(count)d address of your account recently, "
        "the most allowed.",
        "Confirmation links went to %(count)d addresses of your account recently, "
        "the most allowed.",
        limit,
    ) % {"count": limit}
    return wait_message(reason, account.oldest + window - now)


def resend_refusal(account_id: int, email: str, now) -> str | None:
    """Why a link asked for again was not sent: too soon (None: confirmed)."""
    address = NotificationAddress.objects.get(account_id=account_id, email=email)
    if address.confirmed_at is not None:
        return None
    interval = timedelta(seconds=settings.NOTIFICATION_CONFIRMATION_INTERVAL_SECONDS)
    reason = _("A confirmation link was sent to %(email)s recently.") % {"email": email}
    return wait_message(reason, address.confirmation_sent_at + interval - now)


def wait_message(reason: str, wait: timedelta) -> str:
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return (
        reason
        + " "
        + ngettext(
            "Try again in %(minutes)d minute.",
            "Try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes}
    )


def address_send_confirmation(*, account_id: int, email: str) -> None:
    """Email the link to an address still waiting (a task calls this)."""
    address = (
        NotificationAddress.objects.select_related("account")
        .filter(account_id=account_id, email=email, confirmed_at__isnull=True)
        .first()
    )
    if address is not None:
        send_address_confirmation(address)


def address_of(token: str, *, locked: bool = False) -> NotificationAddress:
    """The address a confirmation link was made for; InvalidToken when the
    link was altered, has expired or names no address we have."""
    address_id, email = read_token(token)
    addresses = NotificationAddress.objects.select_related("account")
    if locked:
        addresses = addresses.select_for_update(of=("self",))
    address = addresses.filter(pk=address_id, email=email).first()
    if address is None:
        raise InvalidToken(expired=False)
    return address


def address_confirm(*, token: str) -> NotificationAddress:
    """Confirm the address a link was sent to and release its held emails.

    InvalidToken when the link is not good. Confirming again changes nothing.
    """
    with transaction.atomic():
        address = address_of(token, locked=True)
        if address.confirmed_at is None:
            address.confirmed_at = timezone.now()
            address.save(update_fields=["confirmed_at"])
            release_held(address)
    return address


def release_held(address: NotificationAddress) -> list[int]:
    """Make the emails held for a now confirmed address due; ids of those."""
    held = NotificationDelivery.objects.filter(
        Q(target__iexact=address.email),
        state=DeliveryState.HELD,
        channel=Channel.EMAIL,
        status_change__profile__account_id=address.account_id,
    )
    ids = list(held.values_list("pk", flat=True))
    NotificationDelivery.objects.filter(pk__in=ids).update(
        state=DeliveryState.PENDING, next_attempt_at=timezone.now()
    )
    for delivery_id in ids:
        transaction.on_commit(partial(enqueue, DELIVER_NOTIFICATION, delivery_id))
    return ids
