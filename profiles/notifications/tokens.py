"""The signed link that confirms a notification address.

The token carries the address row's id and the email it was sent to, signed
with the project's secret key and timestamped, so it expires after
NOTIFICATION_CONFIRMATION_MAX_AGE_SECONDS and cannot be made for another
address or account.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

SALT = "profiles.notifications.address-confirmation"


class InvalidToken(Exception):
    """The link was altered, is for nothing we know, or has expired."""

    def __init__(self, *, expired: bool):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def make_token(address_id: int, email: str) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"id": address_id, "e": email}
    )


def read_token(token: str) -> tuple[int, str]:
    """(address id, email) of a valid, unexpired token; else InvalidToken."""
    max_age = settings.NOTIFICATION_CONFIRMATION_MAX_AGE_SECONDS
    try:
        value = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidToken(expired=True) from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise InvalidToken(expired=False) from None
    if not isinstance(value, dict):
        raise InvalidToken(expired=False)
    address_id, email = value.get("id"), value.get("e")
    if not isinstance(address_id, int) or not isinstance(email, str):
        raise InvalidToken(expired=False)
    return address_id, email
