"""The notification outbox: which rows a status change writes, the signed status
callbacks and decision emails they become, retries, the address checks, and the
account page. Callbacks go to real HTTP servers on 127.0.0.1 (see receivers.py),
emails once to a real SMTP server."""

from __future__ import annotations

import email
import json
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email import policy
from urllib.parse import parse_qs

import pytest
import requests
from aiosmtpd.controller import Controller
from django.db import connections, transaction
from django.http import QueryDict
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from twilio.request_validator import RequestValidator

from profiles import tasks
from profiles.choices import Channel, DeliveryState, Status
from profiles.lifecycle import (
    lock_profile,
    profile_approve,
    profile_reject,
    profile_submit,
    transition,
)
from profiles.models import (
    DeliveryResend,
    NotificationAddress,
    NotificationDelivery,
    StatusChange,
)
from profiles.notifications import awaiting_confirmation, outbox
from profiles.notifications.delivery import deliver, deliver_due
from profiles.notifications.emails import quoted_for_subject
from profiles.notifications.pinning import PinnedAdapter, pinned_request
from profiles.notifications.signing import standard_webhook_secret
from profiles.notifications.targets import UnsafeTarget, check_callback_url
from profiles.notifications.tokens import make_token
from profiles.tests.builders import complete_secondary_profile, confirmed_address
from profiles.tests.receivers import Receiver, Reply, self_signed_tls
from profiles.tests.resolvers import resolver_stub

pytestmark = pytest.mark.django_db

EMAIL = "ops@acme.example.com"
REASONS = [
    {"code": 18603, "message": "The address could not be verified"},
    {"code": 18606, "message": "The email domain differs from the website"},
]
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


