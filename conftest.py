"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.test import Client

from profiles.tests.factories import (
    AccountFactory,
    MembershipFactory,
    PrimaryProfileFactory,
    SecondaryProfileFactory,
    UserFactory,
)


def pytest_configure(config):
    # The SQLite test database is a file under var/ (see settings).
    (Path(__file__).resolve().parent / "var").mkdir(exist_ok=True)


@pytest.fixture(scope="session", autouse=True)
def celery_config():
    """Tasks run inline unless a test starts a real worker (see live_worker).

    The broker is Redis when CELERY_BROKER_URL says so (CI), else in memory.
    """
    from portal.celery import app

    if not os.environ.get("CELERY_BROKER_URL"):
        app.conf.broker_url = "memory://"
        app.conf.broker_transport_options = {}
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    return app


@pytest.fixture
def live_worker(celery_config):
    """A Celery worker consuming the test broker in a thread of this process."""
    app = celery_config
    app.conf.task_always_eager = False
    app.control.purge()
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The factories hash a password for every user; the default hasher is slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def document_storage(settings, tmp_path):
    """Every test writes documents under its own temporary folder."""
    location = tmp_path / "documents"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        },
    }
    return location


@pytest.fixture
def account(db):
    """An account whose primary profile is approved."""
    account = AccountFactory()
    PrimaryProfileFactory(account=account)
    return account


@pytest.fixture
def applicant(account):
    return MembershipFactory(account=account).user


@pytest.fixture
def applicant_client(applicant) -> Client:
    client = Client()
    client.force_login(applicant)
    return client


@pytest.fixture
def other_account(db):
    account = AccountFactory(name="Other Corp")
    PrimaryProfileFactory(account=account)
    return account


@pytest.fixture
def other_client(other_account) -> Client:
    client = Client()
    client.force_login(MembershipFactory(account=other_account).user)
    return client


@pytest.fixture
def profile(account):
    """A secondary draft of the applicant's account."""
    return SecondaryProfileFactory(account=account)


@pytest.fixture
def reviewer(db):
    """Staff in the Reviewers group."""
    from django.contrib.auth.models import Group

    from profiles.access import REVIEWERS_GROUP

    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
    return user


@pytest.fixture
def reviewer_client(reviewer) -> Client:
    client = Client()
    client.force_login(reviewer)
    return client


@pytest.fixture
def anonymous() -> Client:
    """A client nobody is signed in on."""
    return Client()
