"""Accounts and their members; the webhook signing secret never shows.

Deleting an account erases it through account_erase: its profiles, their rows
and their documents' files go with it, and an Erasure row records it.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext as _

from ..accounts import account_erase
from ..models import Account, CustomerProfile, Membership, SupportingDocument
from .changelist import CheckedModelAdmin


@admin.register(Account)
class AccountAdmin(CheckedModelAdmin):
    list_display = ["name", "sid", "created_at"]
    search_fields = ["name", "sid"]
    readonly_fields = ["sid", "created_at"]
    # It plays the Trust Hub auth token: not for anyone's screen.
    exclude = ["webhook_secret"]

    def get_deleted_objects(self, objs, request):
        """What erasing the accounts removes, in counts.

        Django's own list would stop at the profiles, which a plain delete may
        not remove (PROTECT); account_erase removes them first.
        """
        accounts = list(objs)
        profiles = CustomerProfile.objects.filter(account__in=accounts)
        profile_count = profiles.count()
        counts = {
            _("accounts"): len(accounts),
            _("customer profiles"): profile_count,
            _("supporting documents"): SupportingDocument.objects.filter(
                profile__in=profiles
            ).count(),
            _("memberships"): Membership.objects.filter(account__in=accounts).count(),
        }
        listed = [
            _(
                "%(account)s, with its profiles (their answers, evaluations, status "
                "history and notifications), their documents' files and its "
                "memberships"
            )
            % {"account": account}
            for account in accounts
        ]
        perms_needed = set()
        if profile_count and not request.user.has_perm(
            "profiles.delete_customerprofile"
        ):
            perms_needed.add(_("customer profile"))
        return listed, counts, perms_needed, []

    def delete_model(self, request, obj):
        """Erase the account and everything of it (see account_erase)."""
        account_erase(account=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        """Erase each selected account, one erasure (and audit row) each."""
        for account in queryset:
            account_erase(account=account, actor=request.user)


@admin.register(Membership)
class MembershipAdmin(CheckedModelAdmin):
    list_display = ["user", "account"]
    list_select_related = ["user", "account"]
    autocomplete_fields = ["account"]
