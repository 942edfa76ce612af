"""The Celery app, configured from Django settings under the CELERY_ namespace."""

from __future__ import annotations

import os

from celery import Celery, signals

# Connects the receivers that carry request ids into tasks.
from . import logging as portal_logging  # noqa: F401
from .broker import register_filesystem_transport
from .redis_broker import register_redis_transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
register_filesystem_transport()
register_redis_transport()

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_database_connections(task=None, **kwargs):
    """Around each task, drop a connection that broke or outlived its max age.

    Django does this around each request; with CONN_MAX_AGE 0 it closes the
    connection every time, as Celery would.
    """
    if task is not None and task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()


@signals.setup_logging.connect
def use_django_logging(**kwargs):
    """Workers and beat log as the web does (settings.LOGGING), not Celery's way."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
