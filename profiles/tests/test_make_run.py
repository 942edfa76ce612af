"""`make run` itself, as a new user starts it: its processes outlive a crash.

The portal runs from the Makefile (honcho, the Procfile's supervised web
server, worker and beat) on a fresh SQLite file and filesystem broker under
the test's folder. The worker's main process is killed; the web server goes on
answering, the supervisor starts the worker again, and the submission sent
meanwhile is decided, by its message (the sweep is set an hour away).
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from bench.soak import (
    Browser,
    fill_in,
    sign_in,
    start_portal,
    stop_portal,
    submit,
    wait_until_up,
)
from profiles.tests.processes import free_port

pytestmark = pytest.mark.integration


def started_pids(log: Path, name: str) -> list[int]:
    """The pids the supervisor of `name` started, oldest first."""
    return [
        int(pid)
        for pid in re.findall(rf"{name} started \(pid (\d+)\)", log.read_text())
    ]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := predicate():
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout} s")


def status_of(browser: Browser, sid: str) -> str:
    return re.search(
        r'"status": "([^"]+)"', browser.get(f"/profiles/{sid}/status/")[1]
    )[1]


@pytest.fixture
def portal(tmp_path):
    """make run on a free port; the sweep would only find a lost message in an hour."""
    port = free_port()
    process = start_portal(tmp_path, port, EVALUATION_SWEEP_AFTER_SECONDS="3600")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield base, tmp_path
    finally:
        stop_portal(process, tmp_path / "run.log")


def test_a_killed_worker_comes_back_and_the_web_answers_meanwhile(portal):
    base, folder = portal
    log = folder / "run.log"
    browser = Browser(base)
    sign_in(browser, "/accounts/login/", "applicant@example.com")
    sid = fill_in(browser, "incomplete", callback="")
    (worker,) = wait_for(lambda: started_pids(log, "worker"), 30, "no worker started")

    os.kill(worker, signal.SIGKILL)
    wait_for(
        lambda: "worker exited (signal SIGKILL)" in log.read_text(),
        10,
        "no exit logged",
    )
    # The web server answers while the worker is down, and takes the submission.
    submit(browser, sid)
    assert status_of(browser, sid) == "pending-review"

    restarted = wait_for(lambda: started_pids(log, "worker")[1:], 10, "no restart")
    assert restarted[0] != worker
    wait_for(lambda: status_of(browser, sid) != "pending-review", 30, "not decided")
    assert status_of(browser, sid) == "twilio-rejected"
    assert "supervise ERROR worker exited (signal SIGKILL)" in log.read_text()


def test_make_run_links_its_emails_to_its_own_port(portal):
    base, folder = portal
    browser = Browser(base)
    sign_in(browser, "/accounts/login/", "applicant@example.com")
    sid = fill_in(browser, "incomplete", callback="")

    submit(browser, sid)

    def email_about_it():
        mail = folder / "mail"
        texts = (
            [path.read_text() for path in mail.glob("*.log")] if mail.exists() else []
        )
        return [text for text in texts if sid in text]

    (email,) = wait_for(email_about_it, 30, "no email about the rejection")
    assert f"{base}/profiles/{sid}/" in email
