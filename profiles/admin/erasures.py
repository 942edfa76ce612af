"""The erasure record: what was deleted, when and by whom, read-only."""

from __future__ import annotations

from django.contrib import admin

from ..models import Erasure
from .changelist import CheckedModelAdmin


@admin.register(Erasure)
class ErasureAdmin(CheckedModelAdmin):
    list_display = [
        "at",
        "kind",
        "sid",
        "account_sid",
        "actor",
        "profile_count",
        "document_count",
    ]
    list_filter = ["kind"]
    list_select_related = ["actor"]
    search_fields = ["sid", "account_sid"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        """The record of an erasure outlives what it erased."""
        return False
