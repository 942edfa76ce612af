"""The review queue's own filters: waiting time, and industries and countries in use."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..choices import BusinessIndustry
from ..models import Address, BusinessInformation

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


class InUseFilter(admin.SimpleListFilter):
    """Offers only the values some profile uses, by their label."""

    model = None
    field = ""

    def lookups(self, request, model_admin):
        used = self.model.objects.order_by().values_list(self.field, flat=True)
        values = {value for value in used.distinct() if value}
        return sorted(((v, self.label(v)) for v in values), key=_second)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.parameter_name: self.value()})
        return queryset

    def label(self, value) -> str:
        return value


class IndustryFilter(InUseFilter):
    title = _("business industry")
    parameter_name = "business_information__business_industry"
    model = BusinessInformation
    field = "business_industry"

    def label(self, value) -> str:
        labels = dict(BusinessIndustry.choices)
        return labels.get(value, value)


class CountryFilter(InUseFilter):
    title = _("country")
    parameter_name = "address__iso_country"
    model = Address
    field = "iso_country"

    def label(self, value) -> str:
        return countries.name(value) or value


def _second(pair):
    return pair[1]
