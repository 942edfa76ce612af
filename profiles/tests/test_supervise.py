"""portal/supervise.py, the restart policy of `make run`'s processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from profiles.tests.processes import stop

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# Counts its starts in a file, then exits with code 3.
CRASHING = (
    "import pathlib, sys; p = pathlib.Path(sys.argv[1]); "
    "p.write_text(p.read_text() + 'x' if p.exists() else 'x'); sys.exit(3)"
)


def supervise(*command: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "portal.supervise", "job", "--", *command],
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_for(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_command_that_exits_is_started_again_and_each_exit_logged(tmp_path):
    starts, log = tmp_path / "starts", tmp_path / "supervise.log"
    supervisor = supervise(sys.executable, "-c", CRASHING, str(starts), log=log)
    try:
        # Started, exited, restarted after 1 s, exited, restarted after 2 s.
        wait_for(lambda: starts.exists() and len(starts.read_text()) >= 3)
        assert supervisor.poll() is None
    finally:
        stop(supervisor)

    text = log.read_text()
    assert "job exited (code 3)" in text
    assert "restart 1 in 1 s" in text
    assert "restart 2 in 2 s" in text


def test_sigterm_stops_the_command_and_the_supervisor_without_a_restart(tmp_path):
    started, log = tmp_path / "started", tmp_path / "supervise.log"
    sleeper = (
        f"import pathlib, time; pathlib.Path({str(started)!r}).touch(); time.sleep(60)"
    )
    supervisor = supervise(sys.executable, "-c", sleeper, log=log)
    wait_for(started.exists)

    supervisor.send_signal(signal.SIGTERM)

    assert supervisor.wait(10) == 128 + signal.SIGTERM
    assert "restart" not in log.read_text()


def test_a_command_killed_by_a_signal_is_logged_by_the_signals_name(tmp_path):
    started, log = tmp_path / "started", tmp_path / "supervise.log"
    killer = (
        f"import os, pathlib, signal; p = pathlib.Path({str(started)!r}); "
        "first = not p.exists(); p.touch(); "
        "first and os.kill(os.getpid(), signal.SIGKILL); import time; time.sleep(60)"
    )
    supervisor = supervise(sys.executable, "-c", killer, log=log)
    try:
        wait_for(lambda: "restart 1" in log.read_text())
    finally:
        stop(supervisor)

    assert "job exited (signal SIGKILL)" in log.read_text()


def test_it_says_how_it_is_called_when_called_wrong(tmp_path):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "portal.supervise", "job", "celery"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert "python -m portal.supervise NAME -- COMMAND" in result.stderr
