"""The wizards' steps: the registry (registry.py) and each wizard's declaration."""

from __future__ import annotations

from .registry import Asks, Step, Wizard, asks, form_asks, profiles_reading
from .secondary import SECONDARY_WIZARD

# The secondary wizard's names, for the pages and tests that list its steps.
STEPS = tuple((step.name, step.title) for step in SECONDARY_WIZARD.steps)
STEP_NAMES = SECONDARY_WIZARD.names
STEP_TITLES = SECONDARY_WIZARD.titles
resume_step = SECONDARY_WIZARD.resume_step
step_url = SECONDARY_WIZARD.step_url
step_urls = SECONDARY_WIZARD.step_urls

__all__ = [
    "SECONDARY_WIZARD",
    "STEPS",
    "STEP_NAMES",
    "STEP_TITLES",
    "Asks",
    "Step",
    "Wizard",
    "asks",
    "form_asks",
    "profiles_reading",
    "resume_step",
    "step_url",
    "step_urls",
]
