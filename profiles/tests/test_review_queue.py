"""The review queue's page: what a reviewer reads, filters, searches and follows.

These read the rendered table, filters and links, not only `cl.result_list`:
the rows are drawn once each by the queue's ChangeList, not by Django's
`items_for_result`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from profiles.choices import ProfileKind, Status
from profiles.tests.builders import bulk_secondary_profiles
from profiles.tests.factories import (
    AddressFactory,
    BusinessInformationFactory,
    SecondaryProfileFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = "/admin/profiles/customerprofile/"
HEADERS = [
    "Customer profile",
    "Sid",
    "Kind",
    "Status",
    "Account",
    "Industry",
    "Country",
    "Submitted",
]


# --- Reading the page -------------------------------------------------------------


@dataclass
class Row:
    cells: list[str]
    link: str

    @property
    def name(self) -> str:
        return self.cells[0]


@dataclass
class Page:
    html: str
    headers: list[str] = field(default_factory=list)
    header_classes: list[str] = field(default_factory=list)
    header_links: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [row.name for row in self.rows]

    def header_link(self, text: str) -> str:
        return self.header_links[self.headers.index(text)]


class ResultTable(HTMLParser):
    """The headers and rows of table#result_list, as text, with their links."""

    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.in_table = self.in_body = self.in_header = self.in_cell = False
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "result_list":
            self.in_table = True
        elif not self.in_table:
            return
        elif tag == "th" and not self.in_body:
            self.in_header, self.text = True, ""
            self.page.header_classes.append(attrs.get("class", ""))
            self.page.header_links.append("")
        elif tag == "a" and self.in_header and "href" in attrs:
            self.page.header_links[-1] = attrs["href"]
        elif tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.page.rows.append(Row(cells=[], link=""))
        elif tag in ("th", "td") and self.in_body:
            self.in_cell, self.text = True, ""
        elif tag == "a" and self.in_cell and not self.page.rows[-1].link:
            self.page.rows[-1].link = attrs["href"]

    def handle_endtag(self, tag):
        if tag == "table" and self.in_table:
            self.in_table = False
        elif tag == "th" and self.in_header:
            self.in_header = False
            self.page.headers.append(self.text.strip())
        elif tag in ("th", "td") and self.in_cell:
            self.in_cell = False
            self.page.rows[-1].cells.append(self.text.strip())

    def handle_data(self, data):
        if self.in_header or self.in_cell:
            self.text += data


def read(client, query: str = "") -> Page:
    response = client.get(QUEUE + query)
    assert response.status_code == 200
    page = Page(html=response.content.decode())
    ResultTable(page).feed(page.html)
    return page


def follow(client, href: str) -> Page:
    """Follow a link of the page: a query string of the queue, or a path."""
    return read(client, href.replace("&amp;", "&"))


@pytest.fixture
def profiles(account):
    """One profile per value each filter tells apart, named after it."""
    now = timezone.now()
    made = {
        "primary": account.profiles.get(kind=ProfileKind.PRIMARY),
        "fresh": SecondaryProfileFactory(
            account=account,
            friendly_name="Fresh",
            status=Status.IN_REVIEW,
            submitted_at=now - timedelta(hours=2),
        ),
        "bank": SecondaryProfileFactory(
            account=account,
            friendly_name="Bank",
            status=Status.TWILIO_REJECTED,
            submitted_at=now - timedelta(days=3),
        ),
        "old": SecondaryProfileFactory(
            account=account,
            friendly_name="Old",
            status=Status.TWILIO_APPROVED,
            submitted_at=now - timedelta(days=10),
        ),
        "draft": SecondaryProfileFactory(account=account, friendly_name="Draft"),
    }
    BusinessInformationFactory(profile=made["bank"], business_industry="BANKING")
    BusinessInformationFactory(profile=made["fresh"])
    AddressFactory(profile=made["bank"], iso_country="FR")
    AddressFactory(profile=made["fresh"], iso_country="US")
    return made


def selected_link(page: Page) -> list[str]:
    """The labels of the filter sidebar's selected links."""
    return re.findall(
        r'<li class="selected">\s*<a href="[^"]*">([^<]*)</a></li>', page.html
    )


