"""Telling applicants about decisions: an outbox of emails and status callbacks,
and the confirmed addresses emails may go to."""

from .addresses import (
    ConfirmationRefused,
    address_confirm,
    address_of,
    address_request_confirmation,
    address_send_confirmation,
    awaiting_confirmation,
)
from .outbox import ResendRefused, create_deliveries, due_deliveries, resend
from .tokens import InvalidToken

__all__ = [
    "ConfirmationRefused",
    "InvalidToken",
    "ResendRefused",
    "address_confirm",
    "address_of",
    "address_request_confirmation",
    "address_send_confirmation",
    "awaiting_confirmation",
    "create_deliveries",
    "due_deliveries",
    "resend",
]
