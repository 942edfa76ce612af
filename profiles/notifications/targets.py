"""Which status-callback URLs may be called: no private networks by default."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UnsafeTarget(ValueError):
    """The URL must not be called; the message says why, for the applicant."""


def check_callback_url(url: str, *, resolve_required: bool) -> None:
    """Refuse non-http(s) URLs, credentials and private, loopback or reserved hosts.

    `resolve_required` is False when the URL is entered (its name may not exist
    yet) and True when it is about to be called.
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise UnsafeTarget(_("The status callback URL has an invalid port.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget(_("The status callback must be an http:// or https:// URL."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("The status callback URL must not contain credentials."))
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return
    for address in resolve(parts.hostname, port, required=resolve_required):
        if not is_public(address):
            raise UnsafeTarget(
                _(
                    "The status callback resolves to a private, loopback, link-local "
                    "or reserved address (%s), which is not allowed."
                )
                % address
            )


def resolve(host: str, port: int | None, *, required: bool) -> set[str]:
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        if required:
            raise UnsafeTarget(
                _("The status callback host could not be resolved.")
            ) from None
        return set()
    return {info[4][0] for info in infos}


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
