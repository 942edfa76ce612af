"""`python -m bench`: seed, start the stack, measure, write results/latest.json."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import django
import httpx

from bench.client import STEPS, Sample, form, new_client, percentile
from bench.stack import ROOT, memory_kb, new_processes, reset_peak

RESULTS = ROOT / "bench" / "results"
PAGE_REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "500"))
PAGE_ROUNDS = int(os.environ.get("BENCH_PAGE_ROUNDS", "5"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
BURST = int(os.environ.get("BENCH_BURST", "1000"))
LATENCY_ROUNDS = int(os.environ.get("BENCH_LATENCY_ROUNDS", "100"))
WEBHOOKS = int(os.environ.get("BENCH_WEBHOOKS", "1000"))
APPLICANTS = int(os.environ.get("BENCH_APPLICANTS", "50"))
UPLOAD_ROUNDS = 5
UPLOAD_BYTES = 10_000_000


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ms(seconds: list[float]) -> dict:
    values = [s * 1000 for s in seconds]
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 2) if values else None,
        "p99_ms": round(percentile(values, 99), 2) if values else None,
    }


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# --- data ---------------------------------------------------------------------


def seed_small():
    from bench import seed

    account, applicant = seed.applicant_account("Bench Applicant")
    reviewer = seed.reviewer()
    (get_profile,) = seed.profiles(account, 1, complete=True)
    posts = seed.profiles(account, 8, complete=True)
    return {
        "account": account,
        "applicant": applicant,
        "reviewer": reviewer,
        "get_sid": get_profile.sid,
        "post_sids": [profile.sid for profile in posts],
        "applicant_login": seed.login(applicant),
        "reviewer_login": seed.login(reviewer),
    }


def seed_large(fixture) -> int:
    from bench import seed
    from profiles.models import CustomerProfile

    account = fixture["account"]
    seed.profiles(account, 1000 - account.profiles.count())
    for n in range(9):
        other, _ = seed.applicant_account(f"Bench Other {n}")
        seed.profiles(other, 999)
    # Planner statistics, as autovacuum would have them on a live database.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return CustomerProfile.objects.count()


# --- uploads ------------------------------------------------------------------


def upload_pdf() -> bytes:
    head = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
    tail = b"\ntrailer<<>>\n%%EOF\n"
    return head + b"0" * (UPLOAD_BYTES - len(head) - len(tail)) + tail


async def measure_uploads(processes, fixture) -> dict:
    from bench import seed

    drafts = seed.profiles(fixture["account"], UPLOAD_ROUNDS + 1, complete=True)
    login = fixture["applicant_login"]
    content = upload_pdf()
    workers = processes.web_workers()
    results = {"portal": {"s": [], "peak_growth_mb": []}}
    results["bare"] = {"s": [], "peak_growth_mb": []}

    async def once(client, kind: str, sid: str) -> tuple[float, float]:
        for pid in workers:
            reset_peak(pid)
        before = {pid: memory_kb(pid)["VmRSS"] for pid in workers}
        data = {
            "csrfmiddlewaretoken": login.csrftoken,
            "wizard-current_step": "documents",
            "documents-document_type": "utility_bill",
        }
        files = {"documents-files": ("big.pdf", content, "application/pdf")}
        path = (
            f"/profiles/{sid}/edit/documents/" if kind == "portal" else "/bench/upload/"
        )
        started = time.perf_counter()
        response = await client.post(path, data=data, files=files)
        elapsed = time.perf_counter() - started
        expected = 302 if kind == "portal" else 200
        assert response.status_code == expected, (kind, response.text[:2000])
        client.cookies.delete("messages")
        growth = max(memory_kb(pid)["VmHWM"] - before[pid] for pid in workers)
        return elapsed, growth / 1024

    async with new_client(processes.base_url, login.cookies) as client:
        await once(client, "portal", drafts[-1].sid)  # warm-up, not counted
        await once(client, "bare", "")
        for draft in drafts[:UPLOAD_ROUNDS]:
            for kind in ("portal", "bare"):
                elapsed, growth = await once(client, kind, draft.sid)
                results[kind]["s"].append(elapsed)
                results[kind]["peak_growth_mb"].append(round(growth, 2))
    for kind in results:
        results[kind]["median_s"] = round(statistics.median(results[kind]["s"]), 4)
        results[kind]["max_peak_growth_mb"] = max(results[kind]["peak_growth_mb"])
    results["bytes"] = UPLOAD_BYTES
    return results


# --- evaluation ---------------------------------------------------------------


def drain_queue(tmp: Path, label: str) -> float:
    """Wait until the worker has consumed every message sent so far.

    One worker process takes messages in order, so once a no-op sent now has
    run, so has everything before it. Returns the seconds it took.
    """
    from bench.tasks import noop

    done = tmp / f"drain-{label}.done"
    started = time.time()
    noop.delay(str(done))
    if not wait_until(done.exists, 300, 0.01):
        raise RuntimeError(f"the queue did not drain ({label})")
    return round(time.time() - started, 2)


def measure_evaluation(tmp: Path) -> dict:
    from bench import seed
    from bench.tasks import noop
    from profiles import lifecycle
    from profiles.choices import Status
    from profiles.models import CustomerProfile, StatusChange
    from profiles.tasks import evaluate_profile

    # The no-op baseline: a warm-up, then the burst.
    for label, count in (("warm", 10), ("burst", BURST)):
        done = tmp / f"noop-{label}.done"
        started = time.time()
        for _ in range(count - 1):
            noop.delay()
        noop.delay(str(done))
        if not wait_until(done.exists, 300, 0.01):
            raise RuntimeError("the no-op burst did not finish")
    noop_rate = BURST / (done.stat().st_mtime - started)

    account, user = seed.applicant_account("Bench Burst")
    burst = seed.profiles(account, BURST, complete=True)
    sent = []
    original = lifecycle._enqueue_evaluation
    lifecycle._enqueue_evaluation = lambda **kwargs: sent.append(kwargs)
    try:
        log(f"submitting {BURST} profiles (enqueue held back)")
        for profile in burst:
            lifecycle.profile_submit(profile=profile, actor=user)
    finally:
        lifecycle._enqueue_evaluation = original
    ids = [item["profile_id"] for item in sent]
    pending = CustomerProfile.objects.filter(pk__in=ids, status=Status.PENDING_REVIEW)
    sent_at = {}
    started = time.time()
    for item in sent:
        sent_at[item["profile_id"]] = time.time()
        evaluate_profile.delay(item["profile_id"], item["revision"])
    decided_all = wait_until(lambda: not pending.exists(), 600, 0.1)
    decisions = dict(
        StatusChange.objects.filter(
            profile_id__in=ids, from_status=Status.PENDING_REVIEW
        ).values_list("profile_id", "created_at")
    )
    last = max(when.timestamp() for when in decisions.values())
    burst_rate = len(decisions) / (last - started)
    burst_latency = [decisions[pk].timestamp() - sent_at[pk] for pk in decisions]
    # The burst's later messages find their profiles decided; let them run out.
    drained = drain_queue(tmp, "burst")

    log(f"submit-to-decision, one at a time ({LATENCY_ROUNDS})")
    single = seed.profiles(account, LATENCY_ROUNDS, complete=True)
    latencies = []
    for profile in single:
        submitted = time.time()
        lifecycle.profile_submit(profile=profile, actor=user)
        changes = StatusChange.objects.filter(
            profile_id=profile.pk, from_status=Status.PENDING_REVIEW
        )
        if wait_until(changes.exists, 30, 0.002):
            latencies.append(changes.get().created_at.timestamp() - submitted)
    return {
        "noop_per_s": round(noop_rate, 1),
        "evaluations_per_s": round(burst_rate, 1),
        "ratio": round(burst_rate / noop_rate, 3),
        "burst": len(ids),
        "burst_decided": len(decisions),
        "all_decided": decided_all,
        "burst_latency": ms(burst_latency),
        "queue_drained_after_s": drained,
        "single_latency": ms(latencies),
    }


# --- webhooks -----------------------------------------------------------------


def measure_webhooks(processes, tmp: Path) -> dict:
    from bench import seed
    from profiles.choices import Channel, DeliveryState, Status
    from profiles.models import NotificationDelivery, StatusChange
    from profiles.notifications import webhooks
    from profiles.tasks import deliver_notification

    url = f"http://127.0.0.1:{processes.receiver_port}/hooks"
    account, _ = seed.applicant_account("Bench Webhooks")
    (profile,) = seed.profiles(account, 1, complete=False)
    profile.status_callback = url
    profile.save(update_fields=["status_callback"])
    changes = StatusChange.objects.bulk_create(
        StatusChange(
            profile=profile,
            from_status=Status.IN_REVIEW,
            to_status=Status.TWILIO_APPROVED,
            revision=1,
            sequence=n + 1,
            reasons=[],
        )
        for n in range(WEBHOOKS)
    )
    deliveries = NotificationDelivery.objects.bulk_create(
        NotificationDelivery(status_change=change, channel=Channel.WEBHOOK, target=url)
        for change in changes
    )
    drain_queue(tmp, "webhooks")
    # The same client, posting directly: requests, over one kept-alive connection.
    params = webhooks.callback_params(changes[0])
    body = urlencode(params)
    headers = webhooks._headers(deliveries[0], url, params, body)
    started = time.perf_counter()
    for _ in range(WEBHOOKS):
        assert webhooks._post(url, "127.0.0.1", body, headers).status_code == 204
    direct_rate = WEBHOOKS / (time.perf_counter() - started)

    ids = [delivery.pk for delivery in deliveries]
    delivered = NotificationDelivery.objects.filter(
        pk__in=ids, state=DeliveryState.DELIVERED
    )
    started = time.time()
    for pk in ids:
        deliver_notification.delay(pk)
    wait_until(lambda: delivered.count() == len(ids), 600, 0.1)
    times = list(delivered.values_list("delivered_at", flat=True))
    rate = len(times) / (max(t.timestamp() for t in times) - started)
    failed = NotificationDelivery.objects.filter(pk__in=ids).exclude(
        state=DeliveryState.DELIVERED
    )
    return {
        "direct_per_s": round(direct_rate, 1),
        "deliveries_per_s": round(rate, 1),
        "ratio": round(rate / direct_rate, 3),
        "delivered": len(times),
        "not_delivered": failed.count(),
    }


# --- load ---------------------------------------------------------------------


async def measure_load(processes) -> dict:
    from bench import seed
    from bench.decision_latency import PDF
    from bench.decision_latency import STEPS as ANSWERS
    from bench.pages import sid_from

    logins = []
    for n in range(APPLICANTS):
        _, user = seed.applicant_account(f"Bench Load {n}")
        logins.append(seed.login(user))
    sample, sids = Sample(), []

    async def timed(client, method, path, expect, **kwargs):
        started = time.perf_counter()
        try:
            response = await client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            sample.errors.append(f"{method} {path}: {error!r}")
            raise
        sample.latencies.append(time.perf_counter() - started)
        if response.status_code != expect:
            sample.errors.append(f"{method} {path}: {response.status_code}")
            raise RuntimeError(response.status_code)
        return response

    async def applicant(login) -> None:
        async with new_client(processes.base_url, login.cookies) as client:
            token = login.csrftoken
            await timed(client, "GET", "/profiles/", 200)
            created = await timed(
                client,
                "POST",
                "/profiles/secondary/new/",
                302,
                data={"csrfmiddlewaretoken": token},
            )
            sid = sid_from(created.headers["Location"])
            for step in STEPS:
                path = f"/profiles/{sid}/edit/{step}/"
                await timed(client, "GET", path, 200)
                fields = {f"{step}-{k}": v for k, v in ANSWERS[step].items()}
                files = None
                if step == "documents":
                    files = {"documents-files": ("bill.pdf", PDF, "application/pdf")}
                await timed(
                    client,
                    "POST",
                    path,
                    302,
                    data=form(token, step, fields),
                    files=files,
                )
            review = f"/profiles/{sid}/edit/review/"
            await timed(client, "GET", review, 200)
            await timed(client, "POST", review, 302, data=form(token, "review", {}))
            sids.append(sid)
            await timed(client, "GET", f"/profiles/{sid}/", 200)

    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(applicant(login) for login in logins), return_exceptions=True
    )
    sample.wall = time.perf_counter() - started
    from profiles.choices import Status
    from profiles.models import CustomerProfile

    submitted = CustomerProfile.objects.filter(sid__in=sids)
    waiting = submitted.filter(status=Status.PENDING_REVIEW)
    wait_until(lambda: not waiting.exists(), 300, 0.1)
    decided_after = time.perf_counter() - started
    statuses = {}
    for status in submitted.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "applicants": APPLICANTS,
        "completed": len(sids),
        "failed_walks": sum(isinstance(o, BaseException) for o in outcomes),
        **sample.summary(),
        "walk_wall_s": round(sample.wall, 2),
        "all_decided_after_s": round(decided_after, 2),
        "statuses": statuses,
        "all_decided": len(sids) == APPLICANTS and not waiting.exists(),
    }


# --- report -------------------------------------------------------------------


def verdicts(results: dict) -> list[dict]:
    pages, counts = results["pages"], results["queries"]
    rows = []
    for name, page in pages.items():
        ratio = page.get("ratio", 1.0)
        limit = 3 if name.startswith("admin") else 2
        small, large = counts["small"].get(name), counts["large"].get(name)
        queries_ok = name == "baseline" or (large <= 10 and small == large)
        rows.append(
            {
                "what": name,
                "p50_ms": page["p50_ms"],
                "p99_ms": page["p99_ms"],
                "rps": page["rps"],
                "ratio": round(ratio, 2),
                "queries": f"{small} / {large}",
                "target": "-" if name == "baseline" else f"<= {limit}x, <= 10 q, equal",
                "met": name == "baseline"
                or (ratio <= limit and queries_ok and not page["errors"]),
            }
        )
    evaluation = results["evaluation"]
    rows.append(
        {
            "what": "evaluation burst (decisions/s vs no-op tasks/s)",
            "rps": f"{evaluation['evaluations_per_s']} vs {evaluation['noop_per_s']}",
            "ratio": evaluation["ratio"],
            "p50_ms": evaluation["burst_latency"]["p50_ms"],
            "p99_ms": evaluation["burst_latency"]["p99_ms"],
            "target": ">= 0.5x, all decided",
            "met": evaluation["ratio"] >= 0.5 and evaluation["all_decided"],
        }
    )
    single = evaluation["single_latency"]
    rows.append(
        {
            "what": "submit-to-decision, not in a burst",
            "p50_ms": single["p50_ms"],
            "p99_ms": single["p99_ms"],
            "target": "p50 < 100 ms",
            "met": single["p50_ms"] is not None and single["p50_ms"] < 100,
        }
    )
    hooks = results["webhooks"]
    rows.append(
        {
            "what": "webhooks (deliveries/s vs direct posts/s)",
            "rps": f"{hooks['deliveries_per_s']} vs {hooks['direct_per_s']}",
            "ratio": hooks["ratio"],
            "target": ">= 0.5x, all delivered",
            "met": hooks["ratio"] >= 0.5 and not hooks["not_delivered"],
        }
    )
    upload = results["upload"]
    time_ratio = upload["portal"]["median_s"] / upload["bare"]["median_s"]
    rows.append(
        {
            "what": "10 MB PDF upload, time (vs bare view)",
            "p50_ms": round(upload["portal"]["median_s"] * 1000, 1),
            "rps": f"bare {round(upload['bare']['median_s'] * 1000, 1)} ms",
            "ratio": round(time_ratio, 2),
            "target": "<= 2x",
            "met": time_ratio <= 2,
        }
    )
    growth = upload["portal"]["max_peak_growth_mb"]
    rows.append(
        {
            "what": "10 MB PDF upload, web peak RSS growth (MB)",
            "p50_ms": growth,
            "rps": f"bare {upload['bare']['max_peak_growth_mb']} MB",
            "target": "< 15 MB",
            "met": growth < 15,
        }
    )
    load = results["load"]
    rows.append(
        {
            "what": f"load: {load['applicants']} applicants walk and submit at once",
            "p50_ms": load["p50_ms"],
            "p99_ms": load["p99_ms"],
            "rps": load["rps"],
            "target": "0 errors, all decided",
            "met": not load["errors"] and load["all_decided"],
        }
    )
    return rows


def markdown(results: dict) -> str:
    header = (
        "| what | p50 ms | p99 ms | req/s | ratio | queries (10 / large) "
        "| target | met |"
    )
    lines = [header, "|---|---:|---:|---:|---:|---:|---|---|"]
    for row in results["verdicts"]:
        cells = [
            row["what"],
            row.get("p50_ms", ""),
            row.get("p99_ms", ""),
            row.get("rps", ""),
            row.get("ratio", ""),
            row.get("queries", ""),
            row["target"],
            "yes" if row["met"] else "**no**",
        ]
        lines.append(
            "| " + " | ".join(str(c) if c is not None else "" for c in cells) + " |"
        )
    return "\n".join(lines)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    processes = new_processes(tmp)
    os.environ.update(processes.env)
    # Seeding and polling the database from inside asyncio.run, never while
    # requests are in flight (only this process: the servers have their env).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    django.setup()
    # The in-process query counts would log every request to stderr.
    logging.getLogger("portal.request").setLevel(logging.WARNING)
    from django.core.management import call_command

    from bench.pages import count_queries, measure

    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "database": processes.env["DATABASE_URL"].split("@")[-1],
        "broker": processes.env["CELERY_BROKER_URL"].split("@")[-1],
        "web": "gunicorn 2 workers x 4 threads",
        "worker": "celery, 1 process (prefork, concurrency 1)",
        "page_requests": PAGE_REQUESTS,
        "page_rounds": PAGE_ROUNDS,
        "concurrency": CONCURRENCY,
        "tmp": str(tmp),
    }
    try:
        log(f"migrating {results['database']}")
        call_command("migrate", verbosity=0)
        fixture = seed_small()
        small = count_queries(fixture, fixture["applicant"], fixture["reviewer"])
        log("seeding 1,000 profiles for the applicant, 10,000 in all")
        results["profiles_seeded"] = seed_large(fixture)
        large = count_queries(fixture, fixture["applicant"], fixture["reviewer"])
        results["queries"] = {"small": small, "large": large}
        log("starting gunicorn, the Celery worker and the receiver")
        processes.start_all()
        log("pages")
        results["pages"] = asyncio.run(
            measure(
                processes.base_url, fixture, PAGE_REQUESTS, CONCURRENCY, PAGE_ROUNDS
            )
        )
        log("uploads")
        results["upload"] = asyncio.run(measure_uploads(processes, fixture))
        log("evaluation")
        results["evaluation"] = measure_evaluation(tmp)
        log("webhooks")
        results["webhooks"] = measure_webhooks(processes, tmp)
        drain_queue(tmp, "load")
        log("load")
        results["load"] = asyncio.run(measure_load(processes))
    finally:
        processes.stop_all()
    results["verdicts"] = verdicts(results)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    print(markdown(results))
