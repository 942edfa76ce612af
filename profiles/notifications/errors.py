"""What went wrong with one delivery attempt, and whether trying again can help."""

from __future__ import annotations


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool, status_code=None):
        super().__init__(message)
        self.permanent = permanent
        self.status_code = status_code
