"""Judging a submitted profile against the secondary business policy."""

from .engine import Verdict, evaluate_submission, preflight, stale_submissions

__all__ = ["Verdict", "evaluate_submission", "preflight", "stale_submissions"]
