"""Status callbacks: a signed form POST to the URL the applicant gave."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlencode

import requests
from django.conf import settings

from ..choices import Status
from ..models import NotificationDelivery, StatusChange
from .errors import DeliveryError
from .signing import standard_webhook_headers, twilio_signature
from .targets import UnsafeTarget, check_callback_url

USER_AGENT = "ComplianceProfilesPortal/1.0"


def callback_params(change: StatusChange) -> dict[str, str]:
    """The form fields of a callback, from the change (so retries send the same)."""
    profile = change.profile
    params = {
        "AccountSid": profile.account.sid,
        "BundleSid": profile.sid,
        "Status": change.to_status,
        "Sequence": str(change.sequence),
    }
    if change.to_status == Status.TWILIO_REJECTED:
        params["FailureReason"] = "; ".join(r["message"] for r in change.reasons)
        params["Errors"] = json.dumps([r["code"] for r in change.reasons])
    return params


def send_callback(delivery: NotificationDelivery) -> int:
    """POST the callback; return the status code or raise DeliveryError."""
    url = delivery.target
    try:
        check_callback_url(url, resolve_required=True)
    except UnsafeTarget as error:
        raise DeliveryError(str(error), permanent=True) from None
    params = callback_params(delivery.status_change)
    body = urlencode(params)
    response = _post(url, body, _headers(delivery, url, params, body))
    code = response.status_code
    if 200 <= code < 300:
        return code
    # Server trouble and rate limits pass; any other answer will not change.
    retry = code >= 500 or code == 429
    raise DeliveryError(f"HTTP {code}", permanent=not retry, status_code=code)


def _headers(delivery: NotificationDelivery, url: str, params: dict, body: str):
    """The callback's headers: both signatures of `params`, sent as `body`."""
    secret = delivery.status_change.profile.account.webhook_secret
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": USER_AGENT,
        "X-Twilio-Signature": twilio_signature(secret, url, params),
        **standard_webhook_headers(secret, delivery.message_id, int(time.time()), body),
    }


_local = threading.local()


def _session() -> requests.Session:
    """This thread's HTTP session, so callbacks to one host reuse a connection."""
    if not hasattr(_local, "session"):
        session = requests.Session()
        # Never through an environment proxy: the address check must hold.
        session.trust_env = False
        _local.session = session
    return _local.session


def _post(url: str, body: str, headers: dict) -> requests.Response:
    try:
        return _session().post(
            url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.Timeout:
        raise DeliveryError("Timed out", permanent=False) from None
    except requests.RequestException as error:
        raise DeliveryError(f"Connection failed: {error}", permanent=False) from None
