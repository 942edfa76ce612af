"""Erasing profiles: their rows at once, their documents' files once committed.

The files are deleted by `transaction.on_commit`, after the rows, so an
erasure that rolls back keeps every file its rows still name. Each erasure
leaves one Erasure row: what was erased, when and by whom, in identifiers and
counts only.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.db.models import QuerySet

from .choices import ErasureKind, ProfileKind
from .models import CustomerProfile, Erasure, SupportingDocument
from .storage import document_storage

logger = logging.getLogger(__name__)


def profiles_erase(
    profiles: QuerySet[CustomerProfile],
    *,
    kind: ErasureKind,
    sid: str,
    account_sid: str,
    actor,
) -> Erasure:
    """Delete `profiles` with every row of theirs, and their files once committed.

    Call inside transaction.atomic(), with the rows that own `profiles` locked.
    """
    documents = SupportingDocument.objects.filter(profile__in=profiles)
    names = set(documents.values_list("file", flat=True))
    document_count = documents.count()
    profile_count = profiles.count()
    # Secondaries first: a primary is protected while a secondary points at it.
    for profile_kind in (ProfileKind.SECONDARY, ProfileKind.PRIMARY):
        profiles.filter(kind=profile_kind).delete()
    files_delete_on_commit(names)
    return Erasure.objects.create(
        kind=kind,
        sid=sid,
        account_sid=account_sid,
        actor=actor,
        profile_count=profile_count,
        document_count=document_count,
    )


def files_delete_on_commit(names: set[str]) -> None:
    """Once committed, delete the stored files no document names any more."""
    # Documents may share a stored file; one still named by a row stays.
    kept = set(
        SupportingDocument.objects.filter(file__in=names).values_list("file", flat=True)
    )
    storage = document_storage()
    for name in sorted(names - kept):
        transaction.on_commit(partial(file_delete, storage, name))


def file_delete(storage, name: str) -> None:
    """Delete one stored file; a failure is logged for an operator, not raised.

    The rows are gone by then: the request that erased them has succeeded.
    """
    try:
        storage.delete(name)
    except Exception:
        logger.exception("The erased document file %s could not be deleted", name)
