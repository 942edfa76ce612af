"""Judging a submitted profile against the secondary business policy."""

from .engine import Verdict, evaluate_submission_batch, judge, stale_submissions
from .submission import load_submission

__all__ = [
    "Verdict",
    "evaluate_submission_batch",
    "judge",
    "load_submission",
    "stale_submissions",
]
