"""Status callbacks: a signed form POST to the URL the applicant gave."""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import requests
from django.conf import settings

from ..choices import Status
from ..models import NotificationDelivery, StatusChange
from .errors import DeliveryError
from .pinning import pinned_request, thread_adapter
from .signing import standard_webhook_headers, twilio_signature
from .targets import UnsafeTarget, callback_address

logger = logging.getLogger(__name__)

USER_AGENT = "ComplianceProfilesPortal/1.0"
# What a failed attempt says to the applicant, besides "HTTP <status>".
REFUSED, TIMED_OUT = "refused", "timed out"


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
    """POST the callback; return the status code or raise DeliveryError.

    The error's text is all the applicant sees: "refused", "timed out" or the
    HTTP status, never an address or what the connection said (the log has it).
    """
    url = delivery.target
    try:
        address = callback_address(url)
    except UnsafeTarget as error:
        logger.warning("Callback %s refused: %s", delivery.pk, error)
        raise DeliveryError(REFUSED, permanent=True) from None
    params = callback_params(delivery.status_change)
    body = urlencode(params)
    response = _post(url, address, body, _headers(delivery, url, params, body))
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


def _post(url: str, address: str, body: str, headers: dict) -> requests.Response:
    """POST to the checked `address`; redirects are answers, never followed."""
    try:
        request = pinned_request("POST", url, address, data=body, headers=headers)
        response = thread_adapter().send(
            request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS
        )
        # Read the answer, so its connection goes back to the pool for the next.
        response.content  # noqa: B018
        return response
    except requests.Timeout as error:
        logger.warning("Callback to %s timed out: %s", url, error)
        raise DeliveryError(TIMED_OUT, permanent=False) from None
    except requests.RequestException as error:
        logger.warning("Callback to %s failed: %s", url, error)
        raise DeliveryError(REFUSED, permanent=False) from None
