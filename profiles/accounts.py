"""What is done to an account as a whole: by its members, and by an operator."""

from __future__ import annotations

from django.db import transaction

from .choices import ErasureKind
from .erasure import profiles_erase
from .models import Account, CustomerProfile, Erasure, new_signing_secret


def account_rotate_secret(*, account: Account) -> Account:
    """Replace the status-callback signing secret; the old one stops working."""
    account.webhook_secret = new_signing_secret()
    account.save(update_fields=["webhook_secret"])
    return account


def account_erase(*, account: Account, actor) -> Erasure:
    """Delete an account, its memberships and its profiles with every row of
    theirs; their documents' files are deleted once committed.

    The members' logins stay (without an account); the Erasure row records it.
    """
    with transaction.atomic():
        # Locked: no profile is started for the account while it goes.
        locked = Account.objects.select_for_update().get(pk=account.pk)
        erasure = profiles_erase(
            CustomerProfile.objects.filter(account=locked),
            kind=ErasureKind.ACCOUNT,
            sid=locked.sid,
            account_sid=locked.sid,
            actor=actor,
        )
        locked.delete()
    return erasure
