"""The profile list a page at a time: order, tabs, bad page numbers, accounts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.template.defaultfilters import date
from django.utils import timezone, translation

from profiles.choices import ProfileKind
from profiles.models import CustomerProfile
from profiles.tests.builders import bulk_secondary_profiles
from profiles.tests.factories import PrimaryProfileFactory
from profiles.views import PROFILES_PER_PAGE, list_rows

pytestmark = pytest.mark.django_db

NAV = '<nav class="pagination"'


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def names_on(page: str) -> list[str]:
    """The friendly names of the page's rows, top to bottom."""
    return re.findall(r'<td class="cell-name"><a href="[^"]+">([^<]+)</a>', page)


def sids_on(page: str) -> set[str]:
    return set(re.findall(r"<code>(BU[0-9a-f]{32})</code>", page))


def bulk(account, count: int) -> list[str]:
    """`count` secondary profiles "Bulk 0" to "Bulk n", each updated after the last.

    Returns their names newest first, the order the list shows them in.
    """
    bulk_secondary_profiles(account, count)
    profiles = list(account.profiles.secondary().order_by("pk"))
    start = timezone.now() - timedelta(days=1)
    for n, profile in enumerate(profiles):
        profile.updated_at = start + timedelta(minutes=n)
    CustomerProfile.objects.bulk_update(profiles, ["updated_at"])
    return [profile.friendly_name for profile in reversed(profiles)]


def test_120_profiles_are_split_into_pages_of_50_50_and_20_newest_first(
    account, applicant_client
):
    newest_first = bulk(account, 120)

    pages = [
        names_on(html(applicant_client.get(f"/profiles/?page={number}")))
        for number in (1, 2, 3)
    ]

    assert [len(names) for names in pages] == [50, 50, 20]
    assert pages[0] + pages[1] + pages[2] == newest_first
    assert pages[0][0] == "Bulk 119"


def test_profiles_saved_in_the_same_instant_keep_one_order_across_pages(
    account, applicant_client
):
    bulk_secondary_profiles(account, 120)
    account.profiles.update(updated_at=timezone.now())
    by_pk = account.profiles.secondary().order_by("-pk")

    pages = [
        names_on(html(applicant_client.get(f"/profiles/?page={number}")))
        for number in (1, 2, 3)
    ]

    assert pages[0] + pages[1] + pages[2] == [p.friendly_name for p in by_pk]


def test_the_navigation_links_to_the_previous_and_next_pages_of_the_same_tab(
    account, applicant_client
):
    CustomerProfile.objects.bulk_create(
        PrimaryProfileFactory.build(account=account) for _ in range(120)
    )

    page = html(applicant_client.get("/profiles/?tab=primary&page=2"))

    nav = re.search(rf"{NAV}.*?</nav>", page, re.S)[0]
    assert 'aria-label="Pages of profiles"' in nav
    assert 'rel="prev" href="?tab=primary&amp;page=1"' in nav
    assert 'rel="next" href="?tab=primary&amp;page=3"' in nav
    assert "Page 2 of 3" in nav
    assert "Showing 51–100 of 121 profiles." in page


def test_the_first_page_has_no_previous_link_and_the_last_no_next_link(
    account, applicant_client
):
    bulk(account, 60)

    first = html(applicant_client.get("/profiles/?page=1"))
    last = html(applicant_client.get("/profiles/?page=2"))

    assert 'rel="prev"' not in first
    assert 'rel="next" href="?tab=secondary&amp;page=2"' in first
    assert 'rel="prev" href="?tab=secondary&amp;page=1"' in last
    assert 'rel="next"' not in last
    assert "Page 2 of 2" in last


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("", 1),
        ("abc", 1),
        ("1.5", 1),
        ("9" * 5000, 1),
        ("0", 3),
        ("-1", 3),
        ("4", 3),
        ("99999999999999999999", 3),
    ],
)
def test_a_bad_page_number_shows_the_first_or_the_last_page(
    account, applicant_client, page, shown
):
    bulk(account, 120)

    response = applicant_client.get("/profiles/", {"page": page})

    assert f"Page {shown} of 3" in html(response)


def test_another_accounts_profiles_never_appear_on_any_page(
    account, other_account, applicant_client
):
    bulk_secondary_profiles(account, 60)
    bulk_secondary_profiles(other_account, 60)
    ours = {p.sid for p in account.profiles.secondary()}

    shown = set()
    for number in (1, 2, 3):
        shown |= sids_on(html(applicant_client.get(f"/profiles/?page={number}")))

    assert shown == ours


def test_one_page_of_profiles_has_no_page_navigation(account, applicant_client):
    bulk(account, PROFILES_PER_PAGE)

    page = html(applicant_client.get("/profiles/"))

    assert len(names_on(page)) == PROFILES_PER_PAGE
    assert NAV not in page
    assert "Page 1 of" not in page


def test_an_empty_tab_has_no_page_navigation(applicant_client):
    page = html(applicant_client.get("/profiles/?page=2"))

    assert "No secondary profiles yet." in page
    assert NAV not in page


def test_a_page_takes_the_same_few_queries_at_any_size(
    account, applicant_client, django_assert_max_num_queries
):
    bulk_secondary_profiles(account, 500)

    with django_assert_max_num_queries(10):
        page = html(applicant_client.get(f"/profiles/?tab={ProfileKind.SECONDARY}"))

    assert len(names_on(page)) == PROFILES_PER_PAGE


DATES = [
    timezone.make_aware(datetime(2026, 1, 2, 0, 0)),  # midnight
    timezone.make_aware(datetime(2026, 6, 30, 12, 0, 59)),  # noon
    timezone.make_aware(datetime(2026, 11, 25, 13, 5, 7, 999)),
]


def shown_dates(values) -> list[str]:
    """The dates the list shows for profiles last updated at `values`."""
    rows = [("BU" + "0" * 32, "Acme", "draft", value, None) for value in values]
    return [row.updated_text for row in list_rows(rows)]


@pytest.mark.parametrize("language", ["en", "en-gb", "de", "fr", "ja", "pt-br"])
def test_the_lists_dates_read_as_djangos_date_filter_does(language):
    with translation.override(language):
        expected = [date(timezone.localtime(v), "DATETIME_FORMAT") for v in DATES]
        assert shown_dates(DATES) == expected


def test_escaped_letters_in_a_format_stay_letters():
    # Brazilian Portuguese writes "de" and "às" as escaped letters.
    with translation.override("pt-br"):
        shown = shown_dates(DATES[:1])

    assert shown == ["2 de Janeiro de 2026 às 00:00"]
