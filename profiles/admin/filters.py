"""The review queue's own filters: waiting time, industry and country."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from operator import itemgetter

from django.contrib import admin
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..choices import BusinessIndustry

DAY = timedelta(days=1)
WEEK = timedelta(days=7)


class AgeFilter(admin.SimpleListFilter):
    """How long ago the profile was submitted."""

    title = _("waiting since")
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [
            ("new", _("Under 1 day")),
            ("days", _("1 to 7 days")),
            ("old", _("Over 7 days")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        ranges = {
            "new": {"submitted_at__gt": now - DAY},
            "days": {"submitted_at__lte": now - DAY, "submitted_at__gt": now - WEEK},
            "old": {"submitted_at__lte": now - WEEK},
        }
        if self.value() in ranges:
            return queryset.filter(**ranges[self.value()])
        return queryset


class DropdownFilter(admin.SimpleListFilter):
    """One value of a fixed list, picked from a drop-down: no query to offer them.

    The list is every value a profile may hold, not only those in use: finding
    those would read a whole table on every view of the queue. The queue's page
    draws it as a drop-down form (see `queue.filter_boxes`).
    """

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.parameter_name: self.value()})
        return queryset

    def choices(self, changelist):
        """The "All" choice first, with the queue's other parameters to keep."""
        others = changelist.get_query_string(remove=[self.parameter_name])
        yield {
            "selected": not self.value(),
            "value": "",
            "display": _("All"),
            "kept": [
                (name, value)
                for name, values in QueryDict(others[1:]).lists()
                for value in values
            ],
        }
        for value, label in self.lookup_choices:
            yield {"selected": self.value() == value, "value": value, "display": label}


class IndustryFilter(DropdownFilter):
    title = _("business industry")
    parameter_name = "business_information__business_industry"

    def lookups(self, request, model_admin):
        return industries(get_language())


class CountryFilter(DropdownFilter):
    title = _("country")
    parameter_name = "address__iso_country"

    def lookups(self, request, model_admin):
        # Any country the address step accepts, sorted by name.
        return country_choices(get_language())


@lru_cache(maxsize=16)
def industries(language: str | None) -> list[tuple[str, str]]:
    """Every industry and its label in `language`, sorted by label; once a language."""
    labels = ((value, str(label)) for value, label in BusinessIndustry.choices)
    return sorted(labels, key=itemgetter(1))


@lru_cache(maxsize=16)
def country_choices(language: str | None) -> list[tuple[str, str]]:
    """Every country's code and its name in `language`, sorted by name."""
    return [(country.code, str(country.name)) for country in countries]