# --- fixtures -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def outbox_settings(settings):
    """Known retry settings, whatever the environment says."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 30.0
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 3600.0
    settings.NOTIFICATION_MAX_ATTEMPTS = 12
    settings.NOTIFICATION_CLAIM_SECONDS = 120
    settings.WEBHOOK_TIMEOUT_SECONDS = 5.0
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    settings.PORTAL_BASE_URL = "https://portal.example.test/"


@pytest.fixture
def receivers(settings):
    """Start receivers with a script of replies; loopback targets are allowed."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    started = []

    def start(*script) -> Receiver:
        started.append(Receiver(*script).start())
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def receiver(receivers) -> Receiver:
    return receivers(200)


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 that is bound but not listening: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps every message and refuses nobody@."""

    def __init__(self):
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    controller = Controller(Mailbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield controller.handler
    controller.stop()


# --- helpers --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def profile_with(account, *, email="", status_callback="", confirmed=True, **fields):
    """A complete draft with exactly the notification channels given; its
    email address confirmed for the account unless `confirmed` is False."""
    profile = complete_secondary_profile(account, **fields)
    profile.email, profile.status_callback = email, status_callback
    profile.save(update_fields=["email", "status_callback"])
    if email and confirmed:
        confirmed_address(account, email)
    return profile


def last_change(profile) -> StatusChange:
    return StatusChange.objects.filter(profile=profile).order_by("sequence").last()


def submit(profile) -> StatusChange:
    """Draft -> pending review. Outside a commit capture, nothing is enqueued."""
    profile_submit(profile=profile, actor=None)
    return last_change(profile)


def move(profile, to_status, **kwargs) -> StatusChange:
    with transaction.atomic():
        return transition(lock_profile(profile), to_status, **kwargs)


def approve(profile, reviewer) -> StatusChange:
    submit(profile)
    move(profile, Status.IN_REVIEW)
    profile_approve(profile=profile, reviewer=reviewer)
    return last_change(profile)


def reject(profile, reviewer, reasons=REASONS) -> StatusChange:
    submit(profile)
    move(profile, Status.IN_REVIEW)
    profile_reject(profile=profile, reviewer=reviewer, errors=reasons)
    return last_change(profile)


def rows(change) -> dict[str, NotificationDelivery]:
    return {
        d.channel: d for d in NotificationDelivery.objects.filter(status_change=change)
    }


def deliver_row(delivery) -> NotificationDelivery:
    """One delivery attempt; the row as the database has it afterwards."""
    deliver(delivery.pk)
    return NotificationDelivery.objects.get(pk=delivery.pk)


def make_due(delivery) -> None:
    due = timezone.now() - timedelta(seconds=1)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=due)


def form(request) -> dict[str, str]:
    parsed = parse_qs(request.body.decode(), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}


def requested_url(request) -> str:
    return f"http://{request.headers['Host']}{request.path}"


def sent_callback(account, receiver, **fields):
    """Submit a profile that calls back to `receiver` and deliver the callback."""
    profile = profile_with(account, status_callback=receiver.url, **fields)
    delivery = deliver_row(rows(submit(profile))[Channel.WEBHOOK])
    assert len(receiver.requests) == 1
    return delivery, receiver.requests[0]


def wait_until(condition, timeout=20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {condition.__doc__}")
        time.sleep(0.05)


def field_errors(response, field: str) -> str:
    found = re.search(
        rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>',
        response.content.decode(),
        re.S,
    )
    assert found, f"no error shown beside {field}"
    return found.group(1)


def post_notifications(client, profile, status_callback):
    return client.post(
        f"/profiles/{profile.sid}/edit/notifications/",
        {
            "wizard-current_step": "notifications",
            "notifications-email": EMAIL,
            "notifications-status_callback": status_callback,
        },
    )


def parsed_email(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.content, policy=policy.default)


# --- which rows the outbox writes ------------------------------------------------


def test_submitting_writes_a_status_callback_but_no_email(account):
    profile = profile_with(account, email=EMAIL, status_callback="https://h.example/cb")

    change = submit(profile)

    assert change.to_status == Status.PENDING_REVIEW
    assert set(rows(change)) == {Channel.WEBHOOK}


def test_the_automatic_move_into_review_writes_nothing(account):
    profile = profile_with(account, email=EMAIL, status_callback="https://h.example/cb")
    submit(profile)

    change = move(profile, Status.IN_REVIEW)

    assert rows(change) == {}


def test_an_approval_writes_one_email_and_one_status_callback(account, reviewer):
    profile = profile_with(account, email=EMAIL, status_callback="https://h.example/cb")

    change = approve(profile, reviewer)

    assert change.to_status == Status.TWILIO_APPROVED
    assert {c: d.target for c, d in rows(change).items()} == {
        Channel.EMAIL: EMAIL,
        Channel.WEBHOOK: "https://h.example/cb",
    }


def test_a_rejection_writes_one_email_and_one_status_callback(account, reviewer):
    profile = profile_with(account, email=EMAIL, status_callback="https://h.example/cb")

    change = reject(profile, reviewer)

    assert change.to_status == Status.TWILIO_REJECTED
    assert {c: d.target for c, d in rows(change).items()} == {
        Channel.EMAIL: EMAIL,
        Channel.WEBHOOK: "https://h.example/cb",
    }


def test_a_decision_with_only_an_email_writes_only_the_email(account, reviewer):
    change = approve(profile_with(account, email=EMAIL), reviewer)

    assert set(rows(change)) == {Channel.EMAIL}


def test_a_profile_without_any_channel_writes_no_rows(account, reviewer):
    profile = profile_with(account)

    approve(profile, reviewer)

    assert StatusChange.objects.filter(profile=profile).count() == 3
    assert not NotificationDelivery.objects.filter(status_change__profile=profile)


def test_every_row_starts_pending_and_due_with_its_own_message_id(account, reviewer):
    first = profile_with(account, email=EMAIL, status_callback="https://h.example/1")
    second = profile_with(account, email=EMAIL, status_callback="https://h.example/2")
    before = timezone.now()

    approve(first, reviewer)
    reject(second, reviewer)

    deliveries = list(NotificationDelivery.objects.all())
    assert len(deliveries) == 6
    assert {d.state for d in deliveries} == {DeliveryState.PENDING}
    assert {d.attempts for d in deliveries} == {0}
    assert all(before <= d.next_attempt_at <= timezone.now() for d in deliveries)
    assert all(d.message_id.startswith("msg_") for d in deliveries)
    assert len({d.message_id for d in deliveries}) == 6


def test_a_committed_change_is_sent_once_the_transaction_commits(
    account, receiver, django_capture_on_commit_callbacks
):
    profile = profile_with(account, status_callback=receiver.url)

    with django_capture_on_commit_callbacks(execute=True):
        change = submit(profile)

    assert rows(change)[Channel.WEBHOOK].state == DeliveryState.DELIVERED
    assert [form(r)["Status"] for r in receiver.requests] == [Status.PENDING_REVIEW]


def test_a_change_that_rolls_back_writes_no_delivery_and_sends_nothing(
    account, receiver, django_capture_on_commit_callbacks, mailoutbox
):
    profile = profile_with(account, email=EMAIL, status_callback=receiver.url)
    submit(profile)
    move(profile, Status.IN_REVIEW)
    rows_before = NotificationDelivery.objects.count()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        change = move(profile, Status.TWILIO_APPROVED)
        assert len(rows(change)) == 2
        raise RuntimeError("something after the change failed")

    profile.refresh_from_db()
    assert profile.status == Status.IN_REVIEW
    assert not StatusChange.objects.filter(to_status=Status.TWILIO_APPROVED)
    assert NotificationDelivery.objects.count() == rows_before
    assert callbacks == []
    assert receiver.requests == []
    assert mailoutbox == []


# --- what a status callback contains ---------------------------------------------


def test_a_status_callback_is_a_signed_form_post_of_the_change(account, receiver):
    delivery, request = sent_callback(account, receiver)
    profile = delivery.status_change.profile

    assert delivery.state == DeliveryState.DELIVERED
    assert (request.method, request.path) == ("POST", "/hook")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(request) == {
        "AccountSid": account.sid,
        "BundleSid": profile.sid,
        "Status": Status.PENDING_REVIEW,
        "Sequence": "1",
    }


def test_the_sequence_counts_each_profiles_changes(account, receiver, reviewer):
    first = profile_with(account, status_callback=receiver.url)
    second = profile_with(account, status_callback=receiver.url)
    approve(first, reviewer)
    submit(second)

    for delivery in NotificationDelivery.objects.order_by("id"):
        deliver(delivery.pk)

    assert [
        (form(r)["BundleSid"], form(r)["Status"], form(r)["Sequence"])
        for r in receiver.requests
    ] == [
        (first.sid, Status.PENDING_REVIEW, "1"),
        (first.sid, Status.TWILIO_APPROVED, "3"),
        (second.sid, Status.PENDING_REVIEW, "1"),
    ]


def test_callbacks_to_one_receiver_reuse_one_connection(account, receiver):
    profiles = [profile_with(account, status_callback=receiver.url) for _ in range(3)]
    for profile in profiles:
        submit(profile)

    for delivery in NotificationDelivery.objects.order_by("id"):
        assert deliver(delivery.pk).state == DeliveryState.DELIVERED

    assert len(receiver.requests) == 3
    assert len({request.peer for request in receiver.requests}) == 1


def test_a_callback_goes_to_the_address_checked_with_its_own_host_name(
    account, receiver, monkeypatch
):
    # The name answers the receiver's address first, another one after that.
    answers = {"hooks.pinned.example": ["127.0.0.1", "127.0.0.2"]}
    url = f"http://hooks.pinned.example:{receiver.server.server_port}/hook"
    change = submit(profile_with(account, status_callback=url))
    looked_up = resolver_stub(monkeypatch, answers)

    delivery = deliver_row(rows(change)[Channel.WEBHOOK])

    assert delivery.state == DeliveryState.DELIVERED
    assert looked_up.count("hooks.pinned.example") == 1
    (request,) = receiver.requests
    assert (
        request.headers["Host"] == f"hooks.pinned.example:{receiver.server.server_port}"
    )
    validator = RequestValidator(account.webhook_secret)
    signature = request.headers["X-Twilio-Signature"]
    assert validator.validate(url, form(request), signature)


def test_a_pinned_https_request_sends_and_verifies_the_callback_host_name(tmp_path):
    tls, certificate = self_signed_tls("hooks.pinned.example", tmp_path)
    receiver = Receiver(200, tls=tls).start()
    port = receiver.server.server_port
    try:
        request = pinned_request(
            "POST",
            f"https://hooks.pinned.example:{port}/hook?x=1",
            "127.0.0.1",
            data="a=1",
            headers={"User-Agent": "test"},
        )
        response = PinnedAdapter().send(request, timeout=5, verify=str(certificate))
        response.content  # noqa: B018
        # The same certificate does not hold the address: without the name it fails.
        plain = requests.Request("POST", f"https://127.0.0.1:{port}/hook").prepare()
        with pytest.raises(requests.exceptions.SSLError):
            PinnedAdapter().send(plain, timeout=5, verify=str(certificate))
    finally:
        receiver.stop()

    assert response.status_code == 200
    assert receiver.server_names[0] == "hooks.pinned.example"
    (received,) = receiver.requests
    assert (received.path, received.body) == ("/hook?x=1", b"a=1")
    assert received.headers["Host"] == f"hooks.pinned.example:{port}"


def test_a_pinned_https_request_refuses_a_certificate_for_another_name(tmp_path):
    tls, certificate = self_signed_tls("other.example", tmp_path)
    receiver = Receiver(200, tls=tls).start()
    try:
        request = pinned_request(
            "POST",
            f"https://hooks.pinned.example:{receiver.server.server_port}/hook",
            "127.0.0.1",
            data="a=1",
            headers={},
        )
        with pytest.raises(requests.exceptions.SSLError, match="hooks.pinned.example"):
            PinnedAdapter().send(request, timeout=5, verify=str(certificate))
    finally:
        receiver.stop()

    assert receiver.server_names == ["hooks.pinned.example"]
    assert receiver.requests == []


@pytest.mark.parametrize(
    ("url", "address", "pinned", "host"),
    [
        (
            "https://Hooks.Example.com/cb?a=1",
            "93.184.215.14",
            "https://93.184.215.14/cb?a=1",
            "hooks.example.com",
        ),
        (
            "http://hooks.example.com:8080/",
            "2606:2800::1",
            "http://[2606:2800::1]:8080/",
            "hooks.example.com:8080",
        ),
        (
            "http://[2606:2800::1]/x",
            "2606:2800::1",
            "http://[2606:2800::1]/x",
            "[2606:2800::1]",
        ),
        (
            "https://bücher.example/",
            "93.184.215.14",
            "https://93.184.215.14/",
            "xn--bcher-kva.example",
        ),
    ],
)
def test_a_pinned_request_names_the_address_and_keeps_the_host(
    url, address, pinned, host
):
    request = pinned_request("POST", url, address, data="", headers={})

    assert (request.url, request.headers["Host"]) == (pinned, host)


def test_a_rejection_callback_carries_the_reasons_and_their_codes(
    account, receiver, reviewer
):
    change = reject(profile_with(account, status_callback=receiver.url), reviewer)

    deliver_row(rows(change)[Channel.WEBHOOK])

    fields = form(receiver.requests[0])
    assert fields["Status"] == Status.TWILIO_REJECTED
    assert fields["Sequence"] == "3"
    assert fields["FailureReason"] == (
        "The address could not be verified; The email domain differs from the website"
    )
    assert json.loads(fields["Errors"]) == [18603, 18606]


def test_an_approval_callback_has_no_failure_fields(account, receiver, reviewer):
    change = approve(profile_with(account, status_callback=receiver.url), reviewer)

    deliver_row(rows(change)[Channel.WEBHOOK])

    fields = form(receiver.requests[0])
    assert fields["Status"] == Status.TWILIO_APPROVED
    assert "FailureReason" not in fields
    assert "Errors" not in fields


def test_the_twilio_signature_verifies_with_the_accounts_secret(account, receiver):
    _, request = sent_callback(account, receiver)
    validator = RequestValidator(account.webhook_secret)
    signature = request.headers["X-Twilio-Signature"]

    assert validator.validate(requested_url(request), form(request), signature)
    assert validator.validate(
        requested_url(request), QueryDict(request.body), signature
    )


def test_the_twilio_signature_fails_for_a_tampered_body_or_another_secret(
    account, receiver, other_account
):
    _, request = sent_callback(account, receiver)
    url, signature = requested_url(request), request.headers["X-Twilio-Signature"]
    tampered = {**form(request), "Status": Status.TWILIO_APPROVED}

    assert not RequestValidator(account.webhook_secret).validate(
        url, tampered, signature
    )
    assert not RequestValidator(other_account.webhook_secret).validate(
        url, form(request), signature
    )
    assert not RequestValidator(account.webhook_secret).validate(
        url.replace("/hook", "/other"), form(request), signature
    )


def test_the_standard_webhooks_headers_verify_and_carry_the_message_id(
    account, receiver
):
    delivery, request = sent_callback(account, receiver)
    webhook = Webhook(standard_webhook_secret(account.webhook_secret))

    # json_parse=False: the body is a form, not JSON (verify() would try to parse it).
    webhook.verify(request.body, request.headers, json_parse=False)
    assert request.headers["webhook-id"] == delivery.message_id
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 300


def test_the_standard_webhooks_signature_fails_for_a_tampered_body_or_another_secret(
    account, receiver, other_account
):
    _, request = sent_callback(account, receiver)
    tampered = request.body.replace(b"pending-review", b"twilio-approved")
    ours = Webhook(standard_webhook_secret(account.webhook_secret))
    theirs = Webhook(standard_webhook_secret(other_account.webhook_secret))

    with pytest.raises(WebhookVerificationError):
        ours.verify(tampered, request.headers, json_parse=False)
    with pytest.raises(WebhookVerificationError):
        theirs.verify(request.body, request.headers, json_parse=False)


def test_a_redirect_is_not_followed_and_fails_the_delivery(account, receivers):
    receiver = receivers(Reply(302, headers={"Location": "/elsewhere"}))

    delivery, _ = sent_callback(account, receiver)

    assert [r.path for r in receiver.requests] == ["/hook"]
    assert delivery.state == DeliveryState.FAILED
    assert (delivery.attempts, delivery.last_response_code) == (1, 302)


# --- retries ---------------------------------------------------------------------


def test_a_server_error_is_retried_after_a_backoff_and_then_delivered(
    account, receivers
):
    receiver = receivers(500, 200)
    before = timezone.now()

    delivery, _ = sent_callback(account, receiver)

    assert delivery.state == DeliveryState.PENDING
    assert (delivery.attempts, delivery.last_response_code) == (1, 500)
    assert delivery.last_error == "HTTP 500"
    assert before + timedelta(seconds=15) <= delivery.next_attempt_at
    assert delivery.next_attempt_at <= timezone.now() + timedelta(seconds=30)

    make_due(delivery)
    delivery = deliver_row(delivery)

    assert delivery.state == DeliveryState.DELIVERED
    assert (delivery.attempts, delivery.last_response_code) == (2, 200)
    assert delivery.delivered_at is not None
    assert delivery.last_error == ""
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_server_errors_and_rate_limits_are_retried(account, receivers, status):
    delivery, _ = sent_callback(account, receivers(status))

    assert delivery.state == DeliveryState.PENDING
    assert (delivery.attempts, delivery.last_response_code) == (1, status)
    assert delivery.next_attempt_at > timezone.now()


@pytest.mark.parametrize("status", [400, 401, 404, 410])
def test_a_client_error_fails_at_once(account, receivers, status):
    delivery, _ = sent_callback(account, receivers(status))

    assert delivery.state == DeliveryState.FAILED
    assert (delivery.attempts, delivery.last_response_code) == (1, status)
    assert delivery.last_error == f"HTTP {status}"


def test_a_receiver_slower_than_the_timeout_is_retried(account, receivers, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver = receivers(Reply(200, delay=1.5))

    delivery, _ = sent_callback(account, receiver)

    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error == "timed out"
    assert delivery.next_attempt_at > timezone.now()


def test_a_refused_connection_is_retried(account, receivers, closed_port):
    receivers()  # allows loopback targets
    url = f"http://127.0.0.1:{closed_port}/hook"
    change = submit(profile_with(account, status_callback=url))

    delivery = deliver_row(rows(change)[Channel.WEBHOOK])

    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error == "refused"
    assert delivery.last_response_code is None
    assert delivery.next_attempt_at > timezone.now()


def test_a_senders_unexpected_error_is_logged_and_not_shown_to_the_applicant(
    account, receiver, caplog
):
    change = submit(profile_with(account, status_callback=receiver.url))
    delivery = rows(change)[Channel.WEBHOOK]
    # A channel no sender knows: the sending code itself fails.
    NotificationDelivery.objects.filter(pk=delivery.pk).update(channel="carrier-pigeon")

    delivery = deliver_row(delivery)

    assert delivery.state == DeliveryState.PENDING
    assert delivery.last_error == "internal error"
    assert "carrier-pigeon" in caplog.text
    assert receiver.requests == []


def test_a_receiver_that_always_fails_is_given_up_after_the_last_attempt(
    account, receivers, settings
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    receiver = receivers(503)

    delivery, _ = sent_callback(account, receiver)
    for _ in range(2):
        assert delivery.state == DeliveryState.PENDING
        make_due(delivery)
        delivery = deliver_row(delivery)

    assert delivery.state == DeliveryState.FAILED
    assert (delivery.attempts, delivery.last_response_code) == (3, 503)
    assert delivery.last_error == "HTTP 503"
    make_due(delivery)
    assert deliver(delivery.pk) is None
    assert len(receiver.requests) == 3


def test_backoff_doubles_with_jitter_in_the_upper_half():
    for attempts in range(1, 7):
        delay = 30.0 * 2 ** (attempts - 1)
        draws = [outbox.backoff(attempts).total_seconds() for _ in range(500)]

        assert all(delay / 2 <= d <= delay for d in draws)
        assert len(set(draws)) > 1, "no jitter"
        assert min(draws) < delay * 0.6 and max(draws) > delay * 0.9


def test_backoff_is_capped(settings):
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 600.0

    draws = [outbox.backoff(n).total_seconds() for n in (6, 10, 30, 60) * 100]

    assert all(300.0 <= d <= 600.0 for d in draws)


def test_a_delivery_that_is_not_due_is_not_sent(account, receiver):
    change = submit(profile_with(account, status_callback=receiver.url))
    delivery = rows(change)[Channel.WEBHOOK]
    later = timezone.now() + timedelta(hours=1)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later)

    assert deliver(delivery.pk) is None
    assert tasks.sweep_due_notifications() == 0
    assert receiver.requests == []
    assert NotificationDelivery.objects.get(pk=delivery.pk).attempts == 0


def test_a_delivery_is_never_sent_twice_for_one_change(account, receiver):
    delivery, _ = sent_callback(account, receiver)

    assert deliver(delivery.pk) is None
    assert tasks.sweep_due_notifications() == 0
    assert tasks.sweep_due_notifications() == 0
    assert len(receiver.requests) == 1
    assert NotificationDelivery.objects.get(pk=delivery.pk).attempts == 1


def test_a_delivery_being_sent_is_not_claimed_a_second_time(account, receiver):
    change = submit(profile_with(account, status_callback=receiver.url))
    delivery = rows(change)[Channel.WEBHOOK]

    assert outbox.claim(delivery.pk) is not None
    assert deliver(delivery.pk) is None
    assert tasks.sweep_due_notifications() == 0
    assert receiver.requests == []


def test_a_delivery_left_pending_by_a_lost_enqueue_is_sent_by_the_sweep_once(
    account, receiver
):
    # No on_commit callback runs here: exactly what a broker down at commit leaves.
    change = submit(profile_with(account, status_callback=receiver.url))
    delivery = rows(change)[Channel.WEBHOOK]
    assert delivery.state == DeliveryState.PENDING
    assert receiver.requests == []

    assert tasks.sweep_due_notifications() == 1
    assert tasks.sweep_due_notifications() == 0

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert len(receiver.requests) == 1


# --- batches: one task sends what else is due --------------------------------------


def pending_callbacks(account, url, count) -> list[NotificationDelivery]:
    """Submitted profiles' callbacks, due in the order they were written."""
    changes = [submit(profile_with(account, status_callback=url)) for _ in range(count)]
    return [rows(change)[Channel.WEBHOOK] for change in changes]


