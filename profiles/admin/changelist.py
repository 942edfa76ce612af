"""The changelist and search every admin of the portal's models uses: Django's,
without the queries the database cannot run."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.utils.translation import gettext_lazy as _


def holds_nul(params: dict[str, list[str]]) -> bool:
    """Whether lookup parameters' names or values hold a NUL character."""
    return any(
        "\x00" in name or any("\x00" in value for value in values)
        for name, values in params.items()
    )


class CheckedChangeList(ChangeList):
    """Django's ChangeList, refusing a NUL character in its lookups.

    PostgreSQL's text cannot hold one, and psycopg raises ValueError only when
    the filtered query runs, past the admin's own checks of the lookups (a
    filter's, or a plain ?status=). Refused as an incorrect lookup instead, the
    admin redirects to the unfiltered list with ?e=1, as it does for any lookup
    it cannot run. (Django's search form already refuses a NUL in ?q=.)
    """

    def get_queryset(self, request, exclude_parameters=None):
        """Django's, once the lookups are ones the database can run."""
        if holds_nul(self.get_filters_params()):
            raise IncorrectLookupParameters(_("A lookup holds a NUL character."))
        return super().get_queryset(request, exclude_parameters)


class CheckedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose changelist is CheckedChangeList, and whose search (the
    changelist's and the autocomplete's) finds nothing for a NUL character."""

    def get_changelist(self, request, **kwargs):
        """The changelist that refuses what the database cannot run."""
        return CheckedChangeList

    def get_search_results(self, request, queryset, search_term):
        """Django's search; no text the database holds contains a NUL."""
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class RecordAdmin(CheckedModelAdmin):
    """A record the admin shows and never adds, changes or deletes."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
