"""Handing a supporting document to a browser, once the caller has checked access."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .models import SupportingDocument

# Shown in a page (an <iframe> or an <img>) when asked for inline.
PREVIEWABLE = {"application/pdf", "image/jpeg", "image/png"}


def document_response(
    document: SupportingDocument, *, inline: bool = False, framable: bool = False
) -> HttpResponse:
    """The file as an attachment, or inline for the preview of a PDF or an image.

    `framable` lets the portal's own pages show it in a frame (the admin preview).
    """
    inline = inline and document.mime_type in PREVIEWABLE
    if getattr(document.file.storage, "querystring_auth", False):
        response = _presigned_redirect(document, inline)
    else:
        response = _streamed(document, inline)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = content_security_policy(
            document.mime_type, inline=inline, framable=framable
        )
    response["Cache-Control"] = "private, no-store"
    return response


def _presigned_redirect(document: SupportingDocument, inline: bool) -> HttpResponse:
    """S3: the browser fetches the private object through a short-lived link."""
    storage, name = document.file.storage, document.file.name
    if not storage.exists(name):
        raise Http404(_("The file of this document is missing."))
    params = {
        "ResponseContentDisposition": content_disposition_header(
            not inline, document.download_name
        ),
        "ResponseContentType": document.mime_type,
    }
    return redirect(storage.url(name, parameters=params))


def _streamed(document: SupportingDocument, inline: bool) -> FileResponse:
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this document is missing.")) from None
    return FileResponse(
        handle,
        as_attachment=not inline,
        filename=document.download_name,
        content_type=document.mime_type,
    )


def content_security_policy(mime_type: str, *, inline: bool, framable: bool) -> str:
    """No scripts, no fetches; framing only by our own pages when asked."""
    # Browsers' built-in PDF viewers do not start under a sandbox or
    # default-src 'none'; the type was checked from the bytes and nosniff holds.
    if inline and framable and mime_type == "application/pdf":
        return "frame-ancestors 'self'"
    if framable:
        return "default-src 'none'; frame-ancestors 'self'; sandbox"
    return "default-src 'none'; sandbox"
