"""The review queue: Django's changelist of profiles, declared.

In review first, oldest submission first; then the others, last updated first.
The page is the admin's own `change_list.html` and `change_list_results.html`;
the queue's template (templates/admin/profiles/customerprofile/change_list.html)
overrides only the blocks that differ.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import ResultList, result_headers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..access import is_reviewer
from ..choices import choice_labels
from ..models import CustomerProfile
from .filters import (
    AgeFilter,
    CountryFilter,
    IndustryFilter,
    country_names,
    industry_labels,
)

NONE = "—"
# What the rows show, and nothing else.
COLUMNS = (
    "sid",
    "friendly_name",
    "kind",
    "status",
    "submitted_at",
    "account__name",
    "business_information__business_industry",
    "address__iso_country",
)
# One row of the table, as Django's items_for_result draws the list_display
# columns (the first one a link to the review page).
ROW = (
    '<th class="field-__str__"><a href="{}">{}</a></th>'
    '<td class="field-sid">{}</td>'
    '<td class="field-kind">{}</td>'
    '<td class="field-status">{}</td>'
    '<td class="field-account nowrap">{}</td>'
    '<td class="field-industry">{}</td>'
    '<td class="field-country">{}</td>'
    '<td class="field-submitted">{}</td>'
)
# Stands in for a profile's id when the review link is reversed once per page.
PK_SLOT = "PK-SLOT"


class QueuePaginator(Paginator):
    """Counts the matching profiles' ids, not whole rows.

    A search over representatives' emails may match a profile twice, so the
    changelist asks for distinct rows: counting distinct ids instead of
    distinct rows of every column is what keeps a search's count cheap.
    """

    @cached_property
    def count(self) -> int:
        """The number of profiles on every page together."""
        return self.object_list.values("pk").count()


class QueueChangeList(ChangeList):
    """Django's ChangeList, reading only the columns shown, its rows drawn once each.

    Django's `result_list` tag draws each of the page's 400 cells through
    `items_for_result`, about 16 ms a page; the same markup drawn once per row
    takes under a millisecond. Headers, sorting, filters and pages are Django's.
    """

    def get_queryset(self, request, exclude_parameters=None):
        """The matching profiles, with only what the table shows."""
        profiles = super().get_queryset(request, exclude_parameters)
        return profiles.only(*COLUMNS)

    @cached_property
    def headers(self) -> list[dict]:
        return list(result_headers(self))

    @cached_property
    def num_sorted_fields(self) -> int:
        return sum(1 for header in self.headers if header["sorted"])

    @cached_property
    def rows(self) -> list[ResultList]:
        """Each profile's cells, as `change_list_results.html` lays rows out."""
        before, after = self.review_link()
        columns = self.model_admin
        language = get_language()
        kinds = choice_labels(CustomerProfile, "kind", language)
        statuses = choice_labels(CustomerProfile, "status", language)
        return [
            ResultList(
                None,
                [
                    format_html(
                        ROW,
                        f"{before}{profile.pk}{after}",
                        profile,
                        profile.sid,
                        kinds.get(profile.kind, profile.kind),
                        statuses.get(profile.status, profile.status),
                        profile.account,
                        columns.industry(profile),
                        columns.country(profile),
                        columns.submitted(profile),
                    )
                ],
            )
            for profile in self.result_list
        ]

    def review_link(self) -> tuple[str, str]:
        """A review page's URL, with the queue's filters kept, around the id."""
        url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[PK_SLOT],
            current_app=self.model_admin.admin_site.name,
        )
        kept = {"preserved_filters": self.preserved_filters, "opts": self.opts}
        url = add_preserved_filters(kept, url)
        before, _slot, after = url.partition(PK_SLOT)
        return before, after


class ReviewQueueAdmin(admin.ModelAdmin):
    """The changelist of profiles: what the queue shows, filters, searches, sorts."""

    list_display = [
        "__str__",
        "sid",
        "kind",
        "status",
        "account",
        "industry",
        "country",
        "submitted",
    ]
    list_filter = ["status", "kind", IndustryFilter, CountryFilter, AgeFilter]
    list_select_related = ["account", "business_information", "address"]
    search_fields = [
        "friendly_name",
        "^sid",
        "business_information__business_registration_number",
        "representatives__email",
    ]
    # Both keys are stored columns, so the `profile_review_queue` index serves it.
    ordering = ["queue_rank", "queue_since", "-updated_at"]
    list_per_page = 50
    paginator = QueuePaginator
    # Counting every profile on each page view is what gets slow at scale.
    show_full_result_count = False
    actions = None

    @admin.display(
        description=_("industry"), ordering="business_information__business_industry"
    )
    def industry(self, profile):
        business = getattr(profile, "business_information", None)
        if business is None or not business.business_industry:
            return NONE
        # The model's get_*_display() translates all 31 labels on every call.
        labels = industry_labels(get_language())
        return labels.get(business.business_industry, business.business_industry)

    @admin.display(description=_("country"), ordering="address__iso_country")
    def country(self, profile):
        address = getattr(profile, "address", None)
        if address is None:
            return NONE
        code = address.iso_country.code
        name = country_names(get_language()).get(code, code)
        return format_html('<abbr title="{}">{}</abbr>', name, code)

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted(self, profile):
        if profile.submitted_at is None:
            return NONE
        return _("%(time)s ago") % {"time": timesince(profile.submitted_at, depth=1)}

    def get_changelist(self, request, **kwargs):
        """The queue's ChangeList, which draws the rows (see QueueChangeList)."""
        return QueueChangeList

    def changelist_view(self, request, extra_context=None):
        """The queue, without the navigation sidebar: as before, no app list read."""
        return super().changelist_view(
            request, {"is_nav_sidebar_enabled": False, **(extra_context or {})}
        )

    def has_view_permission(self, request, obj=None):
        """Reviewers read what they decide; other staff need the permission."""
        # The group first: one query, where the permissions are two.
        return is_reviewer(request.user) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        """Show the app on the admin index to whoever may read profiles."""
        return super().has_module_permission(request) or is_reviewer(request.user)