def test_one_task_sends_its_delivery_and_the_others_due_each_once(account, receiver):
    first, *others = pending_callbacks(account, receiver.url, 4)
    later = timezone.now() + timedelta(hours=1)
    NotificationDelivery.objects.filter(pk=others[-1].pk).update(next_attempt_at=later)

    tasks.deliver_notification(first.pk)

    states = dict(NotificationDelivery.objects.values_list("pk", "state"))
    assert states == {
        first.pk: DeliveryState.DELIVERED,
        others[0].pk: DeliveryState.DELIVERED,
        others[1].pk: DeliveryState.DELIVERED,
        others[2].pk: DeliveryState.PENDING,
    }
    # Sent at once, so in any order (receivers order by Sequence).
    sent = sorted(form(r)["BundleSid"] for r in receiver.requests)
    assert sent == sorted(d.status_change.profile.sid for d in (first, *others[:2]))
    # The others' own messages come later and send nothing again.
    for delivery in others[:2]:
        tasks.deliver_notification(delivery.pk)
    assert len(receiver.requests) == 3
    assert set(NotificationDelivery.objects.values_list("attempts", flat=True)) == {
        0,
        1,
    }


def test_a_batch_takes_at_most_its_size_longest_waiting_first(
    account, receiver, settings
):
    settings.NOTIFICATION_BATCH_SIZE = 3
    settings.NOTIFICATION_DRAIN_SECONDS = 0  # one batch, then the task ends
    deliveries = pending_callbacks(account, receiver.url, 6)

    tasks.deliver_notification(deliveries[-1].pk)

    delivered = NotificationDelivery.objects.filter(state=DeliveryState.DELIVERED)
    assert set(delivered.values_list("pk", flat=True)) == {
        deliveries[-1].pk,
        deliveries[0].pk,
        deliveries[1].pk,
        deliveries[2].pk,
    }


