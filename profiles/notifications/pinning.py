"""HTTP requests sent to an address already checked, whatever the name resolves
to by the time the connection is made."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter


class PinnedAdapter(HTTPAdapter):
    """Connects to the address in a request's URL and speaks TLS to the name in
    its Host header (see pinned_request): the server name sent and the one the
    certificate must hold.

    Connections are kept alive per address and port (and name, for HTTPS), as
    requests keeps them per host.
    """

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        """The pool for the request's address, verified against its Host name."""
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        if host_params["scheme"] == "https" and "Host" in request.headers:
            name = urlsplit(f"//{request.headers['Host']}").hostname
            pool_kwargs["server_hostname"] = pool_kwargs["assert_hostname"] = name
        return host_params, pool_kwargs


def pinned_request(
    method: str, url: str, address: str, *, data: str, headers: dict
) -> requests.PreparedRequest:
    """A request for `url` addressed to `address`, with `url`'s host as its Host."""
    parts = urlsplit(url)
    host = parts.hostname.encode("idna").decode("ascii")
    port = "" if parts.port is None else f":{parts.port}"
    netloc = f"{bracketed(address)}{port}"
    pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    headers = {**headers, "Host": f"{bracketed(host)}{port}"}
    return requests.Request(method, pinned, data=data, headers=headers).prepare()


def bracketed(host: str) -> str:
    """An IPv6 address as a URL or Host header writes it."""
    return f"[{host}]" if ":" in host else host


_local = threading.local()


def thread_adapter() -> PinnedAdapter:
    """This thread's adapter, so requests to one host reuse a connection."""
    if not hasattr(_local, "adapter"):
        _local.adapter = PinnedAdapter()
    return _local.adapter
