"""The review queue's page: Django's ChangeList decides, this lays it out once.

ChangeList still decides which profiles match the filters and the search, in
which order, on which page, and what each filter offers. This module turns its
answer into plain rows, headers, filter boxes and page links, once per request,
for the Jinja2 template `admin/profiles/customerprofile/change_list.html`.
Django's own changelist template rendered each of the page's 400 cells through
`items_for_result` and each filter through a template of its own: that was most
of the queue's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from django.conf import settings
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.views.main import ALL_VAR, PAGE_VAR, ChangeList
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from markupsafe import Markup

from ..choices import choice_labels
from ..models import CustomerProfile
from .filters import DropdownFilter, country_choices, industries

TEMPLATE = "admin/profiles/customerprofile/change_list.html"
OPTIONS_TEMPLATE = "admin/profiles/customerprofile/_options.html"
# What the rows show, and nothing else: whole profiles were half the view's time.
COLUMNS = (
    "pk",
    "sid",
    "friendly_name",
    "kind",
    "status",
    "account__name",
    "business_information__business_industry",
    "address__iso_country",
    "submitted_at",
)
# Stands in for a profile's id when the review link is reversed once per page.
PK_SLOT = "PK-SLOT"
NONE = "—"


class QueueRow(NamedTuple):
    """One profile as the table shows it (a tuple: 50 are built per page)."""

    url: str
    name: str
    sid: str
    kind: str
    status: str
    account: str
    industry: str
    country: str
    country_name: str
    submitted: str


@dataclass(frozen=True, slots=True)
class FilterBox:
    title: str
    links: list[tuple[str, str, bool]]  # (query string, label, selected)
    parameter: str = ""  # a drop-down's: the parameter its form sends
    kept: tuple[tuple[str, str], ...] = ()  # a drop-down's other parameters
    options: Markup = Markup()  # a drop-down's <option>s


@dataclass(frozen=True, slots=True)
class PageLink:
    label: str
    url: str = ""  # empty for the current page and for the gaps
    current: bool = False
    last: bool = False


def queue_page(
    model_admin, request, cl: ChangeList, extra_context: dict | None = None
) -> TemplateResponse:
    """The queue's page for a ChangeList built by `model_admin`."""
    request.current_app = model_admin.admin_site.name
    context = {
        **site_context(model_admin.admin_site, request),
        **queue_context(cl),
        "has_add_permission": model_admin.has_add_permission(request),
        **(extra_context or {}),
    }
    return TemplateResponse(request, TEMPLATE, context)


def site_context(admin_site, request) -> dict:
    """The admin's each_context() less its app list, and so its permission queries.

    The list is the navigation sidebar's: reading every permission of the user
    (two queries) and checking each model admin for it cost about 2 ms a view,
    as much as the whole portal page of the bench's baseline. No sidebar here.
    """
    script_name = request.META.get("SCRIPT_NAME", "")
    site_url = admin_site.site_url
    return {
        "site_title": admin_site.site_title,
        "site_header": admin_site.site_header,
        "site_url": script_name if site_url == "/" and script_name else site_url,
        "has_permission": admin_site.has_permission(request),
        "utc_offset": utc_offset(),
        "bidi": get_language_bidi(),
    }


def queue_context(cl: ChangeList) -> dict:
    """The changelist laid out: title, headers, rows, filters and pages."""
    headers = [{**h, "text": capfirst(h["text"])} for h in result_headers(cl)]
    return {
        "cl": cl,
        "opts": cl.opts,
        "title": cl.title,
        "plural_name": capfirst(cl.opts.verbose_name_plural),
        "headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h.get("sorted")),
        "rows": queue_rows(cl),
        "filters": filter_boxes(cl),
        "pages": page_links(cl),
        "show_all_url": show_all_url(cl),
    }


