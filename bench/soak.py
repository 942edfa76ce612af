"""`make soak`: the embedded default, as `make run` starts it, under steady load.

    python -m bench.soak [--minutes 30] [--applicants 2] [--pause 0.5]

Starts `make run` (honcho, the supervised web server, worker and beat) on a
fresh SQLite database, filesystem broker, documents and mail folder under a
temporary folder, with beat's sweeps every 2 s. For the given minutes,
applicants sign in as the demo applicant and submit profiles through the
wizard over HTTP (complete ones, ones missing a representative that the
evaluation rejects, and answers the forms refuse), while a reviewer approves
or rejects in the admin whatever reaches In Review. Status callbacks go to a
receiver on this machine. The load then stops, the portal is given time to
finish, and the report counts:

- processes restarted (the supervisors' log lines),
- messages lost or doubled (tasks sent against tasks the worker received, by
  id, from the processes' JSON logs) and messages the broker set aside,
- profiles stranded in Pending Review, deliveries not sent,
- server errors (5xx and failed requests seen by the clients, ERROR lines
  logged by the web server, worker or beat).

It prints the report as JSON and exits 1 if any of those is not 0.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from collections import Counter
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

from bench.client import percentile
from bench.decision_latency import PDF, STEPS, Browser
from bench.receiver import Receiver
from profiles.tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ("web", "worker", "beat")
LOG_LINE = re.compile(r"^\S+ (\w+)\.\d+\s+\| (.*)$")
SENT = re.compile(r"Task (\S+)\[([0-9a-f-]+)\] sent")
RECEIVED = re.compile(r"Task (\S+)\[([0-9a-f-]+)\] received")
REVIEW_LINK = re.compile(r"/admin/profiles/customerprofile/(\d+)/change/")
PASSWORD = "demo12345!"
# Answers the forms refuse: the step answers 200 with the errors, saves nothing.
REFUSED = {"representatives": {"0-phone_number": "not a phone", "0-email": "nope"}}


@dataclass
class Tally:
    """What the clients did and saw, shared by their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    submitted: Counter = field(default_factory=Counter)
    reviewed: Counter = field(default_factory=Counter)
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    sids: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        with self.lock:
            self.server_errors.append(what)


class CountingBrowser(Browser):
    """The latency client's browser, counting requests and 5xx answers."""

    def __init__(self, base: str, tally: Tally):
        super().__init__(base)
        self.tally = tally

    def get(self, path: str):
        return self.counted("GET", path, super().get, path)

    def post(self, path: str, fields: dict, files: dict | None = None):
        return self.counted("POST", path, super().post, path, fields, files)

    def counted(self, method: str, path: str, call, *args):
        with self.tally.lock:
            self.tally.requests += 1
        try:
            return call(*args)
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                self.tally.error(f"{method} {path}: {error.code}")
            raise
        except OSError as error:
            self.tally.error(f"{method} {path}: {error!r}")
            raise


# --- the portal, as make run starts it ---------------------------------------------


def portal_env(folder: Path) -> dict[str, str]:
    """make run's embedded default, every file under the soak's folder."""
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": f"sqlite:///{folder / 'portal.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_BROKER_DIR": str(folder / "broker"),
        "CELERY_BEAT_SCHEDULE_FILENAME": str(folder / "celerybeat-schedule"),
        "DOCUMENTS_STORAGE": "filesystem",
        "DOCUMENTS_ROOT": str(folder / "documents"),
        # django-environ drops the path's first slash: four make it absolute.
        "EMAIL_URL": f"filemail:///{folder / 'mail'}",
        "DEMO_PASSWORD": PASSWORD,
        "LOG_FORMAT": "json",
        "EVALUATION_SWEEP_INTERVAL_SECONDS": "2",
        "NOTIFICATION_SWEEP_INTERVAL_SECONDS": "2",
        # Many applicants from one address: not what the throttle is for.
        "LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS": "1000",
    }