# --- The table ----------------------------------------------------------------------


def test_the_table_has_the_columns_of_list_display_and_no_action_column(
    reviewer_client, profiles
):
    page = read(reviewer_client)

    assert page.headers == HEADERS
    assert all(len(row.cells) == len(HEADERS) for row in page.rows)
    assert "action-checkbox" not in page.html
    assert 'name="action"' not in page.html


def test_each_row_shows_the_profile_as_the_admin_did(
    reviewer_client, profiles, account
):
    fresh = profiles["fresh"]

    row = next(row for row in read(reviewer_client).rows if row.name == "Fresh")

    assert row.cells == [
        "Fresh",
        fresh.sid,
        "Secondary",
        "In Review",
        account.name,
        "Technology",
        "US",
        "2\xa0hours ago",
    ]


def test_a_profile_without_business_address_or_submission_shows_dashes(
    reviewer_client, profiles, account
):
    row = next(row for row in read(reviewer_client).rows if row.name == "Draft")

    assert row.cells[3:] == ["Draft", account.name, "—", "—", "—"]


def test_a_profile_without_a_name_shows_its_sid(reviewer_client, account):
    nameless = SecondaryProfileFactory(account=account, friendly_name="")

    assert nameless.sid in read(reviewer_client).names


def test_the_first_column_links_to_the_review_page(reviewer_client, profiles):
    page = read(reviewer_client)

    links = {row.name: row.link for row in page.rows}
    for profile in profiles.values():
        url = reverse("admin:profiles_customerprofile_change", args=[profile.pk])
        assert links[str(profile)] == url
    review = reviewer_client.get(links["Bank"])
    assert review.status_code == 200
    assert review.context["profile"] == profiles["bank"]


def test_the_review_link_keeps_the_queue_filters_to_come_back_to(
    reviewer_client, profiles
):
    page = read(reviewer_client, "?status__exact=in-review")

    (row,) = page.rows
    url = reverse("admin:profiles_customerprofile_change", args=[profiles["fresh"].pk])
    assert row.link == f"{url}?_changelist_filters=status__exact%3Din-review"


def test_markup_in_profile_names_is_escaped(reviewer_client, account):
    SecondaryProfileFactory(
        account=account, friendly_name='<b>Bold</b><script>alert("x")</script>'
    )

    page = read(reviewer_client)

    assert "<b>Bold</b>" not in page.html
    assert "<script>alert" not in page.html
    assert "&lt;b&gt;Bold&lt;/b&gt;&lt;script&gt;" in page.html
    assert '<b>Bold</b><script>alert("x")</script>' in page.names


# --- Filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, names, marked",
    [
        ("?status__exact=in-review", ["Fresh"], ["In Review", "All", "All"]),
        ("?status__exact=draft", ["Draft"], ["Draft", "All", "All"]),
        ("?kind__exact=primary", [None], ["All", "Primary", "All"]),
        ("?age=new", ["Fresh"], ["All", "All", "Under 1 day"]),
        ("?age=days", ["Bank"], ["All", "All", "1 to 7 days"]),
        ("?age=old", ["Old"], ["All", "All", "Over 7 days"]),
    ],
)
def test_each_link_filter_narrows_the_rows_and_marks_its_choice(
    reviewer_client, profiles, query, names, marked
):
    page = read(reviewer_client, query)

    expected = [str(profiles["primary"]) if n is None else n for n in names]
    assert page.names == expected
    assert selected_link(page) == marked


@pytest.mark.parametrize(
    "query, option",
    [
        (
            "?business_information__business_industry=BANKING",
            '<option value="BANKING" selected>Banking</option>',
        ),
        ("?address__iso_country=FR", '<option value="FR" selected>France</option>'),
    ],
)
def test_each_drop_down_filter_narrows_the_rows_and_selects_its_choice(
    reviewer_client, profiles, query, option
):
    page = read(reviewer_client, query)

    assert page.names == ["Bank"]
    assert option in page.html
    assert page.html.count(" selected>") == 2  # this choice, and the other's All


def test_without_filters_every_choice_all_is_marked_and_nothing_to_clear(
    reviewer_client, profiles
):
    page = read(reviewer_client)

    assert selected_link(page) == ["All", "All", "All"]
    assert page.html.count('<option value="" selected>All</option>') == 2
    assert "Clear all filters" not in page.html
    assert len(page.rows) == len(profiles)


