"""Where supporting documents live, and what an upload must be to get there."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.core.files.uploadedfile import UploadedFile
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import filesizeformat
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from .choices import ACCEPTED_DOCUMENT_TYPES

# filetype reads at most this many bytes to recognise a format.
MAGIC_BYTES = 8192


class DocumentStorage(LazyObject):
    """STORAGES["documents"], looked up on first use and again after a change."""

    def _setup(self):
        self._wrapped = storages["documents"]


documents = DocumentStorage()


@receiver(setting_changed)
def reset_document_storage(*, setting, **kwargs):
    if setting == "STORAGES":
        documents._wrapped = empty


def document_storage() -> Storage:
    """The private storage for documents (for FileField's storage callable)."""
    return documents


def document_upload_to(instance, filename: str) -> str:
    """A random name that reveals nothing of the original file."""
    token = secrets.token_hex(16)
    suffix = ACCEPTED_DOCUMENT_TYPES.get(instance.mime_type, "")
    return f"documents/{token[:2]}/{token}{suffix}"


@dataclass(frozen=True)
class InspectedUpload:
    file: UploadedFile
    original_name: str
    mime_type: str
    size: int
    sha256: str


def inspect_upload(upload: UploadedFile) -> InspectedUpload:
    """Check an upload by its content; raise ValidationError when it is refused."""
    name = clean_filename(upload.name or "")
    limit = settings.DOCUMENT_MAX_UPLOAD_BYTES
    if not upload.size:
        raise ValidationError(
            _("“%(name)s” is empty."), code="empty", params={"name": name}
        )
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the largest file accepted is %(limit)s."),
            code="too_large",
            params={
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(limit),
            },
        )
    mime_type = detect_mime_type(upload)
    if mime_type not in ACCEPTED_DOCUMENT_TYPES:
        raise ValidationError(
            _("“%(name)s” is not a PDF, JPEG or PNG file (checked by its content)."),
            code="type",
            params={"name": name},
        )
    return InspectedUpload(upload, name, mime_type, upload.size, sha256_of(upload))


def detect_mime_type(upload: UploadedFile) -> str | None:
    upload.seek(0)
    head = upload.read(MAGIC_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else None


def sha256_of(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def clean_filename(name: str) -> str:
    """The name to show for an upload: no folders, no control characters, short."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    printable = "".join(
        ch for ch in base if not unicodedata.category(ch).startswith("C")
    )
    printable = printable.strip().lstrip(".") or "document"
    stem, dot, ext = printable.rpartition(".")
    if dot and stem and len(ext) <= 10:
        return stem[: 200 - len(ext)] + dot + ext
    return printable[:200]
