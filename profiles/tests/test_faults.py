"""Faults: a worker killed mid-evaluation, the broker down, a failing receiver.

Each test starts its own redis-server on a free port and its own Celery worker
processes, against the test database (PostgreSQL when DATABASE_URL is set,
else the SQLite test file under var/), and stops only those.

No setting slows an evaluation down, so the worker is caught in the middle of
one by holding the profile's row (PostgreSQL: SELECT ... FOR UPDATE; SQLite:
the database's write lock) from the test: the worker receives the task, enters
evaluate_submission_batch's transaction and waits there; it is then killed with
SIGKILL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import redis
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from kombu import Connection, Producer, Queue
from kombu.common import ignore_errors

from portal import redis_broker
from profiles.choices import Channel, DeliveryState, Status
from profiles.lifecycle import lock_profile, profile_submit, transition
from profiles.models import (
    CustomerProfile,
    Evaluation,
    NotificationDelivery,
    StatusChange,
)
from profiles.notifications.delivery import deliver
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.processes import database_url, free_port, stop, wait_for_port
from profiles.tests.receivers import Receiver, Reply

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="no redis-server"),
]

ROOT = Path(__file__).resolve().parents[2]
DECIDED = (Status.IN_REVIEW, Status.TWILIO_REJECTED)


# --- Processes this file starts ------------------------------------------------


class RedisServer:
    """A private, non-persistent redis-server on a free port."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.process)
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


class Workers:
    """Celery worker processes (solo pool: one process each, no children) and
    one beat process for the sweeps, all on one broker."""

    def __init__(self, tmp_path: Path, broker_url: str):
        self.tmp_path = tmp_path
        self.broker_url = broker_url
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        self.beat: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url(),
            # As deployed (compose): workers keep their connection between tasks.
            "DATABASE_CONN_MAX_AGE": "60",
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_BEAT_SCHEDULE_FILENAME": str(self.tmp_path / "beat-schedule"),
            "EVALUATION_SWEEP_INTERVAL_SECONDS": "1",
            "EVALUATION_SWEEP_AFTER_SECONDS": "1",
            "NOTIFICATION_SWEEP_INTERVAL_SECONDS": "3600",
            "EMAIL_URL": "dummymail://",
            "LOG_FORMAT": "text",
            "LOG_LEVEL": "INFO",
        }

    def start(self) -> subprocess.Popen:
        log = self.tmp_path / f"worker-{len(self.processes)}.log"
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"fault{len(self.processes)}@%h",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        self.logs.append(log)
        return process

    def start_beat(self) -> subprocess.Popen:
        log = self.tmp_path / "beat.log"
        self.beat = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "INFO"],
            cwd=ROOT,
            env=self.env(),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        return self.beat

    def log(self, index: int = -1) -> str:
        return self.logs[index].read_text(errors="replace")

    def stop_all(self) -> None:
        for process in [*self.processes, self.beat]:
            if process is not None:
                stop(process)


@pytest.fixture
def workers(tmp_path, redis_server):
    pool = Workers(tmp_path, redis_server.url)
    try:
        yield pool
    finally:
        pool.stop_all()