def test_a_drop_down_keeps_the_other_filters_search_and_order(
    reviewer_client, profiles
):
    page = read(reviewer_client, "?status__exact=in-review&q=fre&o=2")

    form = page.html.split('data-filter-title="country"')[1].split("</form>")[0]
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    assert sorted(hidden) == [("o", "2"), ("q", "fre"), ("status__exact", "in-review")]
    assert 'name="address__iso_country"' in form


def test_clearing_the_filters_shows_every_profile_again_keeping_the_search(
    reviewer_client, profiles
):
    page = read(reviewer_client, "?status__exact=in-review&age=new&q=fr")
    assert page.names == ["Fresh"]

    clear = re.search(r'<a href="([^"]*)">&#10006; Clear all filters</a>', page.html)

    assert clear, "no Clear all filters link"
    assert clear[1] == "?q=fr"
    cleared = follow(reviewer_client, clear[1])
    assert cleared.names == ["Fresh"]  # "fr" still searched: Fresh, not France
    assert "Clear all filters" not in cleared.html
    assert sorted(follow(reviewer_client, "?").names) == sorted(
        str(profile) for profile in profiles.values()
    )


def test_the_filters_are_the_same_drawn_again_and_counts_follow_the_data(
    reviewer_client, profiles, account
):
    def sidebar(query: str) -> str:
        html = read(reviewer_client, query).html
        return html.split('<nav id="changelist-filter"')[1].split("</nav>")[0]

    first = sidebar("?status__exact=draft")
    SecondaryProfileFactory(account=account, friendly_name="Second draft")
    assert sidebar("?status__exact=draft") == first  # no counts: nothing changed

    counted = sidebar("?_facets=True")
    assert "Draft (2)" in counted
    SecondaryProfileFactory(account=account, friendly_name="Third draft")
    assert "Draft (3)" in sidebar("?_facets=True")


# --- Search -------------------------------------------------------------------------


def test_search_narrows_the_rows_and_says_how_many_it_found(reviewer_client, profiles):
    page = read(reviewer_client, "?q=bank")

    assert page.names == ["Bank"]
    assert 'name="q" value="bank"' in page.html
    assert '1 result (<a href="?">Show all</a>)' in page.html


def test_search_finds_a_profile_by_its_sid(reviewer_client, profiles):
    assert read(reviewer_client, f"?q={profiles['old'].sid}").names == ["Old"]


def test_the_count_reads_only_the_ids_of_the_matching_profiles(
    reviewer_client, profiles
):
    with CaptureQueriesContext(connection) as queries:
        read(reviewer_client, "?q=bank")  # a search: distinct profiles
        read(reviewer_client)

    searched, plain = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert "SELECT DISTINCT" in searched
    assert 'friendly_name" AS' not in searched.split(" WHERE ")[0]
    assert "JOIN" not in plain  # not the industry's or the country's table


def test_the_result_count_never_counts_every_profile(reviewer_client, profiles):
    """show_full_result_count = False: "Show all", never "N total"."""
    page = read(reviewer_client)

    assert f'{len(profiles)} results (<a href="?">Show all</a>)' in page.html
    assert " total" not in page.html


# --- Sorting ------------------------------------------------------------------------


def test_sorting_by_a_header_orders_the_rows_and_marks_the_header(
    reviewer_client, account
):
    for name in ["Charlie", "Alpha", "Bravo"]:
        SecondaryProfileFactory(account=account, friendly_name=name)
    page = read(reviewer_client)
    by_sid = page.header_link("Sid")

    ascending = follow(reviewer_client, by_sid)

    sids = [row.cells[1] for row in ascending.rows]
    assert sids == sorted(sids)
    sid_header = ascending.header_classes[HEADERS.index("Sid")]
    assert "sorted ascending" in sid_header
    descending = follow(reviewer_client, ascending.header_link("Sid"))
    assert [row.cells[1] for row in descending.rows] == sorted(sids, reverse=True)
    assert "sorted descending" in descending.header_classes[HEADERS.index("Sid")]


