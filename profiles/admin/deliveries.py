"""Every notification delivery, failed ones first to find, with a resend action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..access import is_reviewer
from ..models import NotificationDelivery
from ..notifications import ResendRefused, resend
from .changelist import RecordAdmin


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(RecordAdmin):
    list_display = [
        "message_id",
        "profile",
        "status",
        "channel",
        "target",
        "state",
        "attempts",
        "next_attempt_at",
        "last_response_code",
        "delivered_at",
    ]
    list_filter = ["state", "channel"]
    list_select_related = ["status_change__profile"]
    search_fields = ["message_id", "target", "status_change__profile__sid"]
    show_full_result_count = False
    actions = ["resend_selected"]

    @admin.display(description=_("profile"))
    def profile(self, obj):
        return obj.status_change.profile.sid

    @admin.display(description=_("status"))
    def status(self, obj):
        return obj.status_change.get_to_status_display()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or is_reviewer(request.user)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def get_actions(self, request):
        # Django hides actions from users without change permission; resend is
        # a reviewer's action, not an edit.
        if not is_reviewer(request.user):
            return {}
        action = self.get_action("resend_selected")
        return {"resend_selected": action}

    @admin.action(description=_("Resend the selected notifications"))
    def resend_selected(self, request, queryset):
        if not is_reviewer(request.user):
            self.message_user(request, _("Only reviewers may resend."), messages.ERROR)
            return
        count, refusals = 0, []
        for delivery in queryset:
            try:
                resend(delivery, by_reviewer=True)
            except ResendRefused as refusal:
                refusals.append(f"{delivery.message_id}: {refusal.message}")
            else:
                count += 1
        self.message_user(
            request,
            ngettext(
                "%d notification queued again.", "%d notifications queued again.", count
            )
            % count,
            messages.SUCCESS,
        )
        for refusal in refusals:
            self.message_user(request, refusal, messages.ERROR)
