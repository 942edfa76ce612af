"""Browser fixtures: Debian's Chromium driven by Playwright, a live server, a worker.

The tests skip, each with the reason in `pytest -ra`, when Playwright or
/usr/bin/chromium is missing, and the accessibility checks also when axe-core
was not installed from npm (`make test` installs it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from celery.contrib.testing.worker import start_worker

from profiles.tests.e2e.browser import (
    AXE_SCRIPT,
    CHROMIUM,
    CHROMIUM_ARGS,
    Screenshots,
)
from profiles.tests.factories import MembershipFactory

PASSWORD = "pass-word-123"  # the factories' password


@pytest.fixture(scope="package")
def browser() -> Iterator:
    """One headless Chromium for the whole e2e package."""
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright is not installed (pip install -r requirements-dev.txt): "
        "browser tests skipped",
    )
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM} (apt-get install chromium): "
            "browser tests skipped"
        )
    # The sync API runs an event loop in this thread; Django's ORM refuses to
    # run inside one unless told that this test process knows what it does.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable]:
    """Open browser contexts (one per person) on the live server; closed after."""
    contexts = []

    def open_context(**options):
        options = {
            "base_url": live_server.url,
            # The portal sends a CSP without inline scripts; axe is injected.
            "bypass_csp": True,
            "viewport": {"width": 1280, "height": 900},
            "locale": "en-US",
            "timezone_id": "UTC",
            **options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def screenshots() -> Callable[..., Screenshots]:
    """screenshots(page, "journey") saves NN-name.png under the artefacts folder."""
    return Screenshots.for_journey


@pytest.fixture
def axe_script() -> str:
    if not AXE_SCRIPT.exists():
        how = (
            "run `make test` or `npm install`"
            if shutil.which("npm")
            else "npm is not installed, so `make test` could not install it"
        )
        pytest.skip(
            f"axe-core not found at {AXE_SCRIPT} ({how}): accessibility checks skipped"
        )
    return str(AXE_SCRIPT)


class Worker:
    """A Celery worker in a thread of this process, started when the test says."""

    def __init__(self, app):
        self.app = app
        self.running = None

    def start(self) -> Worker:
        if self.running is None:
            self.running = start_worker(
                self.app, perform_ping_check=False, shutdown_timeout=30
            )
            self.running.__enter__()
        return self

    def stop(self) -> None:
        if self.running is not None:
            self.running.__exit__(None, None, None)
            self.running = None


@pytest.fixture
def standby_worker(celery_config, transactional_db) -> Iterator[Worker]:
    """As the root conftest's live_worker, but the test decides when it starts.

    Tasks go to the broker from the first request on, so a message sent before
    `start()` waits there, as it would for a busy worker.
    """
    app = celery_config
    app.conf.task_always_eager = False
    app.control.purge()
    worker = Worker(app)
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.task_always_eager = True


@pytest.fixture
def live_worker(standby_worker) -> Worker:
    return standby_worker.start()


@pytest.fixture
def applicant_login(applicant) -> tuple[str, str]:
    return applicant.email, PASSWORD


@pytest.fixture
def reviewer_login(reviewer) -> tuple[str, str]:
    """The reviewer, with the view permissions seed_demo grants the group."""
    from django.contrib.auth.models import Permission

    group = reviewer.groups.get()
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="profiles", codename__startswith="view_"
        )
    )
    return reviewer.email, PASSWORD


@pytest.fixture
def member_factory():
    """A login in the given account: (email, password)."""

    def make(account) -> tuple[str, str]:
        return MembershipFactory(account=account).user.email, PASSWORD

    return make
