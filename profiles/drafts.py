"""Writing a secondary profile's answers while it is a draft (or rejected).

Each wizard step's cleaned data is saved at once, on a locked row, and refused
with 60711 once the profile is locked.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction

from .choices import ProfileKind
from .lifecycle import ensure_editable, ensure_primary_approved, lock_profile
from .models import (
    Account,
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    SupportingDocument,
)
from .storage import InspectedUpload

# The profile's own columns a step may write (the rest live in related rows).
DRAFT_FIELDS = ["friendly_name", "email", "status_callback", "completed_steps"]


def draft_create(*, account: Account) -> CustomerProfile:
    """Start a secondary profile; the account must have an approved primary."""
    primary = ensure_primary_approved(account)
    return CustomerProfile.objects.create(
        account=account,
        kind=ProfileKind.SECONDARY,
        primary=primary,
        policy_sid=settings.SECONDARY_POLICY_SID,
    )


def draft_save_step(
    *, profile: CustomerProfile, step: str, data, already_locked: bool = False
) -> CustomerProfile:
    """Save one wizard step's cleaned data into the profile's rows.

    `already_locked`: the caller read `profile` with its row lock, in the
    transaction it is in; otherwise the profile is read again with the lock.
    """
    with transaction.atomic(savepoint=not already_locked):
        locked = profile if already_locked else lock_profile(profile, primary=False)
        ensure_editable(locked)
        STEP_WRITERS[step](locked, data)
        if step not in locked.completed_steps:
            locked.completed_steps = [*locked.completed_steps, step]
        locked.save(update_fields=[*DRAFT_FIELDS, "updated_at"])
    return locked


def document_remove(*, profile: CustomerProfile, document: SupportingDocument) -> None:
    """Delete a document from an editable profile, and its file once committed."""
    with transaction.atomic():
        ensure_editable(lock_profile(profile, primary=False))
        storage, name = document.file.storage, document.file.name
        document.delete()
        transaction.on_commit(lambda: storage.delete(name))


def _upsert(model, data: dict, **lookup) -> None:
    """Update the row `lookup` names, or create it.

    The profile row is locked, so nobody else writes these rows meanwhile: an
    UPDATE then an INSERT is safe without update_or_create's savepoint and read.
    """
    if not model.objects.filter(**lookup).update(**data):
        model.objects.create(**lookup, **data)


def _save_general(profile: CustomerProfile, data: dict) -> None:
    _upsert(BusinessInformation, data, profile=profile)
    profile.friendly_name = data["business_name"]


def _save_business(profile: CustomerProfile, data: dict) -> None:
    _upsert(BusinessInformation, data, profile=profile)


def _save_representatives(profile: CustomerProfile, data: list[dict]) -> None:
    for position, fields in enumerate(data, start=1):
        if fields:
            _upsert(
                AuthorizedRepresentative, fields, profile=profile, position=position
            )
        else:
            profile.representatives.filter(position=position).delete()


def _save_address(profile: CustomerProfile, data: dict) -> None:
    _upsert(Address, data, profile=profile)


def _save_documents(profile: CustomerProfile, data: dict) -> None:
    uploads: list[InspectedUpload] = data["files"]
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


def _save_notifications(profile: CustomerProfile, data: dict) -> None:
    profile.email = data["email"]
    profile.status_callback = data["status_callback"]


STEP_WRITERS: dict[str, Callable[[CustomerProfile, object], None]] = {
    "general": _save_general,
    "business": _save_business,
    "representatives": _save_representatives,
    "address": _save_address,
    "documents": _save_documents,
    "notifications": _save_notifications,
}
