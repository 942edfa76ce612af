"""How much one account and one profile may hold: drafts, documents, files at once.

The forms check these to explain a refusal next to the field; the services
check them again under the row lock, so two requests at once cannot pass them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def check_document_count(*, existing: int, adding: int) -> None:
    """Refuse `adding` files to a profile that holds `existing` documents."""
    per_upload = settings.DOCUMENTS_MAX_PER_UPLOAD
    if adding > per_upload:
        raise ValidationError(
            ngettext(
                "Choose at most %(limit)d file at a time.",
                "Choose at most %(limit)d files at a time.",
                per_upload,
            ),
            code="too_many_files",
            params={"limit": per_upload},
        )
    per_profile = settings.DOCUMENTS_MAX_PER_PROFILE
    if existing + adding > per_profile:
        raise ValidationError(
            _(
                "A profile holds at most %(limit)d documents and this one has "
                "%(existing)d: you can add %(left)d more. Nothing was uploaded."
            ),
            code="too_many_documents",
            params={
                "limit": per_profile,
                "existing": existing,
                "left": max(per_profile - existing, 0),
            },
        )


def check_draft_count(*, existing: int) -> None:
    """Refuse another draft to an account that has `existing` drafts."""
    limit = settings.DRAFTS_MAX_PER_ACCOUNT
    if existing >= limit:
        raise ValidationError(
            ngettext(
                "Your account has %(limit)d draft profile, the most it can keep. "
                "Submit or finish it before you add another.",
                "Your account has %(limit)d draft profiles, the most it can keep. "
                "Submit or finish one of them before you add another.",
                limit,
            ),
            code="too_many_drafts",
            params={"limit": limit},
        )