def test_a_task_sends_what_is_due_a_batch_at_a_time_each_once(
    account, receiver, settings
):
    settings.NOTIFICATION_BATCH_SIZE = 3
    deliveries = pending_callbacks(account, receiver.url, 8)
    later = timezone.now() + timedelta(hours=1)
    NotificationDelivery.objects.filter(pk=deliveries[5].pk).update(
        next_attempt_at=later
    )

    tasks.deliver_notification(deliveries[0].pk)

    states = dict(NotificationDelivery.objects.values_list("pk", "state"))
    assert states == {
        d.pk: DeliveryState.PENDING if d == deliveries[5] else DeliveryState.DELIVERED
        for d in deliveries
    }
    assert len(receiver.requests) == 7
    # The others' own messages come later and send nothing again.
    for delivery in deliveries[1:]:
        tasks.deliver_notification(delivery.pk)
    assert len(receiver.requests) == 7


def test_the_message_of_a_delivery_already_sent_costs_one_statement(
    account, receiver, django_assert_num_queries
):
    delivery, _ = sent_callback(account, receiver)

    with django_assert_num_queries(1):
        assert outbox.claim(delivery.pk) is None


def test_a_batch_writes_each_outcome_failures_and_successes_alike(
    account, receivers, settings
):
    settings.WEBHOOK_CONCURRENCY = 1  # one at a time: replies in a known order
    flaky = receivers(200, 503, 204, 410, 200)
    deliveries = pending_callbacks(account, flaky.url, 5)

    assert deliver_due(limit=5) == 5

    rows_now = NotificationDelivery.objects.in_bulk([d.pk for d in deliveries])
    outcomes = [
        (
            rows_now[d.pk].state,
            rows_now[d.pk].last_response_code,
            rows_now[d.pk].attempts,
        )
        for d in deliveries
    ]
    assert outcomes == [
        (DeliveryState.DELIVERED, 200, 1),
        (DeliveryState.PENDING, 503, 1),
        (DeliveryState.DELIVERED, 204, 1),
        (DeliveryState.FAILED, 410, 1),
        (DeliveryState.DELIVERED, 200, 1),
    ]
    assert rows_now[deliveries[1].pk].next_attempt_at > timezone.now()
    assert all(rows_now[d.pk].delivered_at for d in deliveries[::2])


