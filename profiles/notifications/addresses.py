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
from django.db.models import Q
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
    confirmed = NotificationAddress.objects.filter(
        account_id__in=account_ids,
        email__in={email for _account, email in wanted},
        confirmed_at__isnull=False,
    ).values_list("account_id", "email")
    return wanted & (member_emails(account_ids) | set(confirmed))


def is_verified(account: Account, email: str) -> bool:
    return bool(verified_emails([(account.pk, email)]))


def awaiting_confirmation(account: Account, email: str) -> NotificationAddress | None:
    """The address's row while it waits to be confirmed (unsaved when no link
    was ever sent); None when there is no address or it is verified."""
    if not email or is_verified(account, email):
        return None
    address = NotificationAddress.objects.filter(
        account=account, email=email.lower()
    ).first()
    return address or NotificationAddress(account=account, email=email.lower())


def address_request_confirmation(*, account: Account, email: str) -> bool:
    """Send the confirmation link to an unverified address; False when it
    needs none. ConfirmationRefused when one went out too recently.

    The limits are counted under a lock on the account's row, so processes
    asking at once cannot both pass them.
    """
    if not email or is_verified(account, email):
        return False
    with transaction.atomic():
        Account.objects.select_for_update().filter(pk=account.pk).first()
        address, _created = NotificationAddress.objects.get_or_create(
            account=account, email=email.lower()
        )
        now = timezone.now()
        check_confirmation_limits(address, now)
        address.confirmation_sent_at = now
        address.save(update_fields=["confirmation_sent_at"])
        transaction.on_commit(partial(enqueue, SEND_ADDRESS_CONFIRMATION, address.pk))
    return True


def check_confirmation_limits(address: NotificationAddress, now) -> None:
    """Once per address per interval; LIMIT addresses per account per window."""
    interval = timedelta(seconds=settings.NOTIFICATION_CONFIRMATION_INTERVAL_SECONDS)
    sent = address.confirmation_sent_at
    if sent and now < sent + interval:
        raise ConfirmationRefused(
            wait_message(
                _("A confirmation link was sent to %(email)s recently.")
                % {"email": address.email},
                sent + interval - now,
            )
        )
    window = timedelta(seconds=settings.NOTIFICATION_RESEND_ACCOUNT_WINDOW_SECONDS)
    recent = NotificationAddress.objects.filter(
        account_id=address.account_id, confirmation_sent_at__gt=now - window
    ).exclude(pk=address.pk)
    limit = settings.NOTIFICATION_CONFIRMATION_ACCOUNT_LIMIT
    if recent.count() >= limit:
        oldest = recent.order_by("confirmation_sent_at").first().confirmation_sent_at
        raise ConfirmationRefused(
            wait_message(
                ngettext(
                    "Confirmation links went to %(count)d address of your account "
                    "recently, the most allowed.",
                    "Confirmation links went to %(count)d addresses of your account "
                    "recently, the most allowed.",
                    limit,
                )
                % {"count": limit},
                oldest + window - now,
            )
        )


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


def address_send_confirmation(*, address_id: int) -> None:
    """Email the link to an address still waiting (a task calls this)."""
    address = (
        NotificationAddress.objects.select_related("account")
        .filter(pk=address_id, confirmed_at__isnull=True)
        .first()
    )
    if address is not None:
        send_address_confirmation(address)


def address_confirm(*, token: str) -> NotificationAddress:
    """Confirm the address a link was sent to and release its held emails.

    InvalidToken when the link was altered or has expired. Confirming again
    changes nothing.
    """
    address_id, email = read_token(token)
    with transaction.atomic():
        address = (
            NotificationAddress.objects.select_for_update()
            .select_related("account")
            .filter(pk=address_id, email=email)
            .first()
        )
        if address is None:
            raise InvalidToken(expired=False)
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
