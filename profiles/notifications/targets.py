"""Which status-callback URLs may be called: no private networks by default."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# NAT64 prefixes (RFC 6052, RFC 8215): the well-known one carries an IPv4 address
# in its last 32 bits; the local-use one only ever reaches the operator's network.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
# IPv4-compatible addresses (::a.b.c.d, deprecated by RFC 4291).
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class UnsafeTarget(ValueError):
    """The URL must not be called; the message says why, for the applicant."""


def check_callback_url(url: str, *, resolve_required: bool) -> None:
    """Refuse non-http(s) URLs, credentials and private, loopback or reserved hosts.

    `resolve_required` is False when the URL is entered (its name may not exist
    yet) and True when it is about to be called.
    """
    host, port = _host_and_port(url)
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return
    for address in resolve(host, port, required=resolve_required):
        _refuse_private(address)


def callback_address(url: str) -> str:
    """The one address to connect to for `url`: its host resolved once, and every
    answer checked as `check_callback_url` does.

    The callback must go to this address: resolving the name again could give
    another one (DNS rebinding).
    """
    host, port = _host_and_port(url)
    addresses = resolve(host, port, required=True)
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        for address in addresses:
            _refuse_private(address)
    return addresses[0]


def _host_and_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise UnsafeTarget(_("The status callback URL has an invalid port.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget(_("The status callback must be an http:// or https:// URL."))
    if parts.username or parts.password:
        raise UnsafeTarget(_("The status callback URL must not contain credentials."))
    return parts.hostname, port


def _refuse_private(address: str) -> None:
    if not is_public(address):
        # The address is not named: an applicant learns nothing of what an
        # internal host name resolves to.
        raise UnsafeTarget(
            _(
                "The status callback resolves to a private, loopback, link-local "
                "or reserved address, which is not allowed."
            )
        )


def resolve(host: str, port: int | None, *, required: bool) -> list[str]:
    """The host's addresses, in the resolver's order of preference."""
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        if required:
            raise UnsafeTarget(
                _("The status callback host could not be resolved.")
            ) from None
        return []
    return list(dict.fromkeys(info[4][0] for info in infos))


def is_public(address: str) -> bool:
    """True for a global unicast address, and for an IPv6 one only when every
    IPv4 address it carries (mapped, compatible, 6to4, NAT64, Teredo) is too."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in LOCAL_NAT64:
        return False
    return all(
        candidate.is_global and not candidate.is_multicast
        for candidate in (ip, *embedded_ipv4(ip))
    )


def embedded_ipv4(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list:
    """The IPv4 addresses an IPv6 address leads to, by the standard translations."""
    if ip.version == 4:
        return []
    embedded = [ip.sixtofour, *(ip.teredo or ())]
    if ip in NAT64 or ip in IPV4_COMPATIBLE:
        embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in embedded if address is not None]
