"""The bench's own database, broker, and processes (gunicorn, Celery, receiver)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from profiles.tests.processes import free_port, stop, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "bench_portal"
BENCH_REDIS_DB = "15"


def database_url(tmp: Path) -> str:
    """A fresh bench_portal database on the configured server, or a SQLite file."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith(("postgres://", "postgresql://")):
        warnings.warn(
            "DATABASE_URL is not PostgreSQL: benchmarking the embedded default "
            f"(SQLite under {tmp})",
            stacklevel=1,
        )
        return f"sqlite:///{tmp / 'bench.sqlite3'}"
    import psycopg

    parts = urlsplit(configured)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def broker_env(tmp: Path) -> dict[str, str]:
    """Redis database 15 (emptied first) when Redis is configured, else files."""
    configured = os.environ.get("CELERY_BROKER_URL", "")
    if configured.startswith("redis://"):
        import redis

        url = urlunsplit(urlsplit(configured)._replace(path=f"/{BENCH_REDIS_DB}"))
        redis.Redis.from_url(url).flushdb()
        return {"CELERY_BROKER_URL": url}
    warnings.warn(
        f"CELERY_BROKER_URL is not Redis: using kombu's filesystem broker under {tmp}",
        stacklevel=1,
    )
    (tmp / "broker").mkdir(exist_ok=True)
    return {
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_BROKER_DIR": str(tmp / "broker"),
    }


def bench_env(tmp: Path, port: int) -> dict[str, str]:
    documents = tmp / "documents"
    documents.mkdir(exist_ok=True)
    venv_bin = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_BASELINE": "1",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DJANGO_SECURE_COOKIES": "false",
        "DATABASE_URL": database_url(tmp),
        # As in compose: connections are kept for a minute.
        "DATABASE_CONN_MAX_AGE": "60",
        "DOCUMENTS_STORAGE": "filesystem",
        "DOCUMENTS_ROOT": str(documents),
        "EMAIL_URL": "dummymail://",
        "LOG_FORMAT": "json",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "4",
        "GUNICORN_CMD_ARGS": f"--bind=127.0.0.1:{port}",
        "DJANGO_STATIC_MANIFEST": "false",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        **broker_env(tmp),
    }


@dataclass
class Processes:
    tmp: Path
    env: dict[str, str]
    port: int
    receiver_port: int
    running: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.running[name] = process
        return process

    def start_all(self) -> None:
        python = sys.executable
        web = self.start(
            "web",
            [python, "-m", "gunicorn", "--config", "python:portal.gunicorn"]
            + ["portal.wsgi"],
        )
        self.start(
            "worker",
            [python, "-m", "celery", "--app=portal", "worker", "--concurrency=1"]
            + ["--loglevel=WARNING", "--without-gossip", "--without-mingle"],
        )
        receiver = self.start(
            "receiver", [python, "-m", "bench.receiver", str(self.receiver_port)]
        )
        wait_for_port(self.port, web, timeout=60)
        wait_for_port(self.receiver_port, receiver)
        self.wait_until_healthy()

    def wait_until_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError("the portal did not become healthy")

    def web_workers(self) -> list[int]:
        """The gunicorn worker processes (children of the master)."""
        master = self.running["web"].pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text()
        return [int(pid) for pid in children.split()]

    def stop_all(self) -> None:
        for process in reversed(list(self.running.values())):
            stop(process)


def new_processes(tmp: Path) -> Processes:
    port = free_port()
    return Processes(
        tmp=tmp, env=bench_env(tmp, port), port=port, receiver_port=free_port()
    )


def memory_kb(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0])
    return values


def reset_peak(pid: int) -> None:
    """Reset VmHWM to the current RSS (Linux clear_refs, value 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
