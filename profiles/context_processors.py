"""Template context shared by every page."""

from __future__ import annotations

from .access import account_for


def account(request) -> dict:
    return {"account": account_for(request.user)}
