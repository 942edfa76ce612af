"""Signatures a status-callback receiver can check.

`X-Twilio-Signature` is what Twilio's RequestValidator checks: base64 of the
HMAC-SHA1, keyed by the account's signing secret, of the URL followed by every
POST parameter name and value in name order. The `webhook-*` headers follow the
Standard Webhooks spec (HMAC-SHA256 over id, timestamp and body), so receivers
can also reject replays.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def twilio_signature(secret: str, url: str, params: dict[str, str]) -> str:
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def standard_webhook_secret(secret: str) -> str:
    """The account secret in the form Standard Webhooks libraries take."""
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def standard_webhook_headers(
    secret: str, message_id: str, timestamp: int, body: str
) -> dict[str, str]:
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }
