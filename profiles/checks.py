"""System checks for settings that cannot work together."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

DOCUMENT_STORAGES = ("filesystem", "s3")


@register()
def check_document_storage(app_configs, **kwargs):
    errors = []
    if settings.DOCUMENTS_STORAGE not in DOCUMENT_STORAGES:
        errors.append(
            Error(
                f"DOCUMENTS_STORAGE is {settings.DOCUMENTS_STORAGE!r}.",
                hint=f"Use one of: {', '.join(DOCUMENT_STORAGES)}.",
                id="profiles.E001",
            )
        )
    if settings.DOCUMENT_MAX_UPLOAD_BYTES <= 0:
        errors.append(
            Error(
                "DOCUMENT_MAX_UPLOAD_BYTES must be a positive number of bytes.",
                id="profiles.E002",
            )
        )
    return errors
