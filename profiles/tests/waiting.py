"""Waiting for a decision that a worker in another thread or process makes."""

from __future__ import annotations

import time

from profiles.choices import Status
from profiles.models import CustomerProfile


def wait_for_decision(profile, timeout: float = 20.0) -> CustomerProfile:
    """The profile, read again until it is no longer pending review, or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        profile.refresh_from_db()
        if profile.status != Status.PENDING_REVIEW:
            return profile
        time.sleep(0.05)
    raise AssertionError(f"{profile.sid} was not decided within {timeout} s")
