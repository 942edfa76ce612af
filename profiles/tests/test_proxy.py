"""Compose's proxy: nginx running the portal's template, in front of a server.

nginx (Debian's) runs the template as the nginx image would fill it in, with
the proxy service's environment from docker-compose.yml; a recording HTTP
server on this machine stands in for gunicorn.
"""

from __future__ import annotations

import getpass
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from profiles.tests.compose import ROOT, configured_env, resolved
from profiles.tests.processes import free_port, stop, wait_for_port

NGINX = shutil.which("nginx") or (
    "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
)
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed"),
]


@dataclass
class Upstream:
    """What reached the server behind the proxy."""

    port: int
    requests: list[dict] = field(default_factory=list)


def render(template: str, environment: dict[str, str]) -> str:
    """As the nginx image's envsubst step: only the names the service defines."""

    def substitute(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        return environment.get(name, match.group(0))

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", substitute, template)


@pytest.fixture
def upstream():
    recorded = Upstream(port=0)

    class Handler(BaseHTTPRequestHandler):
        def handle_one(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            recorded.requests.append(
                {"path": self.path, "headers": dict(self.headers), "size": len(body)}
            )
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_POST = handle_one

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorded.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recorded
    server.shutdown()
    server.server_close()


def start_proxy(
    tmp_path: Path, upstream: Upstream, **env: str
) -> tuple[subprocess.Popen, str]:
    """nginx with the compose proxy's template and environment; its base URL."""
    service = resolved({**configured_env(), **env})["services"]["proxy"]
    source = service["volumes"][0].split(":")[0]
    environment = {
        **service["environment"],
        "PORTAL_UPSTREAM": f"127.0.0.1:{upstream.port}",
    }
    portal_conf = render((ROOT / source).read_text(), environment)
    assert "${" not in portal_conf
    port = free_port()
    (tmp_path / "portal.conf").write_text(
        portal_conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    )
    temp = "".join(
        f"{kind}_temp_path {tmp_path / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        # Workers as this user: they write request bodies under tmp_path.
        f"daemon off;\nuser {getpass.getuser()};\nworker_processes 1;\n"
        f"pid {tmp_path / 'nginx.pid'};\n"
        f"error_log {tmp_path / 'error.log'};\n"
        "events { worker_connections 64; }\n"
        f"http {{\naccess_log off;\n{temp}include {tmp_path / 'portal.conf'};\n}}\n"
    )
    process = subprocess.Popen(  # noqa: S603
        [
            NGINX,
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "error.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_port(port, process)
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture
def proxy(tmp_path, upstream):
    started = []

    def start(**env: str) -> str:
        process, url = start_proxy(tmp_path, upstream, **env)
        started.append(process)
        return url

    yield start
    for process in started:
        stop(process)


def test_a_body_over_the_limit_is_refused_before_it_reaches_the_portal(proxy, upstream):
    url = proxy(PROXY_MAX_BODY="1k")

    response = requests.post(f"{url}/profiles/", data=b"x" * 4096, timeout=10)

    assert response.status_code == 413
    assert upstream.requests == []


def test_a_body_within_the_limit_is_passed_on_whole(proxy, upstream):
    url = proxy(PROXY_MAX_BODY="1k")

    response = requests.post(f"{url}/profiles/", data=b"x" * 1000, timeout=10)

    assert response.status_code == 200
    assert upstream.requests[0]["size"] == 1000


def test_the_default_limit_lets_a_full_size_document_through(proxy, upstream):
    url = proxy()
    upload = b"x" * (10 * 2**20 + 64 * 2**10)

    response = requests.post(f"{url}/profiles/", data=upload, timeout=30)

    assert response.status_code == 200
    assert upstream.requests[0]["size"] == len(upload)


def test_the_client_address_scheme_and_host_are_passed_on(proxy, upstream):
    url = proxy()

    requests.get(
        f"{url}/healthz",
        headers={"X-Forwarded-For": "192.0.2.1", "X-Forwarded-Proto": "https"},
        timeout=10,
    )

    headers = upstream.requests[0]["headers"]
    assert upstream.requests[0]["path"] == "/healthz"
    # The client's own claim stays first; the address nginx saw is appended.
    assert headers["X-Forwarded-For"] == "192.0.2.1, 127.0.0.1"
    # The scheme the proxy was reached with, not what the client claims.
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["Host"] == url.removeprefix("http://")


def test_the_proxy_health_check_answers_without_the_portal(proxy, upstream):
    url = proxy()

    response = requests.get(f"{url}/proxy-health", timeout=10)

    assert response.status_code == 204
    assert upstream.requests == []