def queue_rows(cl: ChangeList) -> list[QueueRow]:
    """The page's rows from the columns shown, with every label looked up once."""
    before, after = review_link(cl)
    language = get_language()
    kinds = choice_labels(CustomerProfile, "kind", language)
    statuses = choice_labels(CustomerProfile, "status", language)
    sectors, countries = dict(industries(language)), dict(country_choices(language))
    now, ago = timezone.now(), _("%(time)s ago")
    return [
        QueueRow(
            url=f"{before}{pk}{after}",
            name=name or sid,
            sid=sid,
            kind=kinds.get(kind, kind),
            status=statuses.get(status, status),
            account=account,
            industry=sectors.get(industry, industry) if industry else NONE,
            country=country or "",
            country_name=countries.get(country, country) if country else "",
            submitted=waited(submitted, now, ago),
        )
        for pk, sid, name, kind, status, account, industry, country, submitted in (
            cl.result_list.values_list(*COLUMNS)
        )
    ]


def review_link(cl: ChangeList) -> tuple[str, str]:
    """A review page's URL, with the queue's filters kept, around the profile's id."""
    admin_site = cl.model_admin.admin_site
    url = reverse(
        f"{admin_site.name}:{cl.opts.app_label}_{cl.opts.model_name}_change",
        args=[PK_SLOT],
        current_app=admin_site.name,
    )
    kept = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    query = add_preserved_filters(kept, url)[len(url) :]
    before, _slot, after = url.partition(PK_SLOT)
    return before, after + query


def waited(submitted: datetime | None, now: datetime, ago: str) -> str:
    """How long ago the profile was submitted, in its largest unit: "3 days ago"."""
    if submitted is None:
        return NONE
    return ago % {"time": timesince(submitted, now, depth=1)}


def filter_boxes(cl: ChangeList) -> list[FilterBox]:
    """Each filter's choices as ChangeList offers them; drop-downs keep the rest."""
    boxes = []
    for spec in cl.filter_specs:
        choices = list(spec.choices(cl))
        title = str(spec.title)
        if isinstance(spec, DropdownFilter):
            kept = tuple(choices[0]["kept"])
            options = tuple(
                (c["value"], str(c["display"]), c["selected"]) for c in choices
            )
            box = FilterBox(title, [], spec.parameter_name, kept, drop_down(options))
        else:
            links = [(c["query_string"], c["display"], c["selected"]) for c in choices]
            box = FilterBox(title, links)
        boxes.append(box)
    return boxes


@lru_cache(maxsize=64)
def drop_down(options: tuple[tuple[str, str, bool], ...]) -> Markup:
    """A drop-down's <option>s, drawn once for each list of labels and selection.

    Escaping the 250 countries' codes and names took about 0.4 ms a view.
    """
    html = get_template(OPTIONS_TEMPLATE).render({"options": options})
    return Markup(html)  # noqa: S704 (Jinja2 escaped every value and label)


def page_links(cl: ChangeList) -> list[PageLink]:
    """Links to the other pages, elided as Django's admin elides them."""
    if (cl.show_all and cl.can_show_all) or not cl.multi_page:
        return []
    paginator, links = cl.paginator, []
    for number in paginator.get_elided_page_range(cl.page_num):
        if number == paginator.ELLIPSIS or number == cl.page_num:
            links.append(PageLink(str(number), current=number == cl.page_num))
        else:
            url = cl.get_query_string({PAGE_VAR: number})
            last = number == paginator.num_pages
            links.append(PageLink(str(number), url, last=last))
    return links


def show_all_url(cl: ChangeList) -> str:
    """The link to every result on one page, when there are few enough."""
    if cl.can_show_all and not cl.show_all and cl.multi_page:
        return cl.get_query_string({ALL_VAR: ""})
    return ""


def utc_offset() -> str:
    """The current time zone's offset in seconds, as the admin's pages carry it."""
    zone = timezone.get_current_timezone() if settings.USE_TZ else None
    return dateformat.format(datetime.now(tz=zone), "Z")
