"""Accounts and their members; the webhook signing secret never shows."""

from __future__ import annotations

from django.contrib import admin

from ..models import Account, Membership
from .changelist import CheckedModelAdmin


@admin.register(Account)
class AccountAdmin(CheckedModelAdmin):
    list_display = ["name", "sid", "created_at"]
    search_fields = ["name", "sid"]
    readonly_fields = ["sid", "created_at"]
    # It plays the Trust Hub auth token: not for anyone's screen.
    exclude = ["webhook_secret"]


@admin.register(Membership)
class MembershipAdmin(CheckedModelAdmin):
    list_display = ["user", "account"]
    list_select_related = ["user", "account"]
    autocomplete_fields = ["account"]
