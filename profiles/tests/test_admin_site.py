"""The admin site reads its app list only where a page shows it."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.admin_site import AdminSite
from profiles.tests.factories import SecondaryProfileFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/profiles/customerprofile/"


def test_the_default_site_is_the_portals():
    assert isinstance(admin.site, AdminSite)


def test_the_queue_shows_no_sidebar_and_reads_no_permissions(reviewer_client, account):
    with CaptureQueriesContext(connection) as queries:
        page = reviewer_client.get(QUEUE).content.decode()

    assert 'id="nav-sidebar"' not in page
    assert not [q for q in queries if "auth_permission" in q["sql"]]


def test_a_review_page_still_lists_the_apps_in_its_sidebar(reviewer_client, account):
    profile = SecondaryProfileFactory(account=account)

    page = reviewer_client.get(f"{QUEUE}{profile.pk}/change/").content.decode()

    sidebar = page.split('id="nav-sidebar"')[1].split("</nav>")[0]
    assert f'href="{QUEUE}"' in sidebar


def test_the_index_lists_the_apps_and_an_unknown_app_is_a_404(admin_client):
    assert 'href="/admin/profiles/"' in admin_client.get("/admin/").content.decode()
    assert admin_client.get("/admin/nothing-here/").status_code == 404
