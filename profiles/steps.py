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


# Stands in for a step's name when the steps' URLs are reversed once.
STEP_SLOT = "step-slot"


def step_url(profile, step: str) -> str:
    return reverse("profiles:step", kwargs={"sid": profile.sid, "step": step})


def step_urls(profile) -> dict[str, str]:
    """Every step's URL for `profile`, from one reverse()."""
    pattern = step_url(profile, STEP_SLOT)
    return {name: pattern.replace(STEP_SLOT, name) for name in STEP_NAMES}


def resume_step(profile) -> str:
    """The first step the applicant has not saved yet, else the review."""
    done = set(profile.completed_steps)
    return next((name for name in STEP_NAMES if name not in done), STEP_NAMES[-1])
