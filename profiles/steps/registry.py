"""A wizard's steps, each declared once, and everything derived from them.

A `Step` names its title, its form, how the form is filled from the saved
answers and how a valid one is saved (a writer of `drafts`), its page (a
template extending profiles/wizard.html) and its section of the review
summary, the rows it reads with the profile, and the policy fields it asks.
A `Wizard` pairs steps with the policy that judges their answers and names the
kind of profile it edits; from it come formtools' form_list, the progress
list, where each evaluation failure or reviewer's code is fixed, and which form
fields the policy requires.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

from django.db.models import QuerySet
from django.urls import reverse

from .. import drafts
from ..evaluation.policy import Policy
from ..models import CustomerProfile
from ..reads import with_rows


@dataclass(frozen=True)
class Asks:
    """Fields of one policy requirement that a step's form asks."""

    requirement: str
    # (the policy's object_field, the form's field), usually the same name.
    fields: tuple[tuple[str, str], ...]
    # The form of a formset that holds them ("0" is the first), if any.
    form: str = ""


def asks(requirement: str, *names: str, form: str = "", **renamed: str) -> Asks:
    """`requirement`'s fields `names`, and `renamed` as policy=form field."""
    pairs = tuple((name, name) for name in names) + tuple(renamed.items())
    return Asks(requirement, pairs, form)


def form_asks(policy: Policy, requirement: str, form: type, *, index: str = "") -> Asks:
    """The fields of `form` that the policy's `requirement` names, asked under
    the same names (`index`: the form's place in a formset)."""
    spec = policy.get(requirement)
    names = [name for name in form.base_fields if spec.field(name) is not None]
    return asks(requirement, *names, form=index)


def no_answers(profile: CustomerProfile) -> dict:
    return {}


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    form: type
    # The step's page, a template extending profiles/wizard.html.
    template: str
    # Its section of the review summary (and of the profile's page), if any.
    summary: str | None = None
    # The form's keyword arguments from the saved answers (instance, initial...).
    answers: Callable[[CustomerProfile], dict] = no_answers
    # Saves a valid form (see drafts); None: posting the step saves nothing.
    save: drafts.StepWriter | None = None
    # The profile's relations the step reads with it (see reads.with_rows).
    reads: tuple[str, ...] = ()
    # The step shows every answer and what the rules find in them.
    reviews: bool = False
    asks: tuple[Asks, ...] = ()
    # The reviewer's rejection codes fixed on this step: (code, form field).
    reviewer_codes: tuple[tuple[int, str], ...] = ()
    # More for the step's page, from the saved profile.
    context: Callable[[CustomerProfile], dict] = no_answers

    def field_name(self, field: str, form: str = "") -> str:
        """The field's name in the page, e.g. "representatives-1-email"."""
        return "-".join(part for part in (self.name, form, field) if part)


@dataclass(frozen=True)
class Wizard:
    steps: tuple[Step, ...]
    policy: Policy
    # The kind of profile the wizard edits (a ProfileKind): lifecycle.edit_allowed
    # refuses every other profile, whatever its status.
    kind: str
    # The URL of a step, reversed with the profile's sid and the step's name.
    url_name: str = "profiles:step"

    def __getitem__(self, name: str) -> Step:
        return self.by_name[name]

    @cached_property
    def by_name(self) -> dict[str, Step]:
        return {step.name: step for step in self.steps}

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.steps)

    @cached_property
    def titles(self) -> dict[str, str]:
        return {step.name: step.title for step in self.steps}

    @property
    def form_list(self) -> list[tuple[str, type]]:
        """formtools' form_list."""
        return [(step.name, step.form) for step in self.steps]

    @cached_property
    def summary_steps(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.summary)

    def resume_step(self, profile) -> str:
        """The first step the applicant has not saved yet, else the last."""
        done = set(profile.completed_steps)
        return next((name for name in self.names if name not in done), self.names[-1])

    def step_url(self, profile, step: str) -> str:
        return reverse(self.url_name, kwargs={"sid": profile.sid, "step": step})

    def step_urls(self, profile) -> dict[str, str]:
        """Every step's URL for `profile`, from one reverse()."""
        pattern = self.step_url(profile, STEP_SLOT)
        return {name: pattern.replace(STEP_SLOT, name) for name in self.names}

    def profiles_reading(self, step: str | None, *, posting: bool) -> QuerySet:
        """The profiles, read with what `step` shows: its rows, and on a step
        that reviews, the account's approved primary. A post that saves reads
        what the form needs; one that saves nothing (the review submits) reads
        no rows.
        """
        found = self.by_name.get(step)
        if found is None or (posting and found.save is None):
            return profiles_reading((), False)
        return profiles_reading(found.reads, found.reviews and not posting)

    # --- Where the applicant fixes what the policy or a reviewer names ---------

    @cached_property
    def places(self) -> dict[tuple[str, str], tuple[str, str]]:
        """{(requirement, object_field): (step, the page's field name)}."""
        return {
            (asked.requirement, policy_field): (
                step.name,
                step.field_name(form_field, asked.form),
            )
            for step in self.steps
            for asked in step.asks
            for policy_field, form_field in asked.fields
        }

    @cached_property
    def requirement_steps(self) -> dict[str, str]:
        """{requirement: the first step asking any of its fields}."""
        steps = {}
        for step in self.steps:
            for asked in step.asks:
                steps.setdefault(asked.requirement, step.name)
        return steps

    def place(self, requirement: str, object_field: str | None):
        """(step, field name) where the applicant fixes a requirement's field;
        (its first step, None) for the requirement as a whole or a field no step
        asks; (None, None) for a requirement no step asks."""
        found = self.places.get((requirement, object_field))
        return found or (self.requirement_steps.get(requirement), None)

    @cached_property
    def reviewer_places(self) -> dict[int, tuple[str, str]]:
        """{reviewer's rejection code: (step, the page's field name)}."""
        return {
            code: (step.name, step.field_name(field))
            for step in self.steps
            for code, field in step.reviewer_codes
        }

    @cached_property
    def required(self) -> dict[str, tuple[str, ...]]:
        """{step: its form's fields that the policy requires}."""
        required = {step.name: [] for step in self.steps}
        for step in self.steps:
            for asked in step.asks:
                requirement = self.policy.get(asked.requirement)
                for policy_field, form_field in asked.fields:
                    spec = requirement.field(policy_field)
                    if spec.required and form_field not in required[step.name]:
                        required[step.name].append(form_field)
        return {name: tuple(fields) for name, fields in required.items()}


# Stands in for a step's name when the steps' URLs are reversed once.
STEP_SLOT = "step-slot"


@cache
def profiles_reading(relations: tuple[str, ...], approved_primary: bool) -> QuerySet:
    """Profiles read with `relations` (and their approved primary), built once:
    building the review step's read cost more than running it."""
    profiles = CustomerProfile.objects.all()
    if approved_primary:
        profiles = profiles.with_approved_primary()
    return with_rows(profiles, *relations)
