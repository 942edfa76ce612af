"""/healthz: can this process reach its database, broker and document storage?

Anyone gets the answer (200 or 503, for probes and load balancers); only staff
and callers with HEALTH_CHECK_TOKEN get which dependency failed and how long
each took.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from profiles.storage import document_storage

from .celery import app as celery_app

logger = logging.getLogger(__name__)

# A name no document has (documents live under documents/).
STORAGE_PROBE = "healthz/probe"


def check_database() -> None:
    """One round trip to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker() -> None:
    """One connection attempt to the broker, without Celery's retries."""
    timeout = settings.HEALTH_CHECK_TIMEOUT_SECONDS
    with celery_app.connection_for_write(connect_timeout=timeout) as broker:
        broker.ensure_connection(max_retries=0, timeout=timeout)


def check_storage() -> None:
    """Ask the document storage about a name, and about its bucket if it has one."""
    storage = document_storage()
    storage.exists(STORAGE_PROBE)
    # S3 answers "no such object" even when the bucket itself is missing.
    bucket = getattr(storage, "bucket_name", None)
    if bucket:
        storage.connection.meta.client.head_bucket(Bucket=bucket)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


def run_check(name: str, check: Callable[[], None]) -> dict:
    """The outcome of one check; details of a failure go to the log only."""
    started = time.monotonic()
    try:
        check()
    except Exception as error:
        logger.warning("Health check %s failed", name, exc_info=True)
        outcome = {"ok": False, "error": type(error).__name__}
    else:
        outcome = {"ok": True}
    outcome["ms"] = round((time.monotonic() - started) * 1000, 1)
    return outcome


def shows_details(request) -> bool:
    """Whether the caller may read each check: signed-in staff, or the bearer of
    HEALTH_CHECK_TOKEN."""
    if request.user.is_authenticated and request.user.is_staff:
        return True
    token = settings.HEALTH_CHECK_TOKEN
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 when every check passes, 503 when one fails; each check to those who
    may read them (see shows_details)."""
    checks = {name: run_check(name, check) for name, check in CHECKS.items()}
    healthy = all(outcome["ok"] for outcome in checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    if shows_details(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if healthy else 503)
