"""The wizard's steps, in order, with the titles the applicant sees."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

STEPS = (
    ("general", _("General information")),
    ("business", _("Business information")),
    ("representatives", _("Authorized representatives")),
    ("address", _("Address")),
    ("documents", _("Supporting documents")),
    ("notifications", _("Notification settings")),
    ("review", _("Review and submit")),
)
STEP_NAMES = tuple(name for name, _title in STEPS)
STEP_TITLES = dict(STEPS)


def step_url(profile, step: str) -> str:
    return reverse("profiles:step", kwargs={"sid": profile.sid, "step": step})


def resume_step(profile) -> str:
    """The first step the applicant has not saved yet, else the review."""
    done = set(profile.completed_steps)
    return next((name for name in STEP_NAMES if name not in done), STEP_NAMES[-1])
