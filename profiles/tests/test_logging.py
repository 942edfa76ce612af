"""JSON log lines with a request id, from the request into the tasks it sends."""

from __future__ import annotations

import io
import json
import logging
import re
import time

import pytest

from portal.logging import JsonFormatter, RequestIdFilter, request_id
from profiles import tasks
from profiles.choices import Status
from profiles.tests.builders import complete_secondary_profile
from profiles.tests.waiting import wait_for_decision

pytestmark = pytest.mark.django_db


class LogLines:
    """JSON lines written by a logger through the portal's filter and formatter."""

    def __init__(self, logger_name: str):
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter())
        self.handler.addFilter(RequestIdFilter())
        self.logger = logging.getLogger(logger_name)

    def __enter__(self) -> LogLines:
        self.logger.addHandler(self.handler)
        return self

    def __exit__(self, *exc) -> None:
        self.logger.removeHandler(self.handler)

    @property
    def entries(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


# --- the format ---------------------------------------------------------------


def test_a_log_line_is_one_json_object_with_time_level_logger_and_request_id():
    with LogLines("portal.test") as lines:
        token = request_id.set("req-123")
        try:
            logging.getLogger("portal.test").warning("Hello %s", "world")
        finally:
            request_id.reset(token)

    [entry] = lines.entries
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "portal.test"
    assert entry["message"] == "Hello world"
    assert entry["request_id"] == "req-123"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_a_line_outside_any_request_has_a_null_request_id():
    with LogLines("portal.test") as lines:
        logging.getLogger("portal.test").warning("No request here")

    assert lines.entries[0]["request_id"] is None


def test_an_exception_is_logged_with_its_traceback_in_the_same_line():
    with LogLines("portal.test") as lines:
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            logging.getLogger("portal.test").exception("It failed")

    output = lines.stream.getvalue()
    assert output.count("\n") == 1
    [entry] = lines.entries
    assert entry["message"] == "It failed"
    assert "Traceback" in entry["exception"]
    assert "ValueError: boom\nsecond line" in entry["exception"]


def test_extra_fields_are_kept_and_unserialisable_ones_become_text():
    with LogLines("portal.test") as lines:
        logging.getLogger("portal.test").warning(
            "With extras", extra={"profile": "BU1", "when": object()}
        )

    entry = lines.entries[0]
    assert entry["profile"] == "BU1"
    assert entry["when"].startswith("<object object")


# --- the request id -----------------------------------------------------------


def test_a_well_formed_incoming_request_id_is_kept_and_echoed(anonymous):
    response = anonymous.get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a.42")

    assert response["X-Request-ID"] == "edge-7f3a.42"


@pytest.mark.parametrize(
    "given",
    ["", "has space", 'quote"d', "x" * 129, "-starts-with-a-dash", "line\tbreak"],
    ids=["empty", "space", "quote", "too long", "leading dash", "tab"],
)
def test_a_malformed_request_id_is_replaced_by_a_new_one(anonymous, given):
    response = anonymous.get("/healthz", HTTP_X_REQUEST_ID=given)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_without_an_id_gets_its_own(anonymous):
    first = anonymous.get("/healthz")["X-Request-ID"]
    second = anonymous.get("/healthz")["X-Request-ID"]

    assert first != second


def test_every_request_is_logged_once_with_its_id_status_and_duration(anonymous):
    with LogLines("portal.request") as lines:
        anonymous.get("/healthz", HTTP_X_REQUEST_ID="req-logged")
        anonymous.get("/profiles/")

    first, second = lines.entries
    assert first["message"] == "GET /healthz 200"
    assert first["request_id"] == "req-logged"
    assert (first["method"], first["path"], first["status"]) == ("GET", "/healthz", 200)
    assert first["duration_ms"] >= 0
    assert second["status"] == 302
    assert second["request_id"] != "req-logged"


def test_the_id_is_gone_once_the_request_is_over(anonymous):
    anonymous.get("/healthz", HTTP_X_REQUEST_ID="req-over")

    assert request_id.get() is None


# --- into Celery tasks --------------------------------------------------------


def submit_over_http(client, profile, request_id_header: str):
    return client.post(
        f"/profiles/{profile.sid}/edit/review/",
        {"wizard-current_step": "review"},
        HTTP_X_REQUEST_ID=request_id_header,
    )


def test_a_task_run_eagerly_logs_under_the_id_of_the_request_it_runs_in(applicant):
    profile = complete_secondary_profile(applicant.membership.account)

    token = request_id.set("req-eager")
    try:
        with LogLines("celery.app.trace") as lines:
            tasks.evaluate_profile.delay(profile.pk, 1)
        after = request_id.get()
    finally:
        request_id.reset(token)

    evaluated = [e for e in lines.entries if "evaluate_profile" in e["message"]]
    assert evaluated
    assert {e["request_id"] for e in evaluated} == {"req-eager"}
    assert after == "req-eager"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_request_id_travels_to_the_worker_in_the_task_headers(
    live_worker, applicant, applicant_client
):
    profile = complete_secondary_profile(applicant.membership.account)

    with LogLines("celery.app.trace") as lines:
        response = submit_over_http(applicant_client, profile, "req-to-worker")
        assert response.status_code == 302
        assert wait_for_decision(profile).status == Status.IN_REVIEW
        evaluated = wait_for_lines(lines, "evaluate_profile")

    assert {e["request_id"] for e in evaluated} == {"req-to-worker"}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_task_sent_outside_a_request_logs_no_request_id(live_worker, applicant):
    profile = complete_secondary_profile(applicant.membership.account)

    with LogLines("celery.app.trace") as lines:
        tasks.evaluate_profile.delay(profile.pk, 1)
        evaluated = wait_for_lines(lines, "evaluate_profile")

    assert {e["request_id"] for e in evaluated} == {None}


def wait_for_lines(lines: LogLines, text: str, timeout: float = 20.0) -> list[dict]:
    """The log lines that mention the text, once there is one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [e for e in lines.entries if text in e["message"]]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no log line with {text!r} within {timeout} s")
