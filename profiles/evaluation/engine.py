"""Run the policy over a submission and record the verdict once per revision."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone, translation
from django.utils.translation import get_language

from ..choices import Status
from ..lifecycle import profiles_evaluated
from ..models import CustomerProfile, Evaluation
from . import rules
from .policy import SECONDARY_BUSINESS_POLICY, Requirement
from .submission import Submission, submission_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    results: list[dict]
    warnings: list[dict]

    @property
    def compliant(self) -> bool:
        return all(result["passed"] for result in self.results)


def judge_requirement(
    requirement: Requirement, submission: Submission, names: dict
) -> dict:
    """One entry of Trust Hub's results[] for `requirement`; `names` are the
    friendly names in the active language (friendly_names())."""
    findings = list(requirement.check(submission))
    entity_missing = any(f.object_field is None for f in findings)
    invalid = {}
    for finding in findings:
        if finding.object_field is not None:
            # The first finding of a field is the one to act on.
            invalid.setdefault(finding.object_field, finding)
    valid = (
        []
        if entity_missing
        else [spec for spec in requirement.fields if spec.object_field not in invalid]
    )
    first = findings[0] if findings else None
    return {
        "requirement_name": requirement.name,
        "requirement_friendly_name": names[requirement.name],
        "passed": not findings,
        "failure_reason": first.failure_reason if first else None,
        "error_code": first.error_code if first else None,
        "valid": [
            _field_entry(requirement, spec.object_field, names) for spec in valid
        ],
        "invalid": [
            _field_entry(requirement, name, names, finding)
            for name, finding in invalid.items()
        ],
    }


def _field_entry(requirement: Requirement, name: str, names: dict, finding=None):
    return {
        "friendly_name": names.get((requirement.name, name), name),
        "object_field": name,
        "failure_reason": finding.failure_reason if finding else None,
        "error_code": finding.error_code if finding else None,
    }


@cache
def friendly_names(language: str | None) -> dict:
    """The policy's requirement and field names in `language`, translated once
    (per evaluation they were 34 translations)."""
    with translation.override(language):
        names = {}
        for requirement in SECONDARY_BUSINESS_POLICY:
            names[requirement.name] = str(requirement.friendly_name)
            for spec in requirement.fields:
                names[requirement.name, spec.object_field] = str(spec.friendly_name)
        return names


def judge(submission: Submission) -> Verdict:
    """Apply every requirement of the secondary policy."""
    names = friendly_names(get_language())
    return Verdict(
        results=[
            judge_requirement(r, submission, names) for r in SECONDARY_BUSINESS_POLICY
        ],
        warnings=list(rules.email_domain_warnings(submission)),
    )


def evaluate_submission_batch(*, profile_id: int, revision: int) -> Evaluation | None:
    """Evaluate a submitted revision, together with other submissions waiting.

    A repeat or stale call changes nothing for its own profile. Either way,
    other pending profiles that no worker holds are evaluated in the same
    transaction (up to EVALUATION_BATCH_SIZE in all), so a burst is decided a
    batch per message and the rest of its messages cost a query or two.
    Returns the evaluation of this revision if this call made it.
    """
    try:
        with transaction.atomic():
            profiles = lock_batch(profile_id, revision)
            if not profiles:
                return None
            evaluations = Evaluation.objects.bulk_create(
                _evaluation(profile) for profile in profiles
            )
            profiles_evaluated(list(zip(profiles, evaluations, strict=True)))
    except IntegrityError:
        # Another worker recorded one of these revisions first.
        return None
    own = evaluations[0]
    return own if own.profile_id == profile_id else None


def _with_answers():
    """Profiles read with their one-to-one answers and their approved primary."""
    return CustomerProfile.objects.select_related(
        "account", "business_information", "address"
    ).with_approved_primary()


def lock_batch(profile_id: int, revision: int) -> list[CustomerProfile]:
    """This revision's profile if it still waits, then others nobody holds."""
    own = _lock_own(profile_id, revision)
    others = (
        _with_answers()
        .select_for_update(skip_locked=True, of=("self",))
        .filter(status=Status.PENDING_REVIEW)
        .exclude(pk=profile_id)
        .order_by("submitted_at")[: settings.EVALUATION_BATCH_SIZE - len(own)]
    )
    batch = [*own, *others]
    prefetch_related_objects(batch, "representatives", "documents")
    return batch


def _lock_own(profile_id: int, revision: int) -> list[CustomerProfile]:
    """[the profile] if this revision waits; its row lock is waited for."""
    waiting = CustomerProfile.objects.filter(
        pk=profile_id, revision=revision, status=Status.PENDING_REVIEW
    )
    # A look without a lock first: a message for a profile that another batch
    # decided (or holds) need not wait for its row.
    if not waiting.exists():
        return []
    try:
        profile = _with_answers().select_for_update(of=("self",)).get(pk=profile_id)
    except CustomerProfile.DoesNotExist:
        logger.warning("Profile %s vanished before its evaluation", profile_id)
        return []
    # Another worker may have decided it while this one waited for the lock.
    if profile.status != Status.PENDING_REVIEW or profile.revision != revision:
        return []
    return [profile]


def _evaluation(profile: CustomerProfile) -> Evaluation:
    verdict = judge(submission_of(profile))
    return Evaluation(
        profile=profile,
        revision=profile.revision,
        policy_sid=profile.policy_sid,
        status=Evaluation.Result.COMPLIANT
        if verdict.compliant
        else Evaluation.Result.NONCOMPLIANT,
        results=verdict.results,
        warnings=verdict.warnings,
    )


def stale_submissions() -> list[tuple[int, int]]:
    """(id, revision) of profiles pending review for longer than the sweep allows."""
    cutoff = timezone.now() - timedelta(seconds=settings.EVALUATION_SWEEP_AFTER_SECONDS)
    pending = CustomerProfile.objects.filter(
        status=Status.PENDING_REVIEW, submitted_at__lt=cutoff
    ).order_by("submitted_at")
    return list(pending.values_list("pk", "revision")[:1000])
