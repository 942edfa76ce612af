"""Telling applicants about decisions: an outbox of emails and status callbacks."""

from .outbox import create_deliveries, due_deliveries, resend

__all__ = ["due_deliveries", "create_deliveries", "resend"]
