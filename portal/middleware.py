"""Request ids: one per request, echoed to the client and in every log line.
And what a signed-in user is sent stays out of every cache."""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver
from django.utils.cache import patch_cache_control

from .logging import request_id

logger = logging.getLogger("portal.request")

HEADER = "X-Request-ID"
# An id a proxy or client may pass on: short, no spaces, no control characters.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,127}")


def incoming_request_id(request) -> str:
    """The caller's X-Request-ID if it is well-formed, else a new one."""
    given = request.headers.get(HEADER, "")
    return given if WELL_FORMED.fullmatch(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Give the request an id, log its outcome, and echo the id back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = incoming_request_id(request)
        # Kept until the response is closed (see below): Django logs 4xx and 5xx
        # answers after the middleware returned, and a file streams after that.
        request_id.set(request.request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response[HEADER] = request.request_id
        log_request(request, response, time.monotonic() - started)
        return response


@receiver(request_finished)
def forget_request_id(**kwargs) -> None:
    """The request is over: later lines of this thread belong to no request."""
    request_id.set(None)


def log_request(request, response, seconds: float) -> None:
    """One line per request: method, path, status and duration."""
    logger.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
        },
    )


class PrivateResponsesMiddleware:
    """Send every response to a signed-in user with `Cache-Control: private,
    no-store`, unless its view said how it may be cached.

    Their pages hold their account's answers and secrets: no shared cache or
    browser history may keep them once the user signs out.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
