"""gunicorn settings: `gunicorn --config python:portal.gunicorn portal.wsgi`.

gunicorn reads this module's names; command-line options override them.
"""

from __future__ import annotations

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Processes x threads answer requests; document downloads stream, so threads
# keep a slow client from holding a whole process.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT_SECONDS", "30"))
graceful_timeout = 20
# The portal logs each request itself (with its id): no second access log.
accesslog = None
# One control socket per user and machine would clash between instances.
control_socket_disable = True
# gunicorn's own lines (boot, worker restarts) as JSON too.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "portal.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
