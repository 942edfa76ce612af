"""Template context shared by every page."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from .access import account_for


def account(request) -> dict:
    # A request refused before the authentication middleware ran (a bad Host
    # header, say) has no user, and its error page still renders.
    return {"account": account_for(getattr(request, "user", AnonymousUser()))}
