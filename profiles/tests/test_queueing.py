"""The seam services enqueue through: tasks sent by name, eager in the suite."""

from __future__ import annotations

import logging

import pytest
from celery import current_app
from celery.exceptions import NotRegistered
from kombu.exceptions import OperationalError

from profiles.choices import Status
from profiles.lifecycle import profile_submit
from profiles.queueing import EVALUATE_PROFILE, enqueue
from profiles.tests.builders import complete_secondary_profile

pytestmark = pytest.mark.django_db


def submitted(account):
    """A submitted profile whose evaluation was not sent (no commit in a test)."""
    profile = complete_secondary_profile(account)
    profile_submit(profile=profile, actor=None)
    profile.refresh_from_db()
    assert profile.status == Status.PENDING_REVIEW
    return profile


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing fails as it does when the broker refuses connections."""

    def refuse(*args, **kwargs):
        raise OperationalError("[Errno 111] Connection refused")

    task = current_app.tasks[EVALUATE_PROFILE]
    monkeypatch.setattr(task, "apply_async", refuse)


def test_it_runs_the_task_inline_when_tasks_are_eager(account):
    profile = submitted(account)

    assert enqueue(EVALUATE_PROFILE, profile.pk, profile.revision) is True

    profile.refresh_from_db()
    assert profile.status == Status.IN_REVIEW


def test_a_broker_that_is_down_is_logged_and_left_to_the_sweep(
    account, broker_down, caplog
):
    profile = submitted(account)

    with caplog.at_level(logging.ERROR, logger="profiles.queueing"):
        sent = enqueue(EVALUATE_PROFILE, profile.pk, profile.revision)

    assert sent is False
    assert f"Could not enqueue {EVALUATE_PROFILE}({profile.pk}, 1)" in caplog.text
    assert "the sweep will retry" in caplog.text
    profile.refresh_from_db()
    assert profile.status == Status.PENDING_REVIEW


def test_it_refuses_a_task_name_nobody_registered():
    with pytest.raises(NotRegistered):
        enqueue("profiles.tasks.no_such_task", 1)
