"""Account-level actions an applicant takes on their own account."""

from __future__ import annotations

from .models import Account, new_signing_secret


def account_rotate_secret(*, account: Account) -> Account:
    """Replace the status-callback signing secret; the old one stops working."""
    account.webhook_secret = new_signing_secret()
    account.save(update_fields=["webhook_secret"])
    return account
