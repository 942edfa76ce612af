"""/healthz: database, broker and document storage, as JSON, without a login;
each check only to staff and the bearer of HEALTH_CHECK_TOKEN."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.test import Client

from portal.probe import probe_host
from profiles.tests.compose import ROOT
from profiles.tests.processes import free_port
from profiles.tests.s3 import use_s3_documents

pytestmark = pytest.mark.django_db

TOKEN = "health-token-0123456789abcdef"


@pytest.fixture
def monitor(settings) -> Client:
    """A monitoring system's client, sending the configured health check token."""
    settings.HEALTH_CHECK_TOKEN = TOKEN
    return Client(headers={"Authorization": f"Bearer {TOKEN}"})


@pytest.fixture
def broker_at(celery_config):
    """Point the Celery app's publishing connection at another broker URL.

    The write URL, because a CELERY_BROKER_URL in the environment (CI) takes
    precedence over the app's broker_url.
    """
    conf = celery_config.conf
    saved = conf.get("broker_write_url"), conf.broker_transport_options

    def point(url: str) -> None:
        conf.broker_write_url = url
        conf.broker_transport_options = {"socket_connect_timeout": 2}

    yield point
    conf.broker_write_url, conf.broker_transport_options = saved


def timed_get(client: Client, path: str = "/healthz"):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_it_answers_200_with_every_check_when_all_are_reachable(monitor):
    # The broker is Redis in CI (CELERY_BROKER_URL), in memory otherwise.
    response = monitor.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_needs_no_login_while_other_pages_do(anonymous):
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/profiles/").status_code == 302


def test_it_answers_503_when_the_broker_is_down(monitor, broker_at):
    broker_at(f"redis://127.0.0.1:{free_port()}/0")

    response, seconds = timed_get(monitor)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["storage"]["ok"] is True
    assert seconds < 5


def test_it_answers_503_when_the_storage_endpoint_is_down(monitor, settings):
    use_s3_documents(settings, f"http://127.0.0.1:{free_port()}", "documents")

    response, seconds = timed_get(monitor)

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["storage"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert seconds < 10


def test_it_answers_503_when_the_bucket_is_missing(monitor, settings, s3_server):
    use_s3_documents(settings, s3_server.endpoint, "no-such-bucket")

    response = monitor.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


def test_it_answers_200_on_a_reachable_bucket(monitor, s3_documents):
    response = monitor.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"]["storage"]["ok"] is True


def test_a_failure_names_the_error_but_not_its_details(monitor, broker_at):
    port = free_port()
    broker_at(f"redis://127.0.0.1:{port}/0")

    body = monitor.get("/healthz").json()

    assert body["checks"]["broker"]["error"]
    assert str(port) not in str(body)


def test_it_stays_reachable_over_plain_http_when_https_is_enforced(anonymous, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/accounts/login/").status_code == 301


def test_it_only_answers_get(anonymous):
    assert anonymous.post("/healthz").status_code == 405


# --- who reads the checks -------------------------------------------------------


def test_an_anonymous_caller_gets_the_status_only(anonymous, settings):
    settings.HEALTH_CHECK_TOKEN = TOKEN

    response = anonymous.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_an_anonymous_caller_gets_503_without_naming_what_failed(anonymous, broker_at):
    broker_at(f"redis://127.0.0.1:{free_port()}/0")

    response = anonymous.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


@pytest.mark.parametrize(
    "authorization",
    [
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        TOKEN,
        "Bearer ",
        "Bearer \u00e9t\u00e9",
    ],
)
def test_a_wrong_token_gets_the_status_only(settings, authorization):
    settings.HEALTH_CHECK_TOKEN = TOKEN
    client = Client(headers={"Authorization": authorization})

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_no_token_opens_the_checks_when_none_is_configured(settings):
    settings.HEALTH_CHECK_TOKEN = ""
    client = Client(headers={"Authorization": "Bearer "})

    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_token_is_read_case_insensitively_from_its_scheme(settings):
    settings.HEALTH_CHECK_TOKEN = TOKEN
    client = Client(headers={"Authorization": f"bearer {TOKEN}"})

    assert set(client.get("/healthz").json()["checks"]) == {
        "database",
        "broker",
        "storage",
    }


def test_signed_in_staff_read_every_check_and_its_timing(reviewer_client):
    body = reviewer_client.get("/healthz").json()

    assert body["status"] == "ok"
    assert all("ms" in check for check in body["checks"].values())


def test_a_signed_in_applicant_gets_the_status_only(applicant_client):
    assert applicant_client.get("/healthz").json() == {"status": "ok"}


# --- the container health check (python -m portal.probe) ----------------------


@pytest.mark.parametrize(
    ("allowed", "host"),
    [
        ("portal.example.com,localhost", "portal.example.com"),
        (".example.com", "example.com"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_the_probe_asks_with_a_host_the_portal_accepts(monkeypatch, allowed, host):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", allowed)

    assert probe_host() == host


def test_the_probe_fails_when_nothing_answers():
    url = f"http://127.0.0.1:{free_port()}/healthz"

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "portal.probe", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert url in result.stderr


@pytest.mark.django_db(transaction=True)
def test_the_probe_passes_against_a_running_portal_without_a_token(live_server):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "portal.probe", f"{live_server.url}/healthz"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DJANGO_ALLOWED_HOSTS": "localhost"},
    )

    assert result.returncode == 0, result.stderr