def start_portal(folder: Path, port: int, **settings: str) -> subprocess.Popen:
    """`make run` in its own process group, its output to run.log."""
    venv = Path(sys.executable).parent.parent
    return subprocess.Popen(  # noqa: S603
        ["make", "--no-print-directory", "run", f"PORT={port}", f"VENV={venv}"],  # noqa: S607
        cwd=ROOT,
        env=portal_env(folder) | settings,
        stdout=(folder / "run.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_until_up(base: str, portal: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if portal.poll() is not None:
            raise SystemExit(f"make run exited with {portal.returncode}")
        try:
            Browser(base).get("/healthz")
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the portal did not answer /healthz within {timeout} s")


def stop_portal(portal: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Ctrl-C, as a person stops make run: honcho stops the three processes."""
    if portal.poll() is not None:
        return
    os.killpg(portal.pid, signal.SIGINT)
    try:
        portal.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(portal.pid, signal.SIGKILL)
        portal.wait()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stopped = re.findall(r"system\s+\| (\w+)\.\d+ stopped", log.read_text())
        if set(stopped) >= set(PROCESSES):
            return
        time.sleep(0.5)


# --- the clients -------------------------------------------------------------------


def answers(kind: str, callback: str) -> list[tuple[str, dict]]:
    """The steps' answers for a complete or an incomplete profile."""
    steps = {step: dict(fields) for step, fields in STEPS.items() if step != "review"}
    # The applicant's own sign-in address: a member's, so it needs no confirmation.
    steps["notifications"] = {
        "email": "applicant@example.com",
        "status_callback": callback,
    }
    if kind == "incomplete":
        # One representative: the form allows it, the evaluation rejects it.
        steps["representatives"] = {
            key: value
            for key, value in steps["representatives"].items()
            if not key.startswith("1-")
        } | {"TOTAL_FORMS": "1"}
    return list(steps.items())


def fill_in(browser: Browser, kind: str, callback: str) -> str:
    """Create a profile and answer every step (one refused answer first)."""
    url = browser.post("/profiles/secondary/new/", {})
    sid = url.split("/")[-4]
    for step, data in answers(kind, callback):
        path = f"/profiles/{sid}/edit/{step}/"
        if step in REFUSED:
            refused = {**data, **REFUSED[step]}
            stayed = browser.post(path, form_fields(step, refused))
            if not stayed.endswith(path):
                raise AssertionError(f"{step} accepted refused answers: {stayed}")
        files = {"documents-files": ("bill.pdf", PDF)} if step == "documents" else None
        browser.post(path, form_fields(step, data), files)
    return sid


def submit(browser: Browser, sid: str) -> None:
    """Submit for review, from the review step: the profile page follows."""
    landed = browser.post(f"/profiles/{sid}/edit/review/", form_fields("review", {}))
    if not landed.endswith(f"/profiles/{sid}/"):
        raise AssertionError(f"{sid} was not submitted: {landed}")


def form_fields(step: str, data: dict) -> dict:
    return {"wizard-current_step": step, **{f"{step}-{k}": v for k, v in data.items()}}


def applicant(base: str, receiver: str, until: float, pause: float, tally: Tally):
    browser = CountingBrowser(base, tally)
    sign_in(browser, "/accounts/login/", "applicant@example.com")
    for kind in itertools.cycle(("complete", "incomplete")):
        if time.monotonic() >= until:
            return
        try:
            sid = fill_in(browser, kind, f"{receiver}/callbacks")
            submit(browser, sid)
        except (OSError, AssertionError) as error:
            tally.error(f"applicant: {error!r}")
            continue
        with tally.lock:
            tally.submitted[kind] += 1
            tally.sids.append(sid)
        time.sleep(pause)


def reviewer(base: str, until: float, pause: float, tally: Tally) -> None:
    """Approve or reject, in turn, every profile the queue shows In Review."""
    browser = CountingBrowser(base, tally)
    sign_in(browser, "/admin/login/?next=/admin/", "reviewer@example.com")
    decisions = itertools.cycle(("approve", "reject"))
    while time.monotonic() < until:
        try:
            _, queue = browser.get(
                "/admin/profiles/customerprofile/?status__exact=in-review"
            )
            for pk in dict.fromkeys(REVIEW_LINK.findall(queue)):
                decision = next(decisions)
                path = f"/admin/profiles/customerprofile/{pk}/{decision}/"
                fields = {}
                if decision == "reject":
                    fields = {"code_18601": "on", "reason_18601": "Soak: unreadable."}
                browser.get(f"/admin/profiles/customerprofile/{pk}/change/")
                browser.post(path, fields)
                with tally.lock:
                    tally.reviewed[decision] += 1
        except OSError as error:
            tally.error(f"reviewer: {error!r}")
        time.sleep(pause)


def sign_in(browser: Browser, path: str, email: str) -> None:
    browser.get(path)
    landed = browser.post(path, {"username": email, "password": PASSWORD})
    if "login" in landed:
        raise SystemExit(f"{email} could not sign in")


# --- the report --------------------------------------------------------------------


def log_entries(log: Path) -> list[tuple[str, dict]]:
    """(process, JSON entry) for every JSON line of make run's output."""
    entries = []
    for line in log.read_text(errors="replace").splitlines():
        matched = LOG_LINE.match(line)
        if matched and matched[2].startswith("{"):
            try:
                entries.append((matched[1], json.loads(matched[2])))
            except ValueError:
                continue
    return entries


def message_figures(entries: list[tuple[str, dict]], broker: Path) -> dict:
    """Tasks sent and received, by id; what was lost, doubled or set aside."""
    sent, received = Counter(), Counter()
    for _, entry in entries:
        if found := SENT.search(entry["message"]):
            sent[found[2]] += 1
        if found := RECEIVED.search(entry["message"]):
            received[found[2]] += 1
    # Still on disk when the portal stopped (a sweep sent as it stopped): not
    # lost, the next start takes them.
    on_disk = task_ids_on_disk(broker)
    return {
        "messages_sent": sum(sent.values()),
        "messages_received": sum(received.values()),
        "messages_on_disk_at_stop": len(on_disk),
        "messages_lost": len(set(sent) - set(received) - on_disk),
        "messages_doubled": sum(1 for count in received.values() if count > 1),
        "messages_set_aside": len(list((broker / "unreadable").iterdir())),
    }


def database_figures(folder: Path, sids: list[str]) -> dict:
    """What the soak's database says once the portal has finished."""
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'portal.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # make run's settings, DEBUG on as it runs them (no secret key needed).
    os.environ.setdefault("DJANGO_DEBUG", "true")
    import django

    django.setup()
    from profiles.choices import DeliveryState, Status
    from profiles.models import CustomerProfile, NotificationDelivery

    profiles = CustomerProfile.objects.filter(sid__in=sids)
    statuses = Counter(profiles.values_list("status", flat=True))
    latencies = decision_latencies(profiles)
    deliveries = NotificationDelivery.objects.filter(
        status_change__profile__in=profiles
    )
    return {
        "profiles_by_status": dict(statuses),
        "profiles_stranded": statuses.get(Status.PENDING_REVIEW, 0),
        "decision_ms_p50": round(percentile(latencies, 50), 1),
        "decision_ms_p95": round(percentile(latencies, 95), 1),
        "deliveries": deliveries.count(),
        "deliveries_not_sent": deliveries.exclude(
            state=DeliveryState.DELIVERED
        ).count(),
    }


def decision_latencies(profiles) -> list[float]:
    """Milliseconds from each submission to its evaluation's verdict."""
    from profiles.choices import Status
    from profiles.models import StatusChange

    submitted, latencies = {}, []
    changes = StatusChange.objects.filter(profile__in=profiles).order_by("id")
    for change in changes.only(
        "profile_id", "revision", "from_status", "to_status", "created_at"
    ):
        key = (change.profile_id, change.revision)
        if change.to_status == Status.PENDING_REVIEW:
            submitted[key] = change.created_at
        elif change.from_status == Status.PENDING_REVIEW and key in submitted:
            latencies.append(
                (change.created_at - submitted.pop(key)).total_seconds() * 1000
            )
    return latencies


def wait_until_settled(base: str, folder: Path, sids: list[str], timeout: float):
    """Give the worker time to decide, deliver and drain what the load left."""
    browser = Browser(base)
    sign_in(browser, "/accounts/login/", "applicant@example.com")
    deadline = time.monotonic() + timeout
    pending = list(sids)
    while time.monotonic() < deadline:
        pending = [
            sid
            for sid in pending
            if '"pending-review"' in browser.get(f"/profiles/{sid}/status/")[1]
        ]
        if not pending and not queued(folder / "broker"):
            break
        time.sleep(1)
    # The last deliveries' outcomes are written in batches.
    time.sleep(3)


def queued(broker: Path) -> list[Path]:
    """Messages waiting in the queue or taken and not yet acknowledged."""
    return list((broker / "queue").glob("*.msg")) + list(
        (broker / "claimed").glob("*/*.msg")
    )


def task_ids_on_disk(broker: Path) -> set[str]:
    """The task ids of the messages still queued or claimed."""
    return {json.loads(path.read_bytes())["headers"]["id"] for path in queued(broker)}


def soak(minutes: float, applicants: int, pause: float, folder: Path) -> dict:
    """Start make run, load it for `minutes`, let it settle, stop it; the report."""
    port, receiver_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    receiver = ThreadingHTTPServer(("127.0.0.1", receiver_port), Receiver)
    receiver.daemon_threads = True
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    portal = start_portal(folder, port)
    tally = Tally()
    try:
        wait_until_up(base, portal)
        started = time.monotonic()
        callbacks = f"http://127.0.0.1:{receiver_port}"
        load(base, callbacks, started + minutes * 60, applicants, pause, tally)
        wait_until_settled(base, folder, tally.sids, timeout=180)
        ran = time.monotonic() - started
    finally:
        stop_portal(portal, folder / "run.log")
        receiver.shutdown()
    return {"minutes": round(ran / 60, 1), "applicants": applicants} | report(
        folder, tally
    )


def load(base, callbacks, until, applicants: int, pause: float, tally: Tally):
    """The applicants and the reviewer, each a thread, until `until`."""
    threads = [
        threading.Thread(target=applicant, args=(base, callbacks, until, pause, tally))
        for _ in range(applicants)
    ]
    reviewing = (base, until, max(pause, 0.5), tally)
    threads.append(threading.Thread(target=reviewer, args=reviewing))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def report(folder: Path, tally: Tally) -> dict:
    """The figures, from the clients' tally, make run's log and the database."""
    log = folder / "run.log"
    entries = log_entries(log)
    errors = [
        f"{process}: {entry['message'][:200]}"
        for process, entry in entries
        if entry.get("level") in ("ERROR", "CRITICAL")
    ]
    restarts = re.findall(r"supervise ERROR (\w+) exited", log.read_text())
    return {
        "requests": tally.requests,
        "submitted": dict(tally.submitted),
        "reviewed": dict(tally.reviewed),
        "processes_restarted": len(restarts),
        **message_figures(entries, folder / "broker"),
        **database_figures(folder, tally.sids),
        "server_errors": len(tally.server_errors) + len(errors),
        "first_errors": (tally.server_errors + errors)[:10],
        "log": str(log),
    }


FAILURES = (
    "processes_restarted",
    "messages_lost",
    "messages_doubled",
    "messages_set_aside",
    "profiles_stranded",
    "deliveries_not_sent",
    "server_errors",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", 30))
    )
    parser.add_argument(
        "--applicants", type=int, default=int(os.environ.get("SOAK_APPLICANTS", 2))
    )
    parser.add_argument(
        "--pause", type=float, default=float(os.environ.get("SOAK_PAUSE_SECONDS", 0.5))
    )
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"soak: {args.minutes} min, {args.applicants} applicants, files in {folder}")
    report = soak(args.minutes, args.applicants, args.pause, folder)
    print(json.dumps(report, indent=2))
    (folder / "report.json").write_text(json.dumps(report, indent=2))
    failed = [name for name in FAILURES if report[name]]
    submitted = sum(report["submitted"].values())
    if failed or not submitted:
        print(f"soak failed: {', '.join(failed) or 'nothing was submitted'}")
        return 1
    print("soak passed: nothing restarted, lost, stranded, unsent or failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
