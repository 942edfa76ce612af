"""The status machine: the one place where a profile's status changes.

Every transition runs in one database transaction on a locked row, writes a
StatusChange audit row and the notifications it causes (the outbox), and says
who may fire it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, partial

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import notifications
from .access import account_for, is_reviewer
from .choices import ERROR_PROFILE_LOCKED, ProfileKind, RejectionCode, Status
from .models import Account, CustomerProfile, Evaluation, StatusChange
from .queueing import EVALUATE_PROFILE, enqueue

EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.TWILIO_REJECTED})

TRANSITIONS = {
    Status.DRAFT: {Status.PENDING_REVIEW},
    Status.PENDING_REVIEW: {Status.IN_REVIEW, Status.TWILIO_REJECTED},
    Status.IN_REVIEW: {Status.TWILIO_APPROVED, Status.TWILIO_REJECTED},
    Status.TWILIO_REJECTED: {Status.PENDING_REVIEW},
    # A reviewer may revoke an approval (a primary profile found wrong later).
    Status.TWILIO_APPROVED: {Status.TWILIO_REJECTED},
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


class NotEditableHere(ProfileLocked):
    message = _(
        "This profile cannot be edited here: only secondary profiles are edited "
        "in the portal, and only while they are drafts or rejected."
    )


class NotADraft(LifecycleError):
    message = _("Only a draft that was never submitted can be deleted.")


class PrimaryProfileNotApproved(LifecycleError):
    message = _(
        "Your account needs an approved primary compliance profile before you can "
        "create or submit a secondary profile."
    )


class TransitionNotAllowed(LifecycleError):
    pass


class NotAReviewer(LifecycleError):
    message = _("Only members of the Reviewers group may approve or reject profiles.")


class InvalidRejection(LifecycleError):
    message = _("Choose at least one rejection code and give a reason for each.")


# --- Who may decide what ------------------------------------------------------


def decisions_allowed(profile: CustomerProfile, user) -> frozenset[str]:
    """What `user` may decide on `profile` now: "approve", "reject", "expire".

    The admin offers these buttons and no others; the decisions refuse the rest.
    """
    if user is None or not is_reviewer(user):
        return frozenset()
    return open_decisions(profile)


def open_decisions(profile: CustomerProfile) -> frozenset[str]:
    """The decisions a profile's status leaves open, to any reviewer.

    An in-review profile is approved or rejected. Only a primary's approval can
    be revoked (a secondary's decision stands), and only an unexpired one can
    be ended early: expiring is what blocks the account's new submissions.
    """
    if profile.status == Status.IN_REVIEW:
        return frozenset({"approve", "reject"})
    if profile.status != Status.TWILIO_APPROVED or profile.kind != ProfileKind.PRIMARY:
        return frozenset()
    expired = profile.valid_until is not None and profile.valid_until <= timezone.now()
    return frozenset({"reject"} if expired else {"reject", "expire"})


# --- Who may edit what ---------------------------------------------------------


def edit_refusal(
    profile: CustomerProfile, *, kind: str, user=None
) -> ProfileLocked | None:
    """Why `profile` may not be changed now through a wizard of `kind` profiles
    (by `user`, when one is named), or None when it may.

    Only a draft or rejected profile of the wizard's kind, by a member of its
    own account. A profile of another kind is never edited through the wizard,
    whatever its status: a rejected or revoked primary stays as reviewers left
    it. Services that lock the row ask again without a user: their entry point
    asked with one.
    """
    if profile.kind != kind:
        return NotEditableHere()
    if user is not None:
        account = account_for(user)
        if account is None or account.pk != profile.account_id:
            return NotEditableHere()
    if profile.status not in EDITABLE_STATUSES:
        return ProfileLocked()
    return None


def edit_allowed(profile: CustomerProfile, *, kind: str, user=None) -> bool:
    """Whether `profile` may be changed now through a wizard of `kind` profiles
    (see edit_refusal)."""
    return edit_refusal(profile, kind=kind, user=user) is None


def ensure_edit_allowed(profile: CustomerProfile, *, kind: str, user=None) -> None:
    """Refuse a change that edit_refusal() refuses (60711)."""
    refusal = edit_refusal(profile, kind=kind, user=user)
    if refusal is not None:
        raise refusal


def is_deletable(profile: CustomerProfile) -> bool:
    """Only a secondary draft, never submitted, may be deleted by its account."""
    return profile.kind == ProfileKind.SECONDARY and profile.status == Status.DRAFT


def approved_primary(account: Account) -> CustomerProfile | None:
    """The account's approved, unexpired primary profile, if it has one."""
    primaries = CustomerProfile.objects.approved_primaries()
    return primaries.filter(account=account).first()


def has_approved_primary(account: Account) -> bool:
    """Whether the account may add secondary profiles (one query, no row read)."""
    return CustomerProfile.objects.approved_primaries().filter(account=account).exists()


def ensure_primary_approved(account: Account) -> CustomerProfile:
    primary = approved_primary(account)
    if primary is None:
        raise PrimaryProfileNotApproved()
    return primary


def lock_profile(profile: CustomerProfile) -> CustomerProfile:
    """Re-read the profile with a row lock, carrying `approved_primary_id` (its
    account's approved primary, or None); call inside transaction.atomic()."""
    return _locking().get(pk=profile.pk)


@cache
def _locking():
    """lock_profile()'s read, built once."""
    profiles = CustomerProfile.objects.select_related("account")
    return profiles.with_approved_primary().select_for_update(of=("self",))


@dataclass(frozen=True)
class Move:
    """One locked profile's next status, and the reasons given for it."""

    profile: CustomerProfile
    to_status: str
    reasons: list = field(default_factory=list)


def transition(
    profile: CustomerProfile, to_status: str, *, actor=None, reasons=(), fields=()
) -> StatusChange:
    """Move a locked profile to `to_status` and record who did it and why.

    `fields` names the other columns the caller changed, saved in the same UPDATE.
    """
    move = Move(profile, to_status, list(reasons))
    return transitions([move], actor=actor, fields=fields)[0]


def transitions(moves: list[Move], *, actor=None, fields=()) -> list[StatusChange]:
    """Move locked profiles, each to its status, with one write per table."""
    for move in moves:
        _ensure_allowed(move.profile, move.to_status)
    counts = _change_counts([move.profile for move in moves])
    changes = StatusChange.objects.bulk_create(
        StatusChange(
            profile=move.profile,
            from_status=move.profile.status,
            to_status=move.to_status,
            revision=move.profile.revision,
            sequence=counts.get(move.profile.pk, 0) + 1,
            actor=actor,
            reasons=move.reasons,
        )
        for move in moves
    )
    now = timezone.now()
    for move in moves:
        move.profile.status, move.profile.updated_at = move.to_status, now
    _write_columns([move.profile for move in moves], ["status", "updated_at", *fields])
    notifications.create_deliveries(changes)
    return changes


def _write_columns(profiles: list[CustomerProfile], names: list[str]) -> None:
    """Save the profiles' `names` columns: one UPDATE per status for profiles that
    agree on every column (a batch's compliant profiles), one bulk_update for
    the others.

    bulk_update writes a CASE per column per profile: for a batch of fifty it
    cost more than the rest of the batch's evaluation.
    """
    by_status = defaultdict(list)
    for profile in profiles:
        by_status[profile.status].append(profile)
    others = []
    for group in by_status.values():
        values = _shared_values(group, names)
        if values is None:
            others.extend(group)
            continue
        pks = [profile.pk for profile in group]
        CustomerProfile.objects.filter(pk__in=pks).update(**values)
    if others:
        CustomerProfile.objects.bulk_update(others, names)


def _shared_values(profiles: list[CustomerProfile], names: list[str]) -> dict | None:
    """{column: value} if all `profiles` hold the same `names` values, else None."""
    attnames = [CustomerProfile._meta.get_field(name).attname for name in names]
    values = [{name: getattr(p, name) for name in attnames} for p in profiles]
    return values[0] if all(other == values[0] for other in values) else None


def _ensure_allowed(profile: CustomerProfile, to_status: str) -> None:
    if to_status not in TRANSITIONS[profile.status]:
        raise TransitionNotAllowed(
            _("A profile cannot go from %(from)s to %(to)s.")
            % {"from": profile.get_status_display(), "to": Status(to_status).label}
        )


def _change_counts(profiles: list[CustomerProfile]) -> dict[int, int]:
    """{profile id: status changes so far}, for the next sequence numbers."""
    changes = StatusChange.objects.filter(profile__in=profiles).order_by()
    counts = changes.values("profile").annotate(count=Count("pk"))
    return {row["profile"]: row["count"] for row in counts}


def profile_submit(*, profile: CustomerProfile, actor) -> CustomerProfile:
    """Submit a draft or rejected secondary profile: a new revision, pending review."""
    with transaction.atomic():
        locked = lock_profile(profile)
        # The entry point asked with its user (see edit_refusal).
        ensure_edit_allowed(locked, kind=ProfileKind.SECONDARY)
        if locked.approved_primary_id is None:
            raise PrimaryProfileNotApproved()
        locked.primary_id = locked.approved_primary_id
        locked.revision += 1
        locked.submitted_at = timezone.now()
        transition(
            locked,
            Status.PENDING_REVIEW,
            actor=actor,
            fields=["primary", "revision", "submitted_at"],
        )
        transaction.on_commit(
            partial(_enqueue_evaluation, profile_id=locked.pk, revision=locked.revision)
        )
    return locked


def profiles_evaluated(
    evaluated: list[tuple[CustomerProfile, Evaluation]],
) -> list[StatusChange]:
    """Apply evaluations to locked pending profiles: in review, or rejected."""
    moves = []
    for profile, evaluation in evaluated:
        profile.errors = [
            {
                "code": result["error_code"],
                "requirement_name": result["requirement_name"],
                "message": result["failure_reason"],
            }
            for result in evaluation.failures
        ]
        compliant = evaluation.status == Evaluation.Result.COMPLIANT
        to_status = Status.IN_REVIEW if compliant else Status.TWILIO_REJECTED
        moves.append(Move(profile, to_status, profile.errors))
    return transitions(moves, fields=["errors"])


def _enqueue_evaluation(*, profile_id: int, revision: int) -> None:
    enqueue(EVALUATE_PROFILE, profile_id, revision)


def profile_approve(*, profile: CustomerProfile, reviewer) -> CustomerProfile:
    """A reviewer approves an in-review profile for the configured validity."""
    ensure_reviewer(reviewer)
    with transaction.atomic():
        locked = _lock_to_decide(profile, "approve")
        locked.errors = []
        locked.valid_until = timezone.now() + timedelta(
            days=settings.PROFILE_VALIDITY_DAYS
        )
        transition(
            locked,
            Status.TWILIO_APPROVED,
            actor=reviewer,
            fields=["errors", "valid_until"],
        )
    return locked


def profile_reject(
    *, profile: CustomerProfile, reviewer, errors: list[dict]
) -> CustomerProfile:
    """A reviewer rejects a profile with Trust Hub codes and a reason for each."""
    ensure_reviewer(reviewer)
    errors = clean_rejection(errors)
    with transaction.atomic():
        locked = _lock_to_decide(profile, "reject")
        locked.errors = errors
        transition(
            locked,
            Status.TWILIO_REJECTED,
            actor=reviewer,
            reasons=errors,
            fields=["errors"],
        )
    return locked


def primary_profile_create(
    *, account: Account, friendly_name: str, email: str, actor
) -> CustomerProfile:
    """Register an account's primary profile, straight into review."""
    ensure_reviewer(actor)
    with transaction.atomic():
        profile = CustomerProfile.objects.create(
            account=account,
            kind=ProfileKind.PRIMARY,
            policy_sid=settings.PRIMARY_POLICY_SID,
            friendly_name=friendly_name,
            email=email,
            revision=1,
            submitted_at=timezone.now(),
        )
        transition(profile, Status.PENDING_REVIEW, actor=actor)
        transition(profile, Status.IN_REVIEW, actor=actor)
    return profile


def profile_expire(*, profile: CustomerProfile, reviewer) -> CustomerProfile:
    """End a primary's approval now: it then blocks new secondary submissions."""
    ensure_reviewer(reviewer)
    with transaction.atomic():
        locked = lock_profile(profile)
        if "expire" not in open_decisions(locked):
            raise TransitionNotAllowed(
                _("Only an approved primary profile that has not expired can expire.")
            )
        locked.valid_until = timezone.now()
        locked.save(update_fields=["valid_until", "updated_at"])
    return locked


def ensure_reviewer(user) -> None:
    if user is None or not is_reviewer(user):
        raise NotAReviewer()


def clean_rejection(errors: list[dict]) -> list[dict]:
    """Known codes, each with a non-blank reason; an empty rejection is refused."""
    cleaned = []
    for error in errors:
        try:
            code = int(error.get("code"))
        except (TypeError, ValueError):
            raise InvalidRejection() from None
        message = str(error.get("message") or "").strip()
        if code not in RejectionCode.values or not message:
            raise InvalidRejection()
        cleaned.append({"code": code, "message": message})
    if not cleaned:
        raise InvalidRejection()
    return cleaned


def _lock_to_decide(profile: CustomerProfile, decision: str) -> CustomerProfile:
    """The profile, locked, if `decision` is still open on it."""
    locked = lock_profile(profile)
    if decision not in open_decisions(locked):
        raise _already_decided(locked)
    return locked


def _already_decided(profile: CustomerProfile) -> TransitionNotAllowed:
    return TransitionNotAllowed(
        _("%(name)s is already %(status)s: someone decided it first.")
        % {"name": profile, "status": profile.get_status_display()}
    )
