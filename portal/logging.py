"""Structured logs: one JSON object per line, each with its request id.

The id is set per request by `portal.middleware.RequestIdMiddleware`, travels
in the headers of every Celery task the request sends, and is restored in the
worker while the task runs, so one id ties a request to the work it caused.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

from celery import signals

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
tasks_logger = logging.getLogger("portal.tasks")

# The Celery message header that carries the id.
TASK_HEADER = "portal_request_id"

# What every LogRecord has; anything else was passed with `extra=`.
STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request or task it belongs to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, request_id, extras and exception as JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


@signals.before_task_publish.connect
def send_request_id(headers=None, **kwargs) -> None:
    """Put the current request id in the headers of a task being sent."""
    current = request_id.get()
    if current and headers is not None:
        headers.setdefault(TASK_HEADER, current)


@signals.after_task_publish.connect
def log_sent_task(sender=None, headers=None, **kwargs) -> None:
    """A line per task sent, to match the worker's "Task ...[id] received"."""
    task_id = (headers or {}).get("id")
    tasks_logger.info("Task %s[%s] sent", sender, task_id)


@signals.task_prerun.connect
def restore_request_id(task=None, **kwargs) -> None:
    """Log a task under the id of the request that sent it."""
    sent = getattr(task.request, TASK_HEADER, None)
    # Run eagerly (no message), a task keeps the id of the request it runs in.
    task.request.request_id_token = request_id.set(sent or request_id.get())


@signals.task_postrun.connect
def forget_request_id(task=None, **kwargs) -> None:
    """The next task in this worker starts without an id."""
    token = getattr(task.request, "request_id_token", None)
    if token is not None:
        request_id.reset(token)
