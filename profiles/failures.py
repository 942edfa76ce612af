"""Where the applicant fixes each evaluation failure: its step, field and link.

The places come from the wizard's steps (see steps): the policy field each
step asks, and the reviewer's rejection codes each step answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import RejectionCode, Status
from .steps import SECONDARY_WIZARD, Wizard


@dataclass(frozen=True)
class Failure:
    step: str | None
    field: str | None  # the wizard's form field name, e.g. "address-street"
    label: str
    reason: str
    code: int | None

    @property
    def anchor(self) -> str:
        return f"#id_{self.field}" if self.field else ""


@dataclass(frozen=True)
class StepFailures:
    step: str | None
    title: str
    url: str | None
    failures: list[Failure]


def failures_of(
    results: list[dict], wizard: Wizard = SECONDARY_WIZARD
) -> list[Failure]:
    """Each failed requirement's invalid fields, or the requirement itself."""
    found = []
    for result in results:
        if not result["passed"]:
            found += _result_failures(wizard, result)
    return found


def _result_failures(wizard: Wizard, result: dict) -> list[Failure]:
    """The requirement's own reason when no field carries it, then each field's."""
    failures = []
    name = result["requirement_name"]
    requirement = wizard.policy.get(name)
    field_reasons = {entry["failure_reason"] for entry in result["invalid"]}
    if requirement is None or result["failure_reason"] not in field_reasons:
        step, _field = wizard.place(name, None)
        label = result.get("requirement_friendly_name", "")
        failures.append(
            Failure(step, None, label, result["failure_reason"], result["error_code"])
        )
    for entry in result["invalid"] if requirement else []:
        step, field = wizard.place(name, entry["object_field"])
        failures.append(
            Failure(
                step,
                field,
                f"{requirement.friendly_name}: {entry['friendly_name']}",
                entry["failure_reason"],
                entry["error_code"],
            )
        )
    return failures


def reviewer_failures(
    errors: list[dict], wizard: Wizard = SECONDARY_WIZARD
) -> list[Failure]:
    """A reviewer's rejection reasons, placed at the fields their codes name."""
    failures = []
    for error in errors:
        if error.get("code") not in wizard.reviewer_places:
            continue
        step, field = wizard.reviewer_places[error["code"]]
        label = str(RejectionCode(error["code"]).label)
        failures.append(Failure(step, field, label, error["message"], error["code"]))
    return failures


def rejection_failures(profile, evaluation) -> list:
    """Why a rejected profile was rejected: the reviewer's codes or the rules'."""
    if profile.status != Status.TWILIO_REJECTED:
        return []
    by_reviewer = reviewer_failures(profile.errors)
    if by_reviewer or evaluation is None:
        return by_reviewer
    return failures_of(evaluation.results)


def group_by_step(
    profile, failures: list[Failure], wizard: Wizard = SECONDARY_WIZARD
) -> list[StepFailures]:
    """Failures in wizard order; account-level ones (no step) come last."""
    grouped = defaultdict(list)
    for failure in failures:
        grouped[failure.step].append(failure)
    order = [s for s in wizard.names if s in grouped] + (
        [None] if None in grouped else []
    )
    return [
        StepFailures(
            step,
            wizard.titles.get(step, _("Account")),
            wizard.step_url(profile, step) if step else None,
            grouped[step],
        )
        for step in order
    ]


def annotate_form(form, step: str, failures: list[Failure]) -> None:
    """Show failures of `step` as errors on an unbound form or formset."""
    mine = [f for f in failures if f.step == step]
    if form.is_bound or not mine:
        return
    subforms = getattr(form, "forms", None)
    if subforms is None:
        for failure in mine:
            name = failure.field.split("-")[-1] if failure.field else None
            _add_error(form, name, failure.reason)
        return
    for failure in mine:
        if failure.field:
            _step, index, name = failure.field.split("-")
            _add_error(subforms[int(index)], name, failure.reason)
    # An unbound formset's errors are empty: give it its forms' and its own.
    form.errors.extend(sub.errors for sub in subforms)
    form.non_form_errors().extend(f.reason for f in mine if not f.field)


def _add_error(form, name: str | None, message: str) -> None:
    if not hasattr(form, "cleaned_data"):
        # An unbound form has no cleaned data, which add_error() updates.
        form.cleaned_data = {}
    form.add_error(name if name in form.fields else None, message)