def test_a_batch_that_runs_long_gives_back_what_it_did_not_start(
    account, receivers, settings
):
    settings.NOTIFICATION_CLAIM_SECONDS = 2
    slow = receivers(Reply(200, delay=1.2))
    deliveries = pending_callbacks(account, slow.url, 5)

    # One host's callbacks go one after another: the second would start after
    # half the lease (1 s), so it and the rest are given back.
    assert deliver_due(limit=5) == 1

    rows_now = NotificationDelivery.objects.in_bulk([d.pk for d in deliveries])
    sent, given_back = deliveries[:1], deliveries[1:]
    assert {rows_now[d.pk].state for d in sent} == {DeliveryState.DELIVERED}
    for delivery in given_back:
        row = rows_now[delivery.pk]
        assert (row.state, row.attempts) == (DeliveryState.PENDING, 0)
        assert row.next_attempt_at <= timezone.now()
    assert len(slow.requests) == 1
    assert deliver_due(limit=1) == 1


def test_a_batch_calls_different_hosts_at_once_and_one_host_in_order(
    account, receivers, settings
):
    settings.WEBHOOK_CONCURRENCY = 4
    hosts = [receivers(Reply(200, delay=0.3)) for _ in range(3)]
    deliveries = [
        delivery
        for _ in range(2)
        for host in hosts
        for delivery in pending_callbacks(account, host.url, 1)
    ]
    started = time.monotonic()

    assert deliver_due(limit=6) == 6

    # Three hosts at once, two callbacks each one after the other: about 0.6 s,
    # where one at a time would take 1.8 s.
    assert time.monotonic() - started < 1.5
    for host in hosts:
        assert host.most_in_flight == 1
        sequences = [int(form(r)["Sequence"]) for r in host.requests]
        bundles = [form(r)["BundleSid"] for r in host.requests]
        assert len(bundles) == 2
        expected = [
            d.status_change.profile.sid for d in deliveries if d.target == host.url
        ]
        assert bundles == expected, sequences
    states = NotificationDelivery.objects.filter(pk__in=[d.pk for d in deliveries])
    assert set(states.values_list("state", flat=True)) == {DeliveryState.DELIVERED}


# --- which addresses may be called ------------------------------------------------

UNSAFE_URLS = [
    "http://127.0.0.1/",
    "http://localhost/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/",
    "http://[fd00::1]/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://[::ffff:127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",
    "http://0.0.0.0/",
    "ftp://example.com/",
    "https://user:pass@example.com/",
    "http://example.com:99999/",
]


@pytest.mark.parametrize("resolve_required", [False, True])
@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_an_unsafe_callback_url_is_refused(url, resolve_required):
    with pytest.raises(UnsafeTarget):
        check_callback_url(url, resolve_required=resolve_required)


def test_a_public_address_is_allowed():
    check_callback_url("https://93.184.215.14/hook", resolve_required=True)
    check_callback_url(
        "http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/", resolve_required=True
    )


WIZARD_REFUSALS = [
    ("http://127.0.0.1/", "private, loopback, link-local or reserved"),
    ("http://localhost/", "private, loopback, link-local or reserved"),
    ("http://10.0.0.1/", "private, loopback, link-local or reserved"),
    ("http://172.16.0.1/", "private, loopback, link-local or reserved"),
    ("http://192.168.1.1/", "private, loopback, link-local or reserved"),
    ("http://169.254.169.254/latest/meta-data", "private, loopback, link-local"),
    ("http://[::1]/", "private, loopback, link-local or reserved"),
    ("http://[fd00::1]/", "private, loopback, link-local or reserved"),
    ("http://[::ffff:127.0.0.1]/", "private, loopback, link-local or reserved"),
    ("http://[64:ff9b::7f00:1]/", "private, loopback, link-local or reserved"),
    ("http://[2002:7f00:1::]/", "private, loopback, link-local or reserved"),
    ("http://2130706433/", "starting with http:// or https://"),
    ("http://0177.0.0.1/", "starting with http:// or https://"),
    ("ftp://example.com/", "starting with http:// or https://"),
    ("https://user:pass@example.com/", "must not contain credentials"),
]


@pytest.mark.parametrize(("url", "message"), WIZARD_REFUSALS)
def test_the_notifications_step_refuses_an_unsafe_callback_url_at_the_field(
    account, applicant_client, url, message
):
    profile = profile_with(account, email=EMAIL)

    response = post_notifications(applicant_client, profile, url)

    assert response.status_code == 200
    assert message in field_errors(response, "notifications-status_callback")
    profile.refresh_from_db()
    assert profile.status_callback == ""


def test_the_notifications_step_refuses_an_impossible_port_at_the_field(
    account, applicant_client
):
    profile = profile_with(account, email=EMAIL)

    response = post_notifications(
        applicant_client, profile, "http://example.com:99999/"
    )

    assert response.status_code == 200
    assert field_errors(response, "notifications-status_callback").strip()
    profile.refresh_from_db()
    assert profile.status_callback == ""


def test_the_notifications_step_saves_a_public_callback_url(account, applicant_client):
    profile = profile_with(account, email=EMAIL)

    response = post_notifications(applicant_client, profile, "https://93.184.215.14/cb")

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status_callback == "https://93.184.215.14/cb"


def test_a_delivery_whose_target_became_private_fails_without_a_request(
    account, receiver, settings
):
    change = submit(profile_with(account, status_callback=receiver.url))
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    delivery = deliver_row(rows(change)[Channel.WEBHOOK])

    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert delivery.last_error == "refused"
    assert receiver.requests == []


def test_a_delivery_to_an_impossible_port_fails_for_good_instead_of_staying_claimed(
    account,
):
    change = submit(profile_with(account, status_callback="https://example.com:99999/"))

    delivery = deliver_row(rows(change)[Channel.WEBHOOK])

    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1