def test_the_default_order_is_the_review_queue_with_no_header_sorted(
    reviewer_client, profiles
):
    page = read(reviewer_client)

    assert page.names[0] == "Fresh"  # the only profile in review
    assert not [c for c in page.header_classes if "sorted" in c.split()]


# --- Pages --------------------------------------------------------------------------


def test_the_queue_shows_fifty_profiles_a_page_with_links_to_the_others(
    reviewer_client, account
):
    bulk_secondary_profiles(account, 60)  # and the account's primary: 61

    first = read(reviewer_client)
    second = read(reviewer_client, "?p=2")

    assert len(first.rows) == 50
    assert len(second.rows) == 11
    assert not set(first.names) & set(second.names)
    assert '<span class="this-page">1</span>' in first.html
    assert '<a href="?p=2" class="end">2</a>' in first.html
    assert re.search(
        r'<a href="\?p=1">1</a>\s*<span class="this-page">2</span>', second.html
    )
    assert "61 customer profiles" in first.html
    assert '<a href="?all=" class="showall">Show all</a>' in first.html
    assert len(read(reviewer_client, "?all=").rows) == 61


def test_a_page_past_the_last_goes_back_to_the_queue(reviewer_client, account):
    bulk_secondary_profiles(account, 60)

    response = reviewer_client.get(QUEUE + "?p=9")

    assert response.status_code == 302
    assert response["Location"] == QUEUE + "?e=1"


# --- The admin around it ------------------------------------------------------------


def test_the_page_has_the_admin_header_breadcrumbs_and_theme_toggle(
    reviewer_client, reviewer
):
    page = read(reviewer_client).html

    assert '<div id="site-name"><a href="/admin/">' in page
    assert f"<strong>{reviewer.get_username()}</strong>" in page
    assert '<a href="/admin/password_change/">Change password</a>' in page
    logout = page.split('<form id="logout-form" method="post" action="/admin/logout/">')
    assert len(logout) == 2
    assert 'name="csrfmiddlewaretoken"' in logout[1].split("</form>")[0]
    assert '<button class="theme-toggle">' in page
    assert "/static/admin/js/theme.js" in page
    assert re.search(
        r'<a href="/admin/">Home</a>\s*&rsaquo; <a href="/admin/profiles/">'
        r"Compliance profiles</a>\s*&rsaquo; Customer profiles",
        page,
    )
    assert "/static/css/admin-review.css" in page
    assert "<h1>Select customer profile to view</h1>" in page


def test_the_page_shows_the_messages_of_the_request(reviewer_client, profiles):
    """ChangeList reports a search it refuses as an error message."""
    page = read(reviewer_client, "?q=%00")

    assert '<ul class="messagelist">' in page.html
    assert '<li class="error">Null characters are not allowed.</li>' in page.html


def test_the_add_link_is_offered_to_reviewers_only(reviewer_client, account):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_customerprofile"))
    staff_client = Client()
    staff_client.force_login(staff)
    add = '<a href="/admin/profiles/customerprofile/add/" class="addlink">'

    assert add + "Add primary profile</a>" in read(reviewer_client).html
    staff_page = read(staff_client)
    assert "Add primary profile" not in staff_page.html
    assert staff_page.rows  # staff with the permission still read the queue


def test_staff_without_the_view_permission_are_refused(account):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))

    assert staff.get(QUEUE).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_and_back_to_the_queue(db):
    """LoginRequiredMiddleware answers first, with the portal's sign-in page."""
    response = Client().get(QUEUE + "?status__exact=in-review")

    assert response.status_code == 302
    path, _, query = response["Location"].partition("?")
    assert path in ("/accounts/login/", "/admin/login/")
    assert query == "next=" + quote(QUEUE + "?status__exact=in-review", safe="/")


def test_the_page_is_the_admins_changelist_extended_by_the_queues_template(
    reviewer_client, profiles
):
    response = reviewer_client.get(QUEUE)

    names = [template.name for template in response.templates]
    assert names[:2] == [
        "admin/profiles/customerprofile/change_list.html",
        "admin/change_list.html",
    ]
    assert "admin/change_list_results.html" in names
    assert response.context["cl"].result_count == len(profiles)
