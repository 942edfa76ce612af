"""Streaming a supporting document to a reviewer."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from ..models import SupportingDocument

# Shown in the page (an <iframe> or an <img>) when asked with ?inline=1.
PREVIEWABLE = {"application/pdf", "image/jpeg", "image/png"}


def document_response(document: SupportingDocument, *, inline: bool) -> FileResponse:
    """The file as an attachment, or inline for the preview of a PDF or image."""
    inline = inline and document.mime_type in PREVIEWABLE
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this document is missing.")) from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=document.original_name,
        content_type=document.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = content_security_policy(document, inline)
    return response


def content_security_policy(document: SupportingDocument, inline: bool) -> str:
    """No scripts, no fetches, no framing but by our own pages."""
    # Browsers' built-in PDF viewers do not start under a sandbox or
    # default-src 'none'; the type was checked from the bytes and nosniff holds.
    if inline and document.mime_type == "application/pdf":
        return "frame-ancestors 'self'"
    return "default-src 'none'; frame-ancestors 'self'; sandbox"
