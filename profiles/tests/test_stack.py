"""The compose stack's own commands as real processes: gunicorn, worker and beat.

Docker cannot run here, so the web, worker and beat commands of
docker-compose.yml run directly, against the test database (PostgreSQL in CI,
the SQLite test file locally) and the configured broker (Redis in CI, kombu's
filesystem transport in a temporary folder locally). A profile is then signed
in for, filled in and submitted over HTTP, and seen decided.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.db import transaction
from django.utils import timezone

from profiles.choices import Status
from profiles.lifecycle import lock_profile, transition
from profiles.models import CustomerProfile
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.compose import (
    ROOT,
    command_of,
    compose,
    health_test,
    interpolate,
)
from profiles.tests.factories import AccountFactory, PrimaryProfileFactory
from profiles.tests.files import PDF
from profiles.tests.processes import database_url, free_port, stop
from profiles.tests.waiting import wait_for_decision
from profiles.tests.wizard_data import (
    ADDRESS,
    BUSINESS,
    FIRST_REPRESENTATIVE,
    GENERAL,
    SECOND_REPRESENTATIVE,
    prefixed,
    representatives_data,
)

pytestmark = pytest.mark.integration

SERVICES = compose()["services"]
APPLICANT, PASSWORD = "applicant@example.com", "demo12345!"


@dataclass
class Stack:
    base_url: str
    env: dict[str, str]
    logs: dict[str, Path]

    def log_entries(self, name: str) -> list[dict]:
        """The JSON lines a process wrote (other lines skipped)."""
        # The last piece may be a line still being written.
        lines = self.logs[name].read_text().split("\n")[:-1]
        return [json.loads(line) for line in lines if line.startswith("{")]


def broker_env(folder: Path) -> dict[str, str]:
    """The broker of CI (Redis) when configured, else a private filesystem one."""
    configured = os.environ.get("CELERY_BROKER_URL", "")
    if configured and not configured.startswith("filesystem://"):
        return {"CELERY_BROKER_URL": configured}
    return {
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_BROKER_DIR": str(folder / "broker"),
    }


def stack_env(tmp_path: Path, documents: Path, port: int) -> dict[str, str]:
    """The environment compose would give the portal, pointed at this machine."""
    venv_bin = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        # Docker sets it; the worker's health check names the node with it.
        "HOSTNAME": socket.gethostname(),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on 127.0.0.1: no TLS proxy in front here.
        "DJANGO_SECURE_COOKIES": "false",
        "DATABASE_URL": database_url(),
        "DOCUMENTS_STORAGE": "filesystem",
        "DOCUMENTS_ROOT": str(documents),
        "EMAIL_URL": "dummymail://",
        "LOG_FORMAT": "json",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # The test signs in as the demo applicant: seeded with DEBUG off on purpose.
        "DEMO_SEED": "true",
        "DEMO_SEED_ALLOW_PRODUCTION": "true",
        "DEMO_PASSWORD": PASSWORD,
        # Beat sweeps every second, so the test sees it work.
        "EVALUATION_SWEEP_INTERVAL_SECONDS": "1",
        "EVALUATION_SWEEP_AFTER_SECONDS": "30",
        "NOTIFICATION_SWEEP_INTERVAL_SECONDS": "1",
        "CELERY_WORKER_CONCURRENCY": "1",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_CMD_ARGS": f"--bind=127.0.0.1:{port}",
        # As in the image: hashed static files, collected first, served by WhiteNoise.
        "DJANGO_STATIC_MANIFEST": "true",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        **broker_env(tmp_path),
    }


def service_command(name: str, env: dict[str, str], tmp_path: Path) -> list[str]:
    """A service's command from docker-compose.yml, its /tmp files moved here."""
    words = [interpolate(word, env) for word in command_of(SERVICES[name])]
    return [word.replace("/tmp/", f"{tmp_path}/") for word in words]


def collect_static(env: dict[str, str]) -> None:
    """The image's build step: collectstatic with the production storage."""
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )


def start(name: str, env: dict[str, str], tmp_path: Path) -> subprocess.Popen:
    log = (tmp_path / f"{name}.log").open("w")
    return subprocess.Popen(  # noqa: S603
        service_command(name, env, tmp_path),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until_healthy(base_url: str, processes: dict, timeout: float = 90.0) -> None:
    """Poll /healthz until it answers 200 (migrate and seed_demo run first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in processes.items():
            assert process.poll() is None, f"{name} exited with {process.returncode}"
        try:
            if requests.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"/healthz did not answer 200 within {timeout} s")


@pytest.fixture
def stack(transactional_db, tmp_path, document_storage):
    """web, worker and beat, started as compose starts them; stopped after."""
    port = free_port()
    env = stack_env(tmp_path, document_storage, port)
    collect_static(env)
    processes = {}
    try:
        for name in ("web", "worker", "beat"):
            processes[name] = start(name, env, tmp_path)
        base_url = f"http://127.0.0.1:{port}"
        wait_until_healthy(base_url, processes)
        logs = {name: tmp_path / f"{name}.log" for name in processes}
        yield Stack(base_url=base_url, env=env, logs=logs)
    finally:
        for process in processes.values():
            stop(process)


# --- the applicant's session, over HTTP ---------------------------------------


class Browser(requests.Session):
    """A requests session that sends the CSRF token as the portal's forms do."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url

    def post_form(self, path: str, data: dict, **kwargs) -> requests.Response:
        data = {**data, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        return self.post(
            self.base_url + path, data=data, allow_redirects=False, **kwargs
        )

    def sign_in(self, email: str, password: str) -> None:
        self.get(f"{self.base_url}/accounts/login/", timeout=10)
        response = self.post_form(
            "/accounts/login/", {"username": email, "password": password}, timeout=10
        )
        assert response.status_code == 302, response.text[:2000]
        assert response.headers["Location"] == "/profiles/"


def wizard_steps() -> list[tuple[str, dict, dict]]:
    """(step, fields, files) for a complete profile, as the forms post them."""
    notifications = {"email": "alerts@acme.example.com", "status_callback": ""}
    documents = {"document_type": "utility_bill"}
    upload = {"documents-files": ("bill.pdf", PDF, "application/pdf")}
    return [
        ("general", prefixed("general", GENERAL), {}),
        ("business", prefixed("business", BUSINESS), {}),
        (
            "representatives",
            representatives_data(FIRST_REPRESENTATIVE, SECOND_REPRESENTATIVE),
            {},
        ),
        ("address", prefixed("address", ADDRESS), {}),
        ("documents", prefixed("documents", documents), upload),
        ("notifications", prefixed("notifications", notifications), {}),
    ]


def fill_in_and_submit(browser: Browser, request_id: str) -> str:
    """Create a secondary profile, answer every step, submit; its SID."""
    created = browser.post_form("/profiles/secondary/new/", {}, timeout=10)
    assert created.status_code == 302, created.text[:2000]
    sid = re.fullmatch(
        r"/profiles/(BU[0-9a-f]{32})/edit/general/", created.headers["Location"]
    )[1]
    for step, fields, files in wizard_steps():
        response = browser.post_form(
            f"/profiles/{sid}/edit/{step}/",
            {"wizard-current_step": step, **fields},
            files=files or None,
            timeout=30,
        )
        assert response.status_code == 302, (step, response.text[:3000])
    submitted = browser.post_form(
        f"/profiles/{sid}/edit/review/",
        {"wizard-current_step": "review"},
        headers={"X-Request-ID": request_id},
        timeout=30,
    )
    assert submitted.status_code == 302
    assert submitted.headers["Location"] == f"/profiles/{sid}/"
    assert submitted.headers["X-Request-ID"] == request_id
    return sid


def wait_for_status(browser: Browser, sid: str, timeout: float = 60.0) -> dict:
    """Poll the status endpoint, as the profile page does, until it is decided."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = browser.get(f"{browser.base_url}/profiles/{sid}/status/", timeout=10)
        body = status.json()
        if body["status"] != Status.PENDING_REVIEW:
            return body
        time.sleep(0.1)
    raise AssertionError(f"{sid} was not decided within {timeout} s")


def lost_submission() -> CustomerProfile:
    """A profile pending review for an hour with no message: only beat finds it."""
    account = AccountFactory(name="Lost Ltd")
    PrimaryProfileFactory(account=account)
    profile = complete_secondary_profile(account, friendly_name="Lost Ltd")
    with transaction.atomic():
        locked = lock_profile(profile)
        locked.revision = 1
        locked.submitted_at = timezone.now() - timedelta(hours=1)
        locked.save()
        transition(locked, Status.PENDING_REVIEW)
    return profile


def wait_for_worker_lines(stack: Stack, text: str, request_id: str) -> list[dict]:
    """The worker's JSON lines that mention the text under the request id."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [
            entry
            for entry in stack.log_entries("worker")
            if text in entry["message"] and entry["request_id"] == request_id
        ]
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(stack.logs["worker"].read_text()[-3000:])


def run_health_check(name: str, stack: Stack, tmp_path: Path) -> None:
    """Run a service's compose health check against the running processes."""
    words = [interpolate(word, stack.env) for word in health_test(SERVICES[name])]
    words = [word.replace("/tmp/", f"{tmp_path}/") for word in words]
    if name == "web":
        words[-1] = f"{stack.base_url}/healthz"
    command = (
        words
        if SERVICES[name]["healthcheck"]["test"][0] == "CMD"
        else [
            "sh",
            "-c",
            " ".join(words),
        ]
    )
    result = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=stack.env, capture_output=True, timeout=60
    )
    assert result.returncode == 0, (name, result.stdout, result.stderr)


def lines_from(path: Path, first: str) -> list[str]:
    """The lines of a log file from the first one containing `first`."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if first in line)
    return lines[start:]


# --- the test -----------------------------------------------------------------


def test_the_stack_serves_a_submission_over_http_and_its_workers_decide_it(
    stack, tmp_path
):
    lost = lost_submission()
    browser = Browser(stack.base_url)
    request_id = f"stack-{uuid.uuid4().hex}"

    browser.sign_in(APPLICANT, PASSWORD)
    started = time.monotonic()
    sid = fill_in_and_submit(browser, request_id)
    decided = wait_for_status(browser, sid)
    latency = time.monotonic() - started

    assert decided["status"] == Status.IN_REVIEW, decided
    assert decided["revision"] == 1
    # Beat's sweep sent the lost one to the worker.
    assert wait_for_decision(lost, timeout=60.0).status == Status.IN_REVIEW
    # The submit request's id is in the worker's log lines of the evaluation.
    evaluated = wait_for_worker_lines(stack, "evaluate_profile", request_id)
    assert evaluated[0]["level"] == "INFO"
    # Once gunicorn runs, the web process writes JSON lines only.
    served = lines_from(stack.logs["web"], "Starting gunicorn")
    assert all(json.loads(line)["level"] for line in served)
    # Pages load hashed static files from WhiteNoise, under a strict CSP.
    page = browser.get(f"{stack.base_url}/profiles/", timeout=10)
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    stylesheet = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', page.text)
    css = browser.get(stack.base_url + stylesheet[1], timeout=10)
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "immutable" in css.headers["Cache-Control"]
    # The compose health checks pass on these processes.
    for name in ("web", "worker", "beat"):
        run_health_check(name, stack, tmp_path)
    print(f"fill in, submit and decision over HTTP: {latency:.2f} s")
