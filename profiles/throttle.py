"""Sign-in throttling: too many failures per login or per address locks it out.

Failures are counted in Django's cache in a fixed window: the first failure
starts the window, and a login (or an address) that reaches its limit is
refused, without checking the password, until the window ends. A successful
sign-in clears the login's count (not the address's). The client address is
REMOTE_ADDR, or behind TRUSTED_PROXY_HOPS proxies (compose's nginx) the
address the outermost of them saw, read from the end of X-Forwarded-For, where
a client cannot write it.

With the default local-memory cache each web process counts on its own; a
shared cache (CACHES) makes the limits apply across processes.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.utils.translation import ngettext

THROTTLED = "throttled"


def setting(name: str) -> int:
    """One of the LOGIN_THROTTLE_* settings (see portal/settings.py)."""
    return int(getattr(settings, name))


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"login-throttle:{kind}:{digest}"


def _keys(username: str | None, address: str | None) -> list[tuple[str, str]]:
    keys = []
    if username:
        keys.append((_key("login", username.lower()), "LOGIN_THROTTLE_MAX_FAILURES"))
    if address:
        keys.append(
            (_key("address", address), "LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS")
        )
    return keys


def client_address(request) -> str | None:
    """The address the request came from, as the trusted proxies saw it."""
    if request is None:
        return None
    hops = setting("TRUSTED_PROXY_HOPS")
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


def is_blocked(username: str | None, address: str | None) -> bool:
    return any(
        (cache.get(key) or 0) >= setting(limit)
        for key, limit in _keys(username, address)
    )


def record_failure(username: str | None, address: str | None) -> None:
    window = setting("LOGIN_THROTTLE_WINDOW_SECONDS")
    for key, _limit in _keys(username, address):
        # add() starts the window; incr() keeps its expiry.
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.add(key, 1, timeout=window)


def clear_login(username: str | None) -> None:
    if username:
        cache.delete(_key("login", username.lower()))


def refusal_message() -> str:
    minutes = max(1, round(setting("LOGIN_THROTTLE_WINDOW_SECONDS") / 60))
    return ngettext(
        "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class ThrottledAuthenticationMixin:
    """For AuthenticationForm subclasses: count failures, refuse when over."""

    def clean(self):
        username = self.cleaned_data.get("username")
        address = client_address(self.request)
        if is_blocked(username, address):
            raise forms.ValidationError(refusal_message(), code=THROTTLED)
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if getattr(error, "code", None) == "invalid_login":
                record_failure(username, address)
            raise
        clear_login(username)
        return cleaned

    @property
    def throttled(self) -> bool:
        errors = self.errors.as_data().get("__all__", [])
        return any(error.code == THROTTLED for error in errors)


class ThrottledAdminAuthenticationForm(
    ThrottledAuthenticationMixin, AdminAuthenticationForm
):
    """The admin's sign-in form, with the same limits as the portal's."""


class ThrottledLoginView(LoginView):
    """Answer 429 Too Many Requests, with the form and its message, when throttled."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
            response["Retry-After"] = str(setting("LOGIN_THROTTLE_WINDOW_SECONDS"))
        return response
