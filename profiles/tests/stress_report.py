"""Summarise a `make stress` run: tried, passed, lost, doubled, stranded per family.

Usage:
    python -m profiles.tests.stress_report OUTCOMES.jsonl JUNIT.xml
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET  # noqa: S405 (our own pytest report)
from collections import defaultdict

FAMILIES = {
    "test_a_worker_killed_mid_evaluation_leaves_the_profile_decided_once": "kill",
    "test_submits_during_a_broker_outage_succeed_and_are_decided_once": (
        "broker-outage"
    ),
}


def summarise(outcomes_path: str, junit_path: str) -> dict[str, dict[str, int]]:
    table = defaultdict(lambda: defaultdict(int))
    for case in ET.parse(junit_path).iter("testcase"):  # noqa: S314
        family = FAMILIES.get(case.get("name", "").split("[")[0])
        if family is None:
            continue
        table[family]["runs"] += 1
        failed = case.find("failure") is not None or case.find("error") is not None
        table[family]["runs passed"] += 0 if failed else 1
    try:
        lines = open(outcomes_path, encoding="utf-8").read().splitlines()  # noqa: SIM115
    except FileNotFoundError:
        lines = []
    for line in lines:
        outcome = json.loads(line)
        row = table[outcome["test"]]
        row["decisions tried"] += outcome["profiles"]
        row["lost"] += outcome["lost"]
        row["doubled"] += outcome["doubled"]
        row["stranded"] += outcome.get("stranded", 0)
    return table


def main(argv: list[str]) -> int:
    table = summarise(*argv[1:3])
    columns = ["runs", "runs passed", "decisions tried", "lost", "doubled", "stranded"]
    print("| family | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for family, row in sorted(table.items()):
        print(f"| {family} | " + " | ".join(str(row[c]) for c in columns) + " |")
    bad = sum(row["lost"] + row["doubled"] + row["stranded"] for row in table.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