def wait_for(condition, what: str, timeout: float = 60.0, processes=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            assert process.poll() is None, f"{process.args} exited ({what})"
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def pending_submission(account, age_seconds=600) -> CustomerProfile:
    """A submitted profile whose enqueue was lost: only the sweep will find it."""
    profile = complete_secondary_profile(account)
    with transaction.atomic():
        locked = lock_profile(profile)
        locked.revision = 1
        locked.submitted_at = timezone.now() - timedelta(seconds=age_seconds)
        locked.save()
        transition(locked, Status.PENDING_REVIEW)
    return profile


def decisions(profile) -> dict:
    """What a decided-once profile has: one evaluation, one deciding change."""
    return {
        "evaluations": Evaluation.objects.filter(profile=profile).count(),
        "decisions": StatusChange.objects.filter(
            profile=profile, from_status=Status.PENDING_REVIEW
        ).count(),
    }


def record_outcome(test: str, profiles) -> None:
    """Append this run's lost, doubled and stranded decisions to $STRESS_REPORT."""
    report = os.environ.get("STRESS_REPORT")
    if not report:
        return
    counts = [decisions(p) for p in profiles]
    outcome = {
        "test": test,
        "profiles": len(profiles),
        "lost": sum(1 for p in profiles if not all_decided([p])),
        "doubled": sum(1 for c in counts if c["evaluations"] > 1 or c["decisions"] > 1),
        # Left Pending Review when the run ended: what a person would find.
        "stranded": CustomerProfile.objects.filter(
            pk__in=[p.pk for p in profiles], status=Status.PENDING_REVIEW
        ).count(),
    }
    with open(report, "a", encoding="utf-8") as file:
        file.write(json.dumps(outcome) + "\n")


def all_decided(profiles) -> bool:
    return all(CustomerProfile.objects.get(pk=p.pk).status in DECIDED for p in profiles)


# --- A worker killed in the middle of an evaluation -------------------------------

EVALUATION_RECEIVED = re.compile(r"evaluate_profile\[[^\]]+\] received")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_evaluation_leaves_the_profile_decided_once(
    account, workers
):
    profile = pending_submission(account)

    with transaction.atomic():
        # Hold the row: the worker's evaluation blocks inside its transaction.
        CustomerProfile.objects.select_for_update().get(pk=profile.pk)
        if connection.vendor == "sqlite":
            CustomerProfile.objects.filter(pk=profile.pk).update(
                updated_at=timezone.now()
            )
        workers.start_beat()
        first = workers.start()
        # The banner lists evaluate_profile and the sweep is "received" first:
        # wait for the evaluation's own "Task ...evaluate_profile[id] received".
        wait_for(
            lambda: EVALUATION_RECEIVED.search(workers.log(0)),
            "the worker to receive the evaluation",
            timeout=120,
            processes=[first],
        )
        if connection.vendor == "postgresql":
            wait_for(
                blocked_on_a_lock, "the evaluation to wait on the row", timeout=120
            )
        else:
            time.sleep(0.5)  # let it reach BEGIN IMMEDIATE (no assertion on it)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        assert first.returncode == -signal.SIGKILL
    # The killed worker received the evaluation and never finished it.
    killed_log = workers.log(0)
    assert re.search(r"evaluate_profile\[[^\]]+\] received", killed_log)
    assert not re.search(r"evaluate_profile\[[^\]]+\] succeeded", killed_log)
    # The lock is released: whatever the killed worker had begun is gone.
    assert decisions(profile) == {"evaluations": 0, "decisions": 0}

    second = workers.start()
    try:
        wait_for(lambda: all_decided([profile]), "the decision", processes=[second])
        # Let the sweep and any redelivered message run a few more times.
        wait_for(
            lambda: workers.log().count("sweep_pending_evaluations") >= 6, "sweeps"
        )
    finally:
        record_outcome("kill", [profile])

    assert decisions(profile) == {"evaluations": 1, "decisions": 1}
    assert CustomerProfile.objects.get(pk=profile.pk).status == Status.IN_REVIEW


def blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


# --- The broker down while applicants submit ---------------------------------------


@pytest.fixture
def app_on(redis_server, celery_config):
    """This process's Celery app publishing to the private redis-server."""
    app = celery_config
    # A CELERY_BROKER_URL in the environment (CI) wins over broker_url, but not
    # over the read and write URLs.
    names = ("broker_url", "broker_read_url", "broker_write_url")
    saved = [app.conf[name] for name in names], app.conf.task_always_eager
    for name in names:
        app.conf[name] = redis_server.url
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield app
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        for name, value in zip(names, saved[0], strict=True):
            app.conf[name] = value
        app.conf.task_always_eager = saved[1]


@pytest.mark.django_db(transaction=True)
def test_submits_during_a_broker_outage_succeed_and_are_decided_once(
    account, applicant, workers, redis_server, app_on
):
    worker = workers.start()
    workers.start_beat()
    wait_for(lambda: "ready" in workers.log(), "the worker", processes=[worker])
    redis_server.stop()
    client = Client()
    client.force_login(applicant)
    profiles = [complete_secondary_profile(account) for _ in range(3)]

    for profile in profiles:
        response = client.post(
            f"/profiles/{profile.sid}/edit/review/",
            {"wizard-current_step": "review"},
            follow=True,
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Your profile was submitted for review." in page
        profile.refresh_from_db()
        assert profile.status == Status.PENDING_REVIEW

    redis_server.start()
    try:
        wait_for(lambda: all_decided(profiles), "every decision", processes=[worker])
        wait_for(
            lambda: workers.log().count("sweep_pending_evaluations") >= 6, "sweeps"
        )
    finally:
        record_outcome("broker-outage", profiles)

    for profile in profiles:
        assert decisions(profile) == {"evaluations": 1, "decisions": 1}
    # The worker rode the outage out (the same process, no crash on the way).
    assert worker.poll() is None
    assert "AttributeError" not in workers.log()


def consumed_unacknowledged(connection, queue: Queue):
    """A new channel on `connection` holding one message it has not acknowledged."""
    channel = connection.channel()
    Producer(channel).publish({"n": 1}, routing_key=queue.name, declare=[queue])
    message = channel.basic_get(queue.name, no_ack=False)
    assert message is not None
    return channel


def test_a_channel_closed_after_the_broker_went_away_does_not_crash_the_worker(
    redis_server,
):
    """What Celery's worker does when Redis goes away with messages unacknowledged.

    It collects its connection: kombu closes the channels one by one and stops at
    the first that fails (restoring its messages needs Redis), then forgets the
    connection's settings. Celery's consumer restart closes the channels left,
    catching only connection and channel errors; kombu's own transport raised
    AttributeError there (`_connparams`), and the worker exited.
    """
    queue = Queue("faults", routing_key="faults")
    with Connection(redis_server.url) as broker:
        transport = broker.transport
        assert isinstance(transport, redis_broker.Transport)
        left_open = consumed_unacknowledged(broker, queue)
        consumed_unacknowledged(broker, queue)
        # Kept in Redis too, for the visibility timeout to restore.
        assert redis.Redis.from_url(redis_server.url).hlen("unacked") == 2
        redis_server.stop()

        broker.collect()

        assert transport.client is None
        assert not left_open.closed
        ignore_errors(broker, left_open.close)
        assert left_open.closed


# --- The database drops a worker's connection ------------------------------------


def worker_connections() -> set[int]:
    """Backend pids of the test database's other client connections."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return {row[0] for row in cursor.fetchall()}


def submit_and_wait(profile, applicant, worker) -> None:
    profile_submit(profile=profile, actor=applicant)
    wait_for(lambda: all_decided([profile]), "the decision", processes=[worker])


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_connection_and_replaces_one_the_database_dropped(
    account, applicant, workers, app_on
):
    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's pg_stat_activity")
    worker = workers.start()
    wait_for(lambda: "ready" in workers.log(), "the worker", processes=[worker])
    first, second, third = (complete_secondary_profile(account) for _ in range(3))

    submit_and_wait(first, applicant, worker)
    kept = worker_connections()
    assert len(kept) == 1, kept
    submit_and_wait(second, applicant, worker)
    assert worker_connections() == kept

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [next(iter(kept))])
    submit_and_wait(third, applicant, worker)

    replaced = worker_connections()
    assert len(replaced) == 1 and replaced != kept
    # The dropped connection was found by the health check, not by a failed task.
    assert "OperationalError" not in workers.log()
    assert "retry" not in workers.log().lower()
    for profile in (first, second, third):
        assert decisions(profile) == {"evaluations": 1, "decisions": 1}


# --- A receiver that fails for a while, then recovers -------------------------------


class PortReceiver(Receiver):
    """A Receiver on a chosen port, so it can be down and then come up there."""

    def __init__(self, port: int, *script):
        super().__init__(*script)
        self.server.server_close()
        handler = self.server.RequestHandlerClass
        self.server = type(self.server)(("127.0.0.1", port), handler)
        self.thread.__init__(target=self.server.serve_forever, daemon=True)


def submitted_callbacks(account, url, count) -> list[NotificationDelivery]:
    deliveries = []
    for n in range(count):
        profile = complete_secondary_profile(
            account, status_callback=url, friendly_name=f"P{n}"
        )
        pending_submission_change = pending_submission_for(profile)
        deliveries.append(
            NotificationDelivery.objects.get(
                status_change=pending_submission_change, channel=Channel.WEBHOOK
            )
        )
    return deliveries


def pending_submission_for(profile) -> StatusChange:
    with transaction.atomic():
        locked = lock_profile(profile)
        locked.revision = 1
        locked.submitted_at = timezone.now()
        locked.save()
        return transition(locked, Status.PENDING_REVIEW)


def attempt_all_due(deliveries) -> None:
    """One round of the sweep: every pending delivery made due and attempted."""
    for delivery in deliveries:
        NotificationDelivery.objects.filter(
            pk=delivery.pk, state=DeliveryState.PENDING
        ).update(next_attempt_at=timezone.now())
        deliver(delivery.pk)


@pytest.mark.django_db
def test_a_receiver_that_recovers_gets_every_delivery_once_in_sequence(
    account, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    deliveries = submitted_callbacks(account, url, 3)

    attempt_all_due(deliveries)  # refused: nothing listens yet
    receiver = PortReceiver(
        port, *([500] * 3), *([Reply(200, delay=2.0)] * 3), Reply(200)
    ).start()
    try:
        attempt_all_due(deliveries)  # 500
        attempt_all_due(deliveries)  # timeouts
        attempt_all_due(deliveries)  # recovered
        attempt_all_due(deliveries)  # nothing left to send
    finally:
        receiver.stop()

    rows = [NotificationDelivery.objects.get(pk=d.pk) for d in deliveries]
    assert [r.state for r in rows] == [DeliveryState.DELIVERED] * 3
    assert [r.attempts for r in rows] == [4, 4, 4]
    # Each received once as a success; every attempt of a delivery has its id.
    ok = receiver.requests[6:]
    bodies = [parse_qs(r.body.decode()) for r in ok]
    assert sorted(b["BundleSid"][0] for b in bodies) == sorted(
        r.status_change.profile.sid for r in rows
    )
    assert [b["Sequence"] for b in bodies] == [["1"]] * 3
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert sorted(set(ids)) == sorted(r.message_id for r in rows)
    assert all(ids.count(r.message_id) == 3 for r in rows)


@pytest.mark.django_db
def test_a_receiver_that_never_recovers_ends_failed_with_its_attempts(
    account, settings, applicant_client
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.NOTIFICATION_MAX_ATTEMPTS = 4
    receiver = Receiver(500).start()
    try:
        (delivery,) = submitted_callbacks(account, receiver.url, 1)
        for _ in range(6):
            attempt_all_due([delivery])
    finally:
        receiver.stop()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 4
    assert delivery.last_response_code == 500
    assert len(receiver.requests) == 4
    page = applicant_client.get("/account/").content.decode()
    assert delivery.message_id in page or "Failed" in page


# --- A transaction that rolls back after a status change ----------------------------


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_status_change_sends_no_notification(account, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    receiver = Receiver(200).start()
    profile = complete_secondary_profile(account, status_callback=receiver.url)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            pending_submission_for(profile)
            assert NotificationDelivery.objects.count() == 1  # written, not sent
            raise RuntimeError("the request failed after the change")
        from profiles import tasks

        assert tasks.sweep_due_notifications() == 0
    finally:
        receiver.stop()

    assert NotificationDelivery.objects.count() == 0
    assert StatusChange.objects.filter(profile=profile).count() == 0
    assert receiver.requests == []
    assert CustomerProfile.objects.get(pk=profile.pk).status == Status.DRAFT
