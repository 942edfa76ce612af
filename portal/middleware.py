"""Request ids: one per request, echoed to the client and in every log line."""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver

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
