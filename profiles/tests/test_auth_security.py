"""Sign-in: throttled after repeated failures, a new session at sign-in."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from profiles import throttle
from profiles.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def limits(settings):
    cache.clear()
    settings.LOGIN_THROTTLE_MAX_FAILURES = 3
    settings.LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS = 5
    settings.LOGIN_THROTTLE_WINDOW_SECONDS = 600
    yield settings
    cache.clear()


def sign_in(client, email, password, address="203.0.113.7", url=LOGIN):
    return client.post(
        url, {"username": email, "password": password}, REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def test_a_few_failures_then_the_right_password_signs_in(applicant):
    client = Client()
    for _ in range(2):
        assert sign_in(client, applicant.email, "wrong").status_code == 200

    response = sign_in(client, applicant.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_the_login_is_locked_after_its_limit_even_with_the_right_password(applicant):
    client = Client()
    for _ in range(3):
        sign_in(client, applicant.email, "wrong")

    response = sign_in(client, applicant.email, PASSWORD)

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "Try again in 10 minutes" in response.content.decode()
    assert response["Retry-After"] == "600"
    assert not signed_in(client)


def test_the_lock_is_per_login_case_insensitively_from_any_address(applicant):
    for n in range(3):
        sign_in(Client(), applicant.email.upper(), "wrong", address=f"198.51.100.{n}")

    response = sign_in(Client(), applicant.email, PASSWORD, address="192.0.2.99")

    assert response.status_code == 429


def test_another_login_is_not_locked_by_someone_elses_failures(applicant):
    other = UserFactory()
    for n in range(3):
        sign_in(Client(), applicant.email, "wrong", address=f"198.51.100.{n}")

    client = Client()
    response = sign_in(client, other.email, PASSWORD, address="192.0.2.50")

    assert response.status_code == 302
    assert signed_in(client)


def test_one_address_trying_many_logins_is_locked(applicant):
    for n in range(5):
        sign_in(Client(), f"nobody{n}@example.com", "wrong", address="203.0.113.9")

    client = Client()
    blocked = sign_in(client, applicant.email, PASSWORD, address="203.0.113.9")
    elsewhere = sign_in(Client(), applicant.email, PASSWORD, address="203.0.113.10")

    assert blocked.status_code == 429
    assert not signed_in(client)
    assert elsewhere.status_code == 302


def test_a_success_clears_the_logins_count(applicant):
    for _ in range(2):
        sign_in(Client(), applicant.email, "wrong")
    assert sign_in(Client(), applicant.email, PASSWORD).status_code == 302
    for _ in range(2):
        sign_in(Client(), applicant.email, "wrong")

    assert sign_in(Client(), applicant.email, PASSWORD).status_code == 302


def test_the_lock_ends_with_its_window(applicant, monkeypatch):
    for _ in range(3):
        sign_in(Client(), applicant.email, "wrong")
    assert sign_in(Client(), applicant.email, PASSWORD).status_code == 429

    cache.clear()  # what the window's expiry does

    assert sign_in(Client(), applicant.email, PASSWORD).status_code == 302


def test_the_counters_expire_with_the_window(applicant, monkeypatch):
    timeouts = []
    original = cache.add
    monkeypatch.setattr(
        cache,
        "add",
        lambda key, value, timeout: (
            timeouts.append(timeout) or original(key, value, timeout)
        ),
    )

    sign_in(Client(), applicant.email, "wrong")

    assert timeouts and set(timeouts) == {600}


def test_malformed_or_missing_credentials_never_fail_the_server():
    client = Client()
    for data in (
        {},
        {"username": "not-an-email", "password": "x"},
        {"username": ["a@example.com", "b@example.com"], "password": ["x", "y"]},
        {"username": "a@example.com\x00", "password": "x" * 100_000},
        {"username": "𝕬@example.com", "password": "\ud7ff"},
    ):
        response = client.post(LOGIN, data, REMOTE_ADDR="192.0.2.1")
        assert response.status_code in (200, 429)
        assert 'id="error-summary"' in response.content.decode()


def test_the_admin_sign_in_is_throttled_too(reviewer):
    for _ in range(3):
        sign_in(Client(), reviewer.email, "wrong", url=ADMIN_LOGIN)

    client = Client()
    response = sign_in(client, reviewer.email, PASSWORD, url=ADMIN_LOGIN)

    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in(client)


def fail_through_proxy(email, forwarded: str) -> int:
    """A failed sign-in that came through the proxy, nginx's header appended."""
    response = Client().post(
        LOGIN,
        {"username": email, "password": "wrong"},
        REMOTE_ADDR="172.18.0.5",
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    return response.status_code


def test_behind_the_proxy_one_clients_failures_lock_out_only_that_client(
    applicant, settings
):
    settings.TRUSTED_PROXY_HOPS = 1
    others = UserFactory.create_batch(5)
    for other in others:
        fail_through_proxy(other.email, "198.51.100.66")

    client = Client()
    response = client.post(
        LOGIN,
        {"username": applicant.email, "password": PASSWORD},
        REMOTE_ADDR="172.18.0.5",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )

    assert response.status_code == 302
    assert signed_in(client)


def test_behind_the_proxy_a_forged_forwarded_address_does_not_escape_the_limit(
    applicant, settings
):
    settings.TRUSTED_PROXY_HOPS = 1
    others = UserFactory.create_batch(5)
    for number, other in enumerate(others):
        fail_through_proxy(other.email, f"192.0.2.{number}, 198.51.100.66")

    status = fail_through_proxy(applicant.email, "192.0.2.99, 198.51.100.66")

    assert status == 429


def test_without_trusted_proxies_the_forwarded_header_is_ignored(applicant):
    others = UserFactory.create_batch(5)
    for number, other in enumerate(others):
        fail_through_proxy(other.email, f"192.0.2.{number}")

    assert fail_through_proxy(applicant.email, "192.0.2.99") == 429


def test_the_limits_are_the_settings_read_from_the_environment(settings):
    settings.LOGIN_THROTTLE_MAX_FAILURES = 7
    assert throttle.setting("LOGIN_THROTTLE_MAX_FAILURES") == 7


def test_the_default_limits_are_five_per_login_and_twenty_per_address():
    from portal import settings as portal_settings

    assert portal_settings.LOGIN_THROTTLE_MAX_FAILURES == 5
    assert portal_settings.LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS == 20
    assert portal_settings.LOGIN_THROTTLE_WINDOW_SECONDS == 900


def test_signing_out_ends_the_session(applicant):
    client = Client()
    sign_in(client, applicant.email, PASSWORD)
    key = client.cookies["sessionid"].value

    client.post(reverse("logout"))

    assert not SessionStore().exists(key)
    assert client.get(reverse("profiles:list")).status_code == 302
