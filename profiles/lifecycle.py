"""The status machine: the one place where a profile's status changes.

Every transition runs in one database transaction on a locked row and writes a
StatusChange audit row.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ERROR_PROFILE_LOCKED, Status
from .models import Account, CustomerProfile, Evaluation, StatusChange

EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.TWILIO_REJECTED})

TRANSITIONS = {
    Status.DRAFT: {Status.PENDING_REVIEW},
    Status.PENDING_REVIEW: {Status.IN_REVIEW, Status.TWILIO_REJECTED},
    Status.IN_REVIEW: {Status.TWILIO_APPROVED, Status.TWILIO_REJECTED},
    Status.TWILIO_REJECTED: {Status.PENDING_REVIEW},
    Status.TWILIO_APPROVED: set(),
}


class LifecycleError(Exception):
    """A workflow step refused; `message` is written for the applicant."""

    code: int | None = None
    message = _("This action is not allowed.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class ProfileLocked(LifecycleError):
    code = ERROR_PROFILE_LOCKED
    message = _(
        "This profile can no longer be edited: it has been submitted and is "
        "pending review, in review or approved."
    )


class PrimaryProfileNotApproved(LifecycleError):
    message = _(
        "Your account needs an approved primary compliance profile before you can "
        "create or submit a secondary profile."
    )


class TransitionNotAllowed(LifecycleError):
    pass


def is_editable(profile: CustomerProfile) -> bool:
    return profile.status in EDITABLE_STATUSES


def ensure_editable(profile: CustomerProfile) -> None:
    """Refuse any change to a profile that is not a draft or rejected (60711)."""
    if not is_editable(profile):
        raise ProfileLocked()


def approved_primary(account: Account) -> CustomerProfile | None:
    """The account's approved primary profile, if it has one."""
    return (
        CustomerProfile.objects.for_account(account)
        .primary()
        .filter(status=Status.TWILIO_APPROVED)
        .order_by("-updated_at")
        .first()
    )


def ensure_primary_approved(account: Account) -> CustomerProfile:
    primary = approved_primary(account)
    if primary is None:
        raise PrimaryProfileNotApproved()
    return primary


def lock_profile(profile: CustomerProfile) -> CustomerProfile:
    """Re-read the profile with a row lock; call inside transaction.atomic()."""
    return CustomerProfile.objects.select_for_update().get(pk=profile.pk)


def transition(
    profile: CustomerProfile, to_status: str, *, actor=None, reasons=()
) -> StatusChange:
    """Move a locked profile to `to_status` and record who did it and why."""
    if to_status not in TRANSITIONS[profile.status]:
        raise TransitionNotAllowed(
            _("A profile cannot go from %(from)s to %(to)s.")
            % {"from": profile.get_status_display(), "to": Status(to_status).label}
        )
    change = StatusChange.objects.create(
        profile=profile,
        from_status=profile.status,
        to_status=to_status,
        revision=profile.revision,
        actor=actor,
        reasons=list(reasons),
    )
    profile.status = to_status
    profile.save(update_fields=["status", "updated_at"])
    return change


def profile_submit(*, profile: CustomerProfile, actor) -> CustomerProfile:
    """Submit a draft or rejected profile: a new revision, pending review."""
    with transaction.atomic():
        locked = lock_profile(profile)
        ensure_editable(locked)
        locked.primary = ensure_primary_approved(locked.account)
        locked.revision += 1
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["primary", "revision", "submitted_at"])
        transition(locked, Status.PENDING_REVIEW, actor=actor)
        transaction.on_commit(
            partial(_enqueue_evaluation, profile_id=locked.pk, revision=locked.revision)
        )
    return locked


def profile_evaluated(
    *, profile: CustomerProfile, evaluation: Evaluation
) -> StatusChange:
    """Apply an evaluation to a locked pending profile: in review, or rejected."""
    if evaluation.status == Evaluation.Result.COMPLIANT:
        profile.errors = []
        to_status = Status.IN_REVIEW
    else:
        profile.errors = [
            {
                "code": result["error_code"],
                "requirement_name": result["requirement_name"],
                "message": result["failure_reason"],
            }
            for result in evaluation.failures
        ]
        to_status = Status.TWILIO_REJECTED
    profile.save(update_fields=["errors"])
    return transition(profile, to_status, reasons=profile.errors)


def _enqueue_evaluation(*, profile_id: int, revision: int) -> None:
    from .tasks import enqueue_evaluation

    enqueue_evaluation(profile_id=profile_id, revision=revision)
