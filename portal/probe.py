"""The container health check: `python -m portal.probe [URL]` exits 0 when healthy.

It asks the running web server for /healthz with a Host header the portal
accepts (the first of DJANGO_ALLOWED_HOSTS), so the check also proves gunicorn
answers. It needs no Django setup, so it stays quick.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def probe_host() -> str:
    """A host name the portal accepts, taken from DJANGO_ALLOWED_HOSTS."""
    hosts = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")
    host = hosts[0].strip().lstrip(".")
    return "localhost" if host in ("", "*") else host


def probe(url: str, timeout: float = 10.0) -> int:
    """0 when the URL answers 200, else 1 (with the reason on stderr)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Host": probe_host()})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(probe(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL))
