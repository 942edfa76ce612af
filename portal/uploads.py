"""How large a request body may be, and who may send files.

A body whose Content-Length passes REQUEST_MAX_BODY_BYTES (the largest upload
the quotas allow, with its form) is refused before a byte of it is read. A
visitor who is not signed in sends no files: a multipart body larger than
Django's limit for form fields is refused unread, and a smaller one is stopped
at its first file. The upload handler stops a body whose files run past the
limit whatever its headers said, before the next handlers store any of it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

TOO_LARGE, ANONYMOUS = "too_large", "anonymous"


class RequestBodyLimitMiddleware:
    """Refuse oversized bodies first, and uploads the handler stopped before a
    view (or the CSRF check) reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if declared_length(request) > settings.REQUEST_MAX_BODY_BYTES:
            return refused(request, TOO_LARGE)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Runs before every other middleware's: nothing has read the body yet."""
        if not request.content_type.startswith("multipart/"):
            return None
        anonymous = not request.user.is_authenticated
        if (
            anonymous
            and declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        ):
            return refused(request, ANONYMOUS)
        # Parsed here, through BodyLimitUploadHandler, which may stop it.
        request.FILES  # noqa: B018
        reason = getattr(request, "upload_refused", None)
        return refused(request, reason) if reason else None


class BodyLimitUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: stops the upload once its files pass
    REQUEST_MAX_BODY_BYTES, or at the first file of a visitor not signed in."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            self.stop(ANONYMOUS)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.REQUEST_MAX_BODY_BYTES:
            self.stop(TOO_LARGE)
        return raw_data

    def file_complete(self, file_size):
        return None

    def stop(self, reason: str):
        """Leave the rest of the body unread; the middleware says why."""
        if self.request is not None:
            self.request.upload_refused = reason
        raise StopUpload(connection_reset=True)


def declared_length(request) -> int:
    """The body's Content-Length (0 when missing or malformed, as Django reads it)."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def refused(request, reason: str):
    """A short page saying why nothing was read or saved (413, or 403)."""
    if reason == ANONYMOUS:
        message = _("Sign in before you upload files. Nothing was saved.")
        return render(request, "413.html", {"reason": message}, status=403)
    message = _(
        "The upload is too large: files are accepted up to %(file)s each, "
        "%(count)d at a time (%(total)s in all). Nothing was saved."
    ) % {
        "file": filesizeformat(settings.DOCUMENT_MAX_UPLOAD_BYTES),
        "count": settings.DOCUMENTS_MAX_PER_UPLOAD,
        "total": filesizeformat(settings.REQUEST_MAX_BODY_BYTES),
    }
    return render(request, "413.html", {"reason": message}, status=413)
