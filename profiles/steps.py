"""The wizard's steps, in order, with the titles the applicant sees and what
each step reads."""

from __future__ import annotations

from functools import cache

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import CustomerProfile
from .reads import with_rows

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


# The one-to-one rows each step shows, read with the profile (see reads).
STEP_ROWS = {
    "general": ["business_information"],
    "business": ["business_information"],
    "address": ["address"],
    "review": ["business_information", "address"],
}
# Steps whose answers a POST saves (documents go to storage, review submits).
SAVED_WITH_THE_READ = {
    "general",
    "business",
    "representatives",
    "address",
    "notifications",
}
# The rows of other tables each step reads, in the profile's query (see reads).
STEP_RELATIONS = {
    "representatives": ["representatives"],
    "documents": ["documents"],
    "review": ["representatives", "documents"],
}


def step_reads(step: str | None, *, posting: bool) -> tuple[str, ...]:
    """The relations a step reads with its profile: the one-to-one rows it
    shows, and the other rows (none when posting the review step: it submits)."""
    rows = () if posting and step == STEP_NAMES[-1] else STEP_RELATIONS.get(step, ())
    return (*STEP_ROWS.get(step, ()), *rows)


@cache
def step_profiles(step: str | None, relations: tuple[str, ...], locking: bool):
    """How a step reads its profile: with `relations` (see reads.with_rows), on
    the review step the account's approved primary (a subquery), and with its
    row lock when `locking`.

    Built once per step: building the review step's read cost more than
    running it.
    """
    profiles = CustomerProfile.objects.all()
    if step == STEP_NAMES[-1]:
        profiles = profiles.with_approved_primary()
    if locking:
        profiles = profiles.select_for_update(of=("self",))
    return with_rows(profiles, *relations)
