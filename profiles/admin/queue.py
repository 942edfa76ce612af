"""The review queue: Django's changelist of profiles, declared.

In review first, oldest submission first; then the others, last updated first.
The page is the admin's own `change_list.html` and `change_list_results.html`;
the queue's template (templates/admin/profiles/customerprofile/change_list.html)
overrides only the blocks that differ.
"""

from __future__ import annotations

from functools import lru_cache

from django import forms
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import ResultList, result_headers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..access import is_reviewer
from ..choices import choice_labels
from ..models import Address, BusinessInformation, CustomerProfile
from .changelist import CheckedChangeList, CheckedModelAdmin
from .filters import (
    AgeFilter,
    CountryFilter,
    IndustryFilter,
    country_choices,
    industries,
)

NONE = mark_safe("—")
# What the rows show, and nothing else: the profile's own columns and its
# account's name, and (annotated) its business's industry and its country.
# Subqueries, not joins: a count leaves out the annotations it does not use.
COLUMNS = ("sid", "friendly_name", "kind", "status", "submitted_at", "account__name")
ANNOTATIONS = {
    "industry_value": Subquery(
        BusinessInformation.objects.filter(profile=OuterRef("pk")).values(
            "business_industry"
        )
    ),
    "country_code": Subquery(
        Address.objects.filter(profile=OuterRef("pk")).values("iso_country")
    ),
}
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
ABBR = '<abbr title="{}">{}</abbr>'
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


class QueueChangeList(CheckedChangeList):
    """Django's ChangeList, reading only the columns shown, its rows drawn once each.

    Django's `result_list` tag draws each of the page's 400 cells through
    `items_for_result`: about 16 ms of CPU a page, more than the rest of the
    page together. The same markup drawn once per row takes about 1.5 ms.
    Headers, sorting, filters and pages stay Django's.
    """

    def get_queryset(self, request, exclude_parameters=None):
        """The matching profiles, with only what the table shows."""
        profiles = super().get_queryset(request, exclude_parameters)
        return profiles.only(*COLUMNS).annotate(**ANNOTATIONS)

    @cached_property
    def headers(self) -> list[dict]:
        return list(result_headers(self))

    @cached_property
    def num_sorted_fields(self) -> int:
        return sum(1 for header in self.headers if header["sorted"])

    @cached_property
    def rows(self) -> list[ResultList]:
        """Each profile's row for `change_list_results.html`: its cells in one piece."""
        # Escaped once a page, not once a cell: that was a third of a row's time.
        before, after = map(conditional_escape, self.review_link())
        columns = self.model_admin
        kinds = escaped_labels(CustomerProfile, "kind")
        statuses = escaped_labels(CustomerProfile, "status")
        return [
            ResultList(
                None,
                [
                    format_html(
                        ROW,
                        # Both halves escaped above; the id is a number.
                        mark_safe(f"{before}{profile.pk}{after}"),  # noqa: S308
                        profile,
                        profile.sid,
                        kinds.get(profile.kind, profile.kind),
                        statuses.get(profile.status, profile.status),
                        profile.account.name,
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
        site = self.model_admin.admin_site
        url = reverse(
            f"{site.name}:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[PK_SLOT],
            current_app=site.name,
        )
        kept = {"preserved_filters": self.preserved_filters, "opts": self.opts}
        url = add_preserved_filters(kept, url)
        before, _slot, after = url.partition(PK_SLOT)
        return before, after


class ReviewQueueAdmin(CheckedModelAdmin):
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
    list_select_related = ["account"]
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
        """The label of the business's industry (annotated by QueueChangeList)."""
        if not profile.industry_value:
            return NONE
        # The model's get_*_display() translates all 31 labels on every call.
        labels = industry_cells(get_language())
        return labels.get(profile.industry_value, profile.industry_value)

    @admin.display(description=_("country"), ordering="address__iso_country")
    def country(self, profile):
        """The address's country code, its name on hover (annotated, as above)."""
        code = profile.country_code
        if not code:
            return NONE
        cell = country_cells(get_language()).get(code)
        return cell or format_html(ABBR, code, code)

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted(self, profile):
        if profile.submitted_at is None:
            return NONE
        return _("%(time)s ago") % {"time": timesince(profile.submitted_at, depth=1)}

    @property
    def media(self):
        """No scripts: the queue has no actions, related lookups or prepopulated
        fields for Django's eight admin scripts to serve."""
        return forms.Media()

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


def escaped_labels(model, name: str) -> dict[str, SafeString]:
    """A choice field's labels in the active language, escaped."""
    labels = choice_labels(model, name, get_language())
    return {value: conditional_escape(label) for value, label in labels.items()}


@lru_cache(maxsize=16)
def industry_cells(language: str | None) -> dict[str, SafeString]:
    """Each industry's label in `language`, escaped once."""
    return {value: conditional_escape(label) for value, label in industries(language)}


@lru_cache(maxsize=16)
def country_cells(language: str | None) -> dict[str, SafeString]:
    """Each country's code with its name on hover, drawn once per language."""
    return {
        code: format_html(ABBR, name, code) for code, name in country_choices(language)
    }
