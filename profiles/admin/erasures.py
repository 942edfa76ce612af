"""The erasure record: what was deleted, when and by whom, read-only."""

from __future__ import annotations

from django.contrib import admin

from ..models import Erasure
from .changelist import RecordAdmin


@admin.register(Erasure)
class ErasureAdmin(RecordAdmin):
    """The record of an erasure outlives what it erased: never changed or deleted."""

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
