"""Pages: latency through gunicorn, and queries per page (in-process)."""

from __future__ import annotations

import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.client import STEPS, form, hammer

QUEUE = "/admin/profiles/customerprofile/"
GENERAL = {
    "general-business_name": "Bench Co",
    "general-website_url": "https://bench.example.com",
}


def page_list(fixture) -> list[dict]:
    """name, method, path (or per-worker path), session, expected status."""
    sid = fixture["get_sid"]
    pages = [
        {"name": "baseline", "path": "/bench/baseline/", "baseline": True},
        {"name": "/profiles/ (1,000)", "path": "/profiles/"},
    ]
    for step in STEPS:
        pages.append(
            {"name": f"GET step {step}", "path": f"/profiles/{sid}/edit/{step}/"}
        )
    pages += [
        {"name": "GET review step", "path": f"/profiles/{sid}/edit/review/"},
        {"name": "POST step general", "method": "POST", "expect": 302},
        {"name": "profile detail", "path": f"/profiles/{sid}/"},
        {"name": "admin queue (10,000)", "path": QUEUE, "reviewer": True},
    ]
    return pages


def count_queries(fixture, applicant, reviewer) -> dict[str, int]:
    """Queries per page, through the test client in this process."""
    clients = {False: Client(), True: Client()}
    clients[False].force_login(applicant)
    clients[True].force_login(reviewer)
    counts = {}
    for page in page_list(fixture):
        client = clients[page.get("reviewer", False)]
        with CaptureQueriesContext(connection) as captured:
            if page.get("method") == "POST":
                sid = fixture["post_sids"][0]
                response = client.post(
                    f"/profiles/{sid}/edit/general/",
                    {"wizard-current_step": "general", **GENERAL},
                )
            else:
                response = client.get(page["path"])
        assert response.status_code == page.get("expect", 200), (page, response)
        counts[page["name"]] = len(captured)
    return counts


async def measure(base_url: str, fixture, total: int, concurrency: int) -> dict:
    results = {}
    applicant, reviewer = fixture["applicant_login"], fixture["reviewer_login"]
    for page in page_list(fixture):
        login = reviewer if page.get("reviewer") else applicant

        if page.get("method") == "POST":

            async def request(client, worker, n, login=login):
                sid = fixture["post_sids"][worker]
                return await client.post(
                    f"/profiles/{sid}/edit/general/",
                    data=form(login.csrftoken, "general", GENERAL),
                )
        else:

            async def request(client, worker, n, path=page["path"]):
                return await client.get(path)

        sample = await hammer(
            base_url,
            lambda worker, login=login: login.cookies,
            request,
            expect=(page.get("expect", 200),),
            total=total,
            concurrency=concurrency,
        )
        results[page["name"]] = sample.summary()
    return results


def sid_from(location: str) -> str:
    return re.search(r"/profiles/(BU[0-9a-f]{32})/", location)[1]
