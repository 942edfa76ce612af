"""Pages: latency through gunicorn, and queries per page (in-process)."""

from __future__ import annotations

import re
import statistics

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.client import STEPS, Sample, form, hammer

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


async def measure(
    base_url: str, fixture, total: int, concurrency: int, rounds: int = 5
) -> dict:
    """Each page in `rounds` rounds, each round right after a baseline sample.

    A page's ratio is the median over the rounds of its p50 over the p50 of
    the baseline sample taken just before it, so a machine that gets busier
    or quieter during the run moves both sides of each ratio alike.
    """
    pages = page_list(fixture)
    baseline = next(page for page in pages if page.get("baseline"))
    samples = {page["name"]: Sample() for page in pages}
    ratios = {page["name"]: [] for page in pages}
    per_round = max(total // rounds, 20)
    for _ in range(rounds):
        for page in pages:
            if page is baseline:
                continue
            base = await sample(base_url, fixture, baseline, per_round, concurrency)
            got = await sample(base_url, fixture, page, per_round, concurrency)
            samples[baseline["name"]].add(base)
            samples[page["name"]].add(got)
            ratios[page["name"]].append(got.median() / base.median())
    results = {name: pooled.summary() for name, pooled in samples.items()}
    for name, found in ratios.items():
        if found:
            results[name]["ratio"] = round(statistics.median(found), 2)
    return results


async def sample(base_url: str, fixture, page: dict, total: int, concurrency: int):
    """`total` requests of one page from `concurrency` signed-in clients."""
    login = fixture["reviewer_login" if page.get("reviewer") else "applicant_login"]
    if page.get("method") == "POST":

        async def request(client, worker, n):
            sid = fixture["post_sids"][worker]
            return await client.post(
                f"/profiles/{sid}/edit/general/",
                data=form(login.csrftoken, "general", GENERAL),
            )
    else:

        async def request(client, worker, n, path=page["path"]):
            return await client.get(path)

    return await hammer(
        base_url,
        lambda worker: login.cookies,
        request,
        expect=(page.get("expect", 200),),
        total=total,
        concurrency=concurrency,
    )


def sid_from(location: str) -> str:
    return re.search(r"/profiles/(BU[0-9a-f]{32})/", location)[1]
