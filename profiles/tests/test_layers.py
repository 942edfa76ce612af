"""The import contracts in pyproject.toml: kept by the tree, broken by a bad import.

`make lint` runs the same command; here a copy of the packages gets an upward
import or a cycle, to show the contracts would catch it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = {
    contract["id"]: contract["name"]
    for contract in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
        "importlinter"
    ]["contracts"]
}


def lint_imports(folder: Path) -> subprocess.CompletedProcess:
    """lint-imports as `make lint` runs it, on the packages under `folder`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def not_python(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if Path(folder, n).is_file() and not n.endswith(".py")]


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the packages' Python files and of the contracts."""
    for package in ("profiles", "portal"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=not_python)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def append(path: Path, code: str) -> None:
    path.write_text(path.read_text() + code)


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(CONTRACTS)} kept, 0 broken" in result.stdout


def test_a_service_importing_the_tasks_breaks_the_layers(tree):
    # Inside a function, as the lazy imports the seam replaced were.
    append(
        tree / "profiles" / "lifecycle.py",
        "\n\ndef enqueue_directly():\n    from .tasks import evaluate_profile\n",
    )

    result = lint_imports(tree)

    assert result.returncode == 1
    assert f"{CONTRACTS['layers']} BROKEN" in result.stdout
    assert "profiles.lifecycle -> profiles.tasks" in result.stdout
    # lifecycle -> tasks -> evaluation -> lifecycle is a cycle as well.
    assert f"{CONTRACTS['acyclic']} BROKEN" in result.stdout


def test_a_cycle_inside_a_package_breaks_the_cycle_contract(tree):
    # delivery imports the outbox; the layers see one package, not this loop.
    append(
        tree / "profiles" / "notifications" / "outbox.py", "\nfrom . import delivery\n"
    )

    result = lint_imports(tree)

    assert result.returncode == 1
    assert f"{CONTRACTS['layers']} KEPT" in result.stdout
    assert f"{CONTRACTS['acyclic']} BROKEN" in result.stdout
    assert "No cycles are allowed in profiles.notifications." in result.stdout
