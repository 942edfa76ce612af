"""Keep one process of `make run` running: restart it whenever it exits.

    python -m portal.supervise NAME -- COMMAND [ARG ...]

honcho, which `make run` uses to start the web server, the worker and beat
side by side, stops them all as soon as one exits and has no restart policy.
Each Procfile line runs its command under this supervisor instead, so a
worker that crashes is started again (after 1 s, doubling up to 30 s while it
keeps crashing within a minute) and the web server goes on serving meanwhile.
Each exit and restart is logged. SIGTERM or SIGINT (honcho stopping, Ctrl-C)
stops the command and the supervisor, without a restart.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time

logger = logging.getLogger("portal.supervise")

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
# A process that ran this long before exiting is restarted after the first delay.
STABLE_AFTER_SECONDS = 60.0


class Supervisor:
    """Runs a command again each time it exits, until asked to stop."""

    def __init__(self, name: str, command: list[str]):
        self.name = name
        self.command = command
        self.child: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.restarts = 0

    def run(self) -> int:
        """Run the command until a stop signal; its last exit code."""
        delay = FIRST_DELAY_SECONDS
        code = 0
        while not self.stopping.is_set():
            started = time.monotonic()
            self.child = subprocess.Popen(self.command)  # noqa: S603
            logger.info("%s started (pid %d)", self.name, self.child.pid)
            if self.stopping.is_set():
                # The stop signal came while the command was starting.
                self.child.terminate()
            code = self.child.wait()
            ran = time.monotonic() - started
            if self.stopping.is_set():
                return code
            delay = FIRST_DELAY_SECONDS if ran >= STABLE_AFTER_SECONDS else delay
            self.restarts += 1
            logger.error(
                "%s exited (%s) after %.1f s; restart %d in %.0f s",
                self.name,
                describe_exit(code),
                ran,
                self.restarts,
                delay,
            )
            self.stopping.wait(delay)
            delay = min(delay * 2, MAX_DELAY_SECONDS)
        return code

    def stop(self, signum: int, frame=None) -> None:
        """Stop for good: pass SIGTERM on to the command, restart nothing."""
        self.stopping.set()
        # honcho signals the whole process group, the command included; a
        # second SIGTERM is harmless, a second SIGINT is a cold shutdown.
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)


def describe_exit(code: int) -> str:
    """'code 1', or 'signal SIGKILL' for a process that a signal ended."""
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"code {code}"


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s supervise %(levelname)s %(message)s"
    )
    supervisor = Supervisor(argv[0], argv[2:])
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    code = supervisor.run()
    # As a shell reports a command that a signal ended.
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
