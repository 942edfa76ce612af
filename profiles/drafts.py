"""Writing a secondary profile's answers while it is a draft (or rejected).

Each wizard step's cleaned data is saved at once, in a transaction of its own
on the profile's locked row, and refused with 60711 once the profile is locked
or when it is not of the kind the calling wizard edits (lifecycle.edit_allowed).
Which writer saves which step is declared with the step (see profiles.steps).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .choices import ErasureKind, ProfileKind, Status
from .erasure import files_delete_on_commit, profiles_erase
from .lifecycle import (
    NotADraft,
    ensure_edit_allowed,
    ensure_primary_approved,
    is_deletable,
)
from .models import (
    Account,
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    Erasure,
    SupportingDocument,
)
from .notifications import ConfirmationRefused, address_request_confirmation
from .quotas import check_document_count, check_draft_count
from .storage import InspectedUpload

# A step's writer saves its answers into the profile's rows and returns the
# profile's own columns it changes ({} for none).
StepWriter = Callable[[CustomerProfile, Any], dict]


class DraftStep(Protocol):
    """What the service needs of a wizard step: its name and its writer."""

    name: str
    save: StepWriter


def draft_create(*, account: Account) -> CustomerProfile:
    """Start a secondary profile; the account must have an approved primary and
    fewer drafts than DRAFTS_MAX_PER_ACCOUNT (ValidationError otherwise)."""
    with transaction.atomic():
        # The account's row lock: two starts at once count each other's draft.
        Account.objects.select_for_update().only("pk").get(pk=account.pk)
        primary = ensure_primary_approved(account)
        drafts = account.profiles.filter(
            kind=ProfileKind.SECONDARY, status=Status.DRAFT
        )
        check_draft_count(existing=drafts.count())
        return CustomerProfile.objects.create(
            account=account,
            kind=ProfileKind.SECONDARY,
            primary=primary,
            policy_sid=settings.SECONDARY_POLICY_SID,
        )


def draft_save_step(
    *, profile: CustomerProfile, step: DraftStep, data, kind: str
) -> None:
    """Save one step's cleaned data, from a wizard of `kind` profiles, into an
    editable profile's rows."""
    with transaction.atomic():
        locked = lock_for_edit(profile, kind=kind)
        columns = step.save(locked, data)
        done = locked.completed_steps
        if step.name not in done:
            done = [*done, step.name]
        CustomerProfile.objects.filter(pk=locked.pk).update(
            **columns, completed_steps=done, updated_at=timezone.now()
        )


def document_remove(
    *, profile: CustomerProfile, document: SupportingDocument, kind: str
) -> None:
    """Delete a document, from a wizard of `kind` profiles, from an editable
    profile, and its file once committed."""
    with transaction.atomic():
        lock_for_edit(profile, kind=kind)
        name = document.file.name
        document.delete()
        files_delete_on_commit({name})


def draft_delete(*, profile: CustomerProfile, actor) -> Erasure:
    """Delete a draft with its answers and documents; its files once committed.

    Refused (NotADraft) for a primary profile and once a profile has been
    submitted: it is then part of the audit trail.
    """
    with transaction.atomic():
        locked = _locked_for_edit().get(pk=profile.pk)
        if not is_deletable(locked):
            raise NotADraft()
        return profiles_erase(
            CustomerProfile.objects.filter(pk=locked.pk),
            kind=ErasureKind.DRAFT,
            sid=profile.sid,
            account_sid=profile.account.sid,
            actor=actor,
        )


def lock_for_edit(profile: CustomerProfile, *, kind: str) -> CustomerProfile:
    """Lock the profile's row and refuse an edit the lifecycle does not allow
    through a wizard of `kind` profiles (60711).

    Call inside transaction.atomic(). Reads the columns an edit needs.
    """
    locked = _locked_for_edit().get(pk=profile.pk)
    ensure_edit_allowed(locked, kind=kind)
    return locked


@cache
def _locked_for_edit():
    # Built once: building the read cost as much as running it.
    return CustomerProfile.objects.select_for_update().only(
        "kind", "status", "completed_steps", "account"
    )


def _upsert(model, data: dict, **lookup) -> None:
    """Update the row `lookup` names, or create it.

    The profile row is locked, so nobody else writes these rows meanwhile: an
    UPDATE then an INSERT is safe without update_or_create's savepoint and read.
    """
    if not model.objects.filter(**lookup).update(**data):
        model.objects.create(**lookup, **data)


def write_general(profile: CustomerProfile, data: dict) -> dict:
    """The business's name and website; the profile is called by that name."""
    _upsert(BusinessInformation, data, profile=profile)
    return {"friendly_name": data["business_name"]}


def write_business(profile: CustomerProfile, data: dict) -> dict:
    """The business's identity, type, industry, registration and regions."""
    _upsert(BusinessInformation, data, profile=profile)
    return {}


def write_representatives(profile: CustomerProfile, data: list[dict]) -> dict:
    """Representatives 1 and 2; a form left empty removes its representative."""
    for position, fields in enumerate(data, start=1):
        if fields:
            _upsert(
                AuthorizedRepresentative, fields, profile=profile, position=position
            )
        else:
            profile.representatives.filter(position=position).delete()
    return {}


def write_address(profile: CustomerProfile, data: dict) -> dict:
    """The business's physical address."""
    _upsert(Address, data, profile=profile)
    return {}


def write_documents(profile: CustomerProfile, data: dict) -> dict:
    """Add the uploaded files (already inspected by the form) as documents,
    within the quotas (ValidationError otherwise; the profile's row is locked)."""
    uploads: list[InspectedUpload] = data["files"]
    check_document_count(existing=profile.documents.count(), adding=len(uploads))
    for upload in uploads:
        SupportingDocument.objects.create(
            profile=profile,
            document_type=data["document_type"],
            file=upload.file,
            original_name=upload.original_name,
            mime_type=upload.mime_type,
            size=upload.size,
            sha256=upload.sha256,
        )
    return {}


def write_notifications(profile: CustomerProfile, data: dict) -> dict:
    """Where the decision is sent: an email address, a status callback, or both.

    An address that is not a member's own is sent a confirmation link, once
    (the step and the profile page offer to send it again).
    """
    with contextlib.suppress(ConfirmationRefused):
        address_request_confirmation(account_id=profile.account_id, email=data["email"])
    return {"email": data["email"], "status_callback": data["status_callback"]}
