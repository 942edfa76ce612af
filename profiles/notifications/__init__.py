"""Telling applicants about decisions: an outbox of emails and status callbacks."""

from .outbox import due_deliveries, record, resend

__all__ = ["due_deliveries", "record", "resend"]
