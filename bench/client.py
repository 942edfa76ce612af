"""A small asyncio load generator on httpx."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

STEPS = ["general", "business", "representatives", "address", "documents"]
STEPS += ["notifications"]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0

    def add(self, other: Sample) -> None:
        """Pool another sample's requests into this one."""
        self.latencies += other.latencies
        self.errors += other.errors
        self.wall += other.wall

    def median(self) -> float:
        return statistics.median(self.latencies)

    def summary(self) -> dict:
        ms = [value * 1000 for value in self.latencies]
        return {
            "requests": len(ms),
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
            "p50_ms": round(statistics.median(ms), 2) if ms else None,
            "p99_ms": round(percentile(ms, 99), 2) if ms else None,
            "rps": round(len(ms) / self.wall, 1) if self.wall else None,
        }


def new_client(base_url: str, cookies: dict, connections: int = 1) -> httpx.AsyncClient:
    """A client that opens a connection per request, as a proxy in front does.

    nginx talks HTTP/1.0 to its upstreams unless told otherwise, so gunicorn's
    workers take requests one by one from the shared socket. Kept-alive
    connections would instead each stay with the worker that accepted it, and
    how eight of them split between two workers changed a page's ratio by up to
    2x from one sample to the next.
    """
    return httpx.AsyncClient(
        base_url=base_url,
        cookies=cookies,
        headers={"Connection": "close"},
        follow_redirects=False,
        timeout=60,
        limits=httpx.Limits(max_connections=connections),
    )


def form(csrftoken: str, step: str, fields: dict) -> dict:
    return {"csrfmiddlewaretoken": csrftoken, "wizard-current_step": step, **fields}


async def hammer(
    base_url: str,
    cookies: Callable[[int], dict],
    request: Callable[[httpx.AsyncClient, int, int], object],
    expect: tuple[int, ...] = (200,),
    total: int = 300,
    concurrency: int = 8,
    warmup: int = 8,
    seconds: float = 15.0,
) -> Sample:
    """`total` requests (or `seconds` of them) from `concurrency` clients at once."""
    sample = Sample()
    counter = iter(range(total + warmup))
    window = [float("inf"), 0.0]

    async def run(worker: int) -> None:
        async with new_client(base_url, cookies(worker)) as client:
            for n in counter:
                started = time.perf_counter()
                if n >= warmup and started - window[0] > seconds:
                    break
                try:
                    response = await request(client, worker, n)
                    status = response.status_code
                except httpx.HTTPError as error:
                    status, response = repr(error), None
                elapsed = time.perf_counter() - started
                client.cookies.delete("messages")
                if n < warmup:
                    continue
                window[0] = min(window[0], started)
                window[1] = max(window[1], started + elapsed)
                sample.latencies.append(elapsed)
                if status not in expect:
                    sample.errors.append(f"{status}")

    await asyncio.gather(*(run(worker) for worker in range(concurrency)))
    sample.wall = max(window[1] - window[0], 1e-9)
    return sample