# --- decision emails ---------------------------------------------------------------


@pytest.mark.integration
def test_an_approval_email_goes_through_a_real_smtp_server(
    account, reviewer, smtp_server
):
    profile = profile_with(account, email=EMAIL)
    change = approve(profile, reviewer)

    delivery = deliver_row(rows(change)[Channel.EMAIL])

    assert delivery.state == DeliveryState.DELIVERED
    (envelope,) = smtp_server.envelopes
    assert envelope.rcpt_tos == [EMAIL]
    message = parsed_email(envelope)
    assert message["Subject"] == 'Approved: your compliance profile "Acme Widgets"'
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    url = f"https://portal.example.test/profiles/{profile.sid}/"
    assert "Acme Widgets" in text and profile.sid in text and url in text
    assert "Twilio Approved" in text
    assert "<strong>Acme Widgets</strong>" in html and profile.sid in html
    assert f'href="{url}"' in html


@pytest.mark.integration
def test_a_rejection_email_through_smtp_lists_each_reason_with_its_code(
    account, reviewer, smtp_server
):
    profile = profile_with(account, email=EMAIL)
    change = reject(profile, reviewer)

    deliver_row(rows(change)[Channel.EMAIL])

    message = parsed_email(smtp_server.envelopes[0])
    assert message["Subject"] == (
        'Action needed: your compliance profile "Acme Widgets" was rejected'
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "- The address could not be verified (error 18603)" in text
    assert "- The email domain differs from the website (error 18606)" in text
    assert "The address could not be verified <span" in html
    assert "error 18603" in html and "error 18606" in html
    url = f"https://portal.example.test/profiles/{profile.sid}/"
    assert url in text and f'href="{url}"' in html


@pytest.mark.integration
def test_a_recipient_the_mail_server_refuses_fails_at_once(
    account, reviewer, smtp_server
):
    change = approve(profile_with(account, email="nobody@acme.example.com"), reviewer)

    delivery = deliver_row(rows(change)[Channel.EMAIL])

    assert delivery.state == DeliveryState.FAILED
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("Recipient refused")
    assert smtp_server.envelopes == []


def test_a_mail_server_that_is_down_is_retried(
    account, reviewer, settings, closed_port
):
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    change = approve(profile_with(account, email=EMAIL), reviewer)

    delivery = deliver_row(rows(change)[Channel.EMAIL])

    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("Mail server")
    assert delivery.next_attempt_at > timezone.now()


def test_a_delivered_email_is_sent_once(account, reviewer, mailoutbox):
    change = approve(profile_with(account, email=EMAIL), reviewer)
    email_row = rows(change)[Channel.EMAIL]

    delivery = deliver_row(email_row)
    assert deliver(email_row.pk) is None

    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.last_response_code is None
    assert [m.to for m in mailoutbox] == [[EMAIL]]


def test_markup_in_the_friendly_name_is_escaped_in_the_html_email(
    account, reviewer, mailoutbox
):
    name = "<script>alert(1)</script> Widgets"
    change = approve(profile_with(account, email=EMAIL, friendly_name=name), reviewer)

    deliver_row(rows(change)[Channel.EMAIL])

    (message,) = mailoutbox
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Widgets" in html
    assert "<script>" not in html
    assert name in message.body


def test_a_friendly_name_with_a_line_break_still_gets_a_one_line_subject(
    account, reviewer, mailoutbox
):
    name = "Acme\nBcc: victim@example.com"
    change = approve(profile_with(account, email=EMAIL, friendly_name=name), reviewer)

    delivery = deliver_row(rows(change)[Channel.EMAIL])

    assert delivery.state == DeliveryState.DELIVERED
    (message,) = mailoutbox
    assert "\n" not in message.subject
    assert message.message().get_all("Bcc") is None


# --- notification addresses: confirmed before anything else is sent -------------

CONFIRM_LINK = re.compile(
    r"https://portal\.example\.test(/notifications/confirm/[^/\s]+/)"
)


def confirmation_link(message) -> str:
    """The path of the link in a confirmation email."""
    found = CONFIRM_LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def save_notifications(client, profile, email, status_callback=""):
    """Post the notifications step, running what it leaves for the commit."""
    return client.post(
        f"/profiles/{profile.sid}/edit/notifications/",
        {
            "wizard-current_step": "notifications",
            "notifications-email": email,
            "notifications-status_callback": status_callback,
        },
    )


def test_an_addresss_wait_for_confirmation_costs_a_query_or_two_and_none_without_one(
    account, applicant, django_assert_num_queries
):
    member = complete_secondary_profile(account, email=applicant.email.upper())
    stranger = complete_secondary_profile(account, email="Alerts@Acme.example.com")
    silent = complete_secondary_profile(account, email="")

    with django_assert_num_queries(0):
        assert awaiting_confirmation(silent) is None
    with django_assert_num_queries(1):
        assert awaiting_confirmation(member) is None
    with django_assert_num_queries(2):
        waiting = awaiting_confirmation(stranger)
    assert waiting.email == "alerts@acme.example.com"
    assert waiting.confirmation_sent_at is None

    confirmed_address(account, "alerts@acme.example.com")
    assert awaiting_confirmation(stranger) is None


def test_a_decision_to_an_unconfirmed_address_is_held_and_sends_nothing(
    account, reviewer, mailoutbox
):
    change = approve(profile_with(account, email=EMAIL, confirmed=False), reviewer)
    email_row = rows(change)[Channel.EMAIL]

    assert email_row.state == DeliveryState.HELD
    assert deliver(email_row.pk) is None
    assert email_row.pk not in outbox.due_deliveries()
    assert deliver_due(50) == 0
    assert mailoutbox == []


def test_a_members_own_address_needs_no_confirmation(
    account, applicant, reviewer, mailoutbox
):
    profile = profile_with(account, email=applicant.email.upper(), confirmed=False)
    change = approve(profile, reviewer)

    delivery = deliver_row(rows(change)[Channel.EMAIL])

    assert delivery.state == DeliveryState.DELIVERED
    assert [m.to for m in mailoutbox] == [[applicant.email.upper()]]


def test_status_callbacks_are_not_held(account, reviewer):
    profile = profile_with(
        account, email=EMAIL, status_callback="https://h.example/cb", confirmed=False
    )

    change = approve(profile, reviewer)

    assert rows(change)[Channel.WEBHOOK].state == DeliveryState.PENDING


def test_saving_an_unconfirmed_address_sends_only_a_confirmation_link(
    account, applicant_client, mailoutbox, django_capture_on_commit_callbacks
):
    name = "Urgent: your account is locked, call +1 555 0100 now"
    profile = profile_with(account, friendly_name=name)

    with django_capture_on_commit_callbacks(execute=True):
        response = save_notifications(applicant_client, profile, EMAIL)

    assert response.status_code == 302
    (message,) = mailoutbox
    assert message.to == [EMAIL]
    assert message.subject == (
        "Confirm this address for compliance profile notifications"
    )
    assert confirmation_link(message)
    # Nothing the applicant typed reaches an address nobody confirmed.
    assert "Urgent" not in message.body + message.alternatives[0][0]
    address = NotificationAddress.objects.get(account=account)
    assert (address.email, address.confirmed_at) == (EMAIL, None)
    assert address.confirmation_sent_at is not None


def test_saving_the_same_address_again_sends_no_second_link(
    account, applicant_client, mailoutbox, django_capture_on_commit_callbacks
):
    profile = profile_with(account)
    with django_capture_on_commit_callbacks(execute=True):
        save_notifications(applicant_client, profile, EMAIL)
        save_notifications(applicant_client, profile, EMAIL.upper())

    assert len(mailoutbox) == 1


def test_saving_a_members_address_sends_no_link(
    account, applicant, applicant_client, mailoutbox, django_capture_on_commit_callbacks
):
    profile = profile_with(account)
    with django_capture_on_commit_callbacks(execute=True):
        save_notifications(applicant_client, profile, applicant.email)

    assert mailoutbox == []
    assert not NotificationAddress.objects.exists()


def test_the_link_confirms_without_a_sign_in_and_sends_the_held_decision(
    account,
    reviewer,
    applicant_client,
    anonymous,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    profile = profile_with(account, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        save_notifications(applicant_client, profile, EMAIL)
    link = confirmation_link(mailoutbox.pop())
    change = reject(profile, reviewer)
    held = rows(change)[Channel.EMAIL]

    page = anonymous.get(link)
    assert page.status_code == 200
    assert "Confirm this address" in page.content.decode()
    # Opening the link (as mail scanners do) confirms nothing.
    assert NotificationAddress.objects.get().confirmed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(link)

    assert response.status_code == 200
    assert "Address confirmed" in response.content.decode()
    assert NotificationAddress.objects.get().confirmed_at is not None
    held.refresh_from_db()
    assert held.state == DeliveryState.DELIVERED
    (message,) = mailoutbox
    assert message.to == [EMAIL] and "rejected" in message.subject
    # The link signed nobody in.
    assert "_auth_user_id" not in anonymous.session


def test_confirming_twice_sends_the_held_decision_once(
    account, reviewer, anonymous, mailoutbox, django_capture_on_commit_callbacks
):
    profile = profile_with(account, email=EMAIL, confirmed=False)
    address = NotificationAddress.objects.create(account=account, email=EMAIL)
    approve(profile, reviewer)
    link = f"/notifications/confirm/{make_token(address.pk, EMAIL)}/"

    with django_capture_on_commit_callbacks(execute=True):
        anonymous.post(link)
        anonymous.post(link)

    assert len(mailoutbox) == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_altered_link_confirms_nothing(account, anonymous, method):
    address = NotificationAddress.objects.create(account=account, email=EMAIL)
    token = make_token(address.pk, EMAIL)
    tampered = ("B" if token[0] == "A" else "A") + token[1:]

    for bad in (token[:-2] + "xx", tampered, "nonsense", "a:b:c"):
        response = getattr(anonymous, method)(f"/notifications/confirm/{bad}/")
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    address.refresh_from_db()
    assert address.confirmed_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_link_for_an_address_of_another_row_confirms_nothing(
    account, anonymous, method
):
    address = NotificationAddress.objects.create(account=account, email=EMAIL)
    token = make_token(address.pk, "other@acme.example.com")

    response = getattr(anonymous, method)(f"/notifications/confirm/{token}/")

    assert response.status_code == 400
    address.refresh_from_db()
    assert address.confirmed_at is None


def test_an_expired_link_confirms_nothing(account, anonymous, settings):
    address = NotificationAddress.objects.create(account=account, email=EMAIL)
    token = make_token(address.pk, EMAIL)
    settings.NOTIFICATION_CONFIRMATION_MAX_AGE_SECONDS = -1

    response = anonymous.post(f"/notifications/confirm/{token}/")

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    address.refresh_from_db()
    assert address.confirmed_at is None


def test_the_link_can_be_sent_again_but_not_within_the_interval(
    account, applicant_client, mailoutbox, django_capture_on_commit_callbacks
):
    profile = profile_with(account, email=EMAIL, confirmed=False)
    url = f"/profiles/{profile.sid}/notifications/confirmation/"

    with django_capture_on_commit_callbacks(execute=True):
        first = applicant_client.post(url, follow=True)
        second = applicant_client.post(url, follow=True)

    assert "A confirmation link was sent to" in first.content.decode()
    assert "was sent to ops@acme.example.com recently. Try again in 10 minutes." in (
        second.content.decode()
    )
    assert len(mailoutbox) == 1
    NotificationAddress.objects.update(
        confirmation_sent_at=timezone.now() - timedelta(minutes=11)
    )
    with django_capture_on_commit_callbacks(execute=True):
        applicant_client.post(url)
    assert len(mailoutbox) == 2


def test_links_go_to_a_limited_number_of_addresses_per_account(
    account, applicant_client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_CONFIRMATION_ACCOUNT_LIMIT = 3
    profiles = [
        profile_with(account, email=f"a{n}@acme.example.com", confirmed=False)
        for n in range(4)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        pages = [
            applicant_client.post(
                f"/profiles/{p.sid}/notifications/confirmation/", follow=True
            ).content.decode()
            for p in profiles
        ]

    assert len(mailoutbox) == 3
    assert "went to 3 addresses of your account recently" in pages[3]
    assert "Try again in 60 minutes" in pages[3]


# --- resend limits -------------------------------------------------------------------


def resend_path(delivery) -> str:
    return f"/account/deliveries/{delivery.message_id}/resend/"


def test_a_delivery_cannot_be_resent_twice_within_the_interval(
    account, applicant_client, receiver
):
    delivery, _ = sent_callback(account, receiver)

    first = applicant_client.post(resend_path(delivery), follow=True)
    deliver_row(delivery)
    second = applicant_client.post(resend_path(delivery), follow=True)

    assert "queued to be sent again" in first.content.decode()
    assert (
        "This notification was resent recently. Try again in 10 minutes."
        in second.content.decode()
    )
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert len(receiver.requests) == 2


def test_an_account_resends_a_limited_number_per_window(
    account, applicant_client, settings
):
    settings.NOTIFICATION_RESEND_ACCOUNT_LIMIT = 3
    changes = [
        submit(profile_with(account, status_callback=f"https://h.example/{n}"))
        for n in range(4)
    ]
    deliveries = [rows(change)[Channel.WEBHOOK] for change in changes]

    pages = [
        applicant_client.post(resend_path(d), follow=True).content.decode()
        for d in deliveries
    ]

    assert DeliveryResend.objects.filter(account=account).count() == 3
    assert "Your account has resent 3 notifications recently" in pages[3]
    assert "Try again in 60 minutes" in pages[3]


def test_a_held_email_cannot_be_resent(account, reviewer, applicant_client):
    change = approve(profile_with(account, email=EMAIL, confirmed=False), reviewer)
    held = rows(change)[Channel.EMAIL]

    page = applicant_client.post(resend_path(held), follow=True).content.decode()

    assert "has not confirmed it wants these emails yet" in page
    held.refresh_from_db()
    assert held.state == DeliveryState.HELD
    assert not DeliveryResend.objects.exists()


def test_an_email_sent_before_confirmation_was_needed_is_not_resent(
    account, reviewer, applicant_client, mailoutbox
):
    change = approve(profile_with(account, email=EMAIL), reviewer)
    delivery = deliver_row(rows(change)[Channel.EMAIL])
    NotificationAddress.objects.all().delete()

    applicant_client.post(resend_path(delivery))

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert len(mailoutbox) == 1


def test_a_reviewers_resends_do_not_count_against_the_account(
    account, reviewer, settings
):
    settings.NOTIFICATION_RESEND_ACCOUNT_LIMIT = 1
    first, second = (
        rows(submit(profile_with(account, status_callback=f"https://h.example/{n}")))[
            Channel.WEBHOOK
        ]
        for n in range(2)
    )

    outbox.resend(first, by_reviewer=True)
    outbox.resend(second)

    with pytest.raises(outbox.ResendRefused, match="resent recently"):
        outbox.resend(first, by_reviewer=True)
    assert DeliveryResend.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_resends_at_once_from_many_connections_pass_the_limit_once(account):
    profile = profile_with(account, status_callback="https://h.example/cb")
    submit(profile)
    delivery = NotificationDelivery.objects.filter(status_change__profile=profile)[0]
    start = threading.Barrier(6)

    def attempt(_):
        try:
            start.wait()
            outbox.resend(delivery)
            return "sent"
        except outbox.ResendRefused:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(6) as pool:
        results = sorted(pool.map(attempt, range(6)))

    assert results == ["refused"] * 5 + ["sent"]
    assert DeliveryResend.objects.count() == 1


# --- subjects ------------------------------------------------------------------------


def test_a_long_friendly_name_is_cut_and_quoted_in_the_subject(
    account, reviewer, mailoutbox
):
    name = 'Acme "Security Team": verify your password at evil.example today'
    change = reject(profile_with(account, email=EMAIL, friendly_name=name), reviewer)

    deliver_row(rows(change)[Channel.EMAIL])

    (message,) = mailoutbox
    assert message.subject == (
        "Action needed: your compliance profile "
        "\"Acme 'Security Team': verify your pas...\" was rejected"
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Acme Widgets", '"Acme Widgets"'),
        ("x" * 40, '"' + "x" * 40 + '"'),
        ("x" * 41, '"' + "x" * 37 + '..."'),
        (
            "Acme\r\nBcc: a@b.example\u2028Subject: x",
            '"Acme Bcc: a@b.example Subject: x"',
        ),
        ("Acme\x00\x1b[31m", '"Acme [31m"'),
    ],
)
def test_applicant_text_in_a_subject_is_one_short_quoted_line(text, shown):
    assert quoted_for_subject(text) == shown


# --- the account page --------------------------------------------------------------


def test_the_account_page_shows_the_masked_secret(account, applicant_client):
    secret = account.webhook_secret

    response = applicant_client.get("/account/")

    assert response.status_code == 200
    assert f"{secret[:4]}…{secret[-4:]}" in response.content.decode()


def test_the_account_page_lists_only_the_accounts_deliveries(
    account, other_account, applicant_client
):
    ours = submit(profile_with(account, status_callback="https://h.example/ours"))
    theirs = submit(profile_with(other_account, status_callback="https://h.example/x"))

    page = applicant_client.get("/account/").content.decode()

    assert rows(ours)[Channel.WEBHOOK].message_id in page
    assert "https://h.example/ours" in page
    assert rows(theirs)[Channel.WEBHOOK].message_id not in page
    assert "https://h.example/x" not in page


def test_rotating_the_secret_replaces_it(account, applicant_client):
    old = account.webhook_secret

    response = applicant_client.post("/account/secret/rotate/")

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.webhook_secret != old
    assert len(account.webhook_secret) == 64


def test_after_a_rotation_callbacks_are_signed_with_the_new_secret(
    account, applicant_client, receiver
):
    old = account.webhook_secret
    applicant_client.post("/account/secret/rotate/")
    account.refresh_from_db()

    _, request = sent_callback(account, receiver)

    url, signature = requested_url(request), request.headers["X-Twilio-Signature"]
    assert RequestValidator(account.webhook_secret).validate(
        url, form(request), signature
    )
    assert not RequestValidator(old).validate(url, form(request), signature)


@pytest.mark.parametrize(
    ("status", "state"), [(200, DeliveryState.DELIVERED), (404, DeliveryState.FAILED)]
)
def test_resend_puts_a_finished_delivery_back_to_pending_and_due(
    account, applicant_client, receivers, status, state
):
    receiver = receivers(status, 200)
    delivery, _ = sent_callback(account, receiver)
    assert delivery.state == state

    response = applicant_client.post(
        f"/account/deliveries/{delivery.message_id}/resend/"
    )

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 0
    assert delivery.next_attempt_at <= timezone.now()
    assert deliver_row(delivery).state == DeliveryState.DELIVERED
    assert len(receiver.requests) == 2


def test_resending_another_accounts_delivery_is_not_found(
    account, other_client, receiver
):
    delivery, _ = sent_callback(account, receiver)

    response = other_client.post(f"/account/deliveries/{delivery.message_id}/resend/")

    assert response.status_code == 404
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED


# --- end to end, with a real worker ------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_calls_back_once_for_submission_and_once_for_approval(
    live_worker, receivers, applicant, reviewer, mailoutbox
):
    receiver = receivers(200)
    profile = profile_with(
        applicant.membership.account, email=EMAIL, status_callback=receiver.url
    )
    deliveries = NotificationDelivery.objects.filter(status_change__profile=profile)

    profile_submit(profile=profile, actor=applicant)

    def in_review():
        """the worker evaluated the profile"""
        profile.refresh_from_db()
        return profile.status == Status.IN_REVIEW

    wait_until(in_review)
    profile_approve(profile=profile, reviewer=reviewer)

    def all_delivered():
        """the worker delivered the callbacks and the email"""
        return deliveries.filter(state=DeliveryState.DELIVERED).count() == 3

    wait_until(all_delivered)
    assert deliveries.count() == 3
    assert sorted(
        (form(r)["Status"], form(r)["Sequence"]) for r in receiver.requests
    ) == [
        (Status.PENDING_REVIEW, "1"),
        (Status.TWILIO_APPROVED, "3"),
    ]
    assert [m.to for m in mailoutbox] == [[EMAIL]]
