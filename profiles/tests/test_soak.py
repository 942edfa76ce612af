"""`make soak`, short and fast: two minutes of submissions and decisions with
no pause between them, on `make run`'s own processes (see bench/soak.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.soak import FAILURES

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_two_minutes_of_load_lose_strand_and_break_nothing(tmp_path):
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.soak", "--minutes", "2", "--applicants", "3"]
        + ["--pause", "0", "--folder", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["submitted"]["complete"] > 10
    assert report["submitted"]["incomplete"] > 10
    assert report["reviewed"]["approve"] > 0
    assert report["reviewed"]["reject"] > 0
    assert report["messages_received"] > 0
    for figure in FAILURES:
        assert report[figure] == 0, (figure, report)
    print(json.dumps(report, indent=2))
