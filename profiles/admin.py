"""The reviewer's back office (read-only views of every section for now)."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    Account,
    Address,
    AuthorizedRepresentative,
    BusinessInformation,
    CustomerProfile,
    Membership,
    StatusChange,
    SupportingDocument,
)


class ReadOnlyInline(admin.StackedInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BusinessInformationInline(ReadOnlyInline):
    model = BusinessInformation


class RepresentativeInline(ReadOnlyInline):
    model = AuthorizedRepresentative


class AddressInline(ReadOnlyInline):
    model = Address


class DocumentInline(ReadOnlyInline):
    model = SupportingDocument
    exclude = ["file"]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    readonly_fields = [
        "from_status",
        "to_status",
        "revision",
        "actor",
        "reasons",
        "created_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CustomerProfile)
class CustomerProfileAdmin(admin.ModelAdmin):
    list_display = ["friendly_name", "sid", "kind", "status", "account", "updated_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["account"]
    search_fields = ["sid", "friendly_name"]
    readonly_fields = ["sid", "status", "revision", "submitted_at", "errors"]
    inlines = [
        BusinessInformationInline,
        RepresentativeInline,
        AddressInline,
        DocumentInline,
        StatusChangeInline,
    ]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "sid", "created_at"]
    search_fields = ["name", "sid"]
    exclude = ["webhook_secret"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "account"]
    list_select_related = ["user", "account"]
    autocomplete_fields = ["account"]
