"""The no-op task, the baseline of evaluation throughput."""

from __future__ import annotations

from pathlib import Path

from celery import shared_task


@shared_task(acks_late=True)
def noop(done: str = "") -> None:
    """Nothing; the last one of a burst touches a file so the bench sees the end."""
    if done:
        Path(done).touch()
