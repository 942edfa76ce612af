"""With DEBUG off, the portal refuses to start on development settings.

Each process runs as a deployment would start it, with the environment that
`cp .env.example .env` gives, and the refusal is read from what it prints.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.safeguards import DEVELOPMENT_SECRET_KEY, refuse_unsafe_production
from profiles.tests.compose import (
    OPERATOR_SECRETS,
    ROOT,
    container_env,
    env_example,
    resolved,
)

# The portal's processes, as compose and the Procfile start them.
SETUP = [sys.executable, "-c", "import django; django.setup()"]
CHECK = [sys.executable, "manage.py", "check"]
WSGI = [sys.executable, "-c", "import portal.wsgi"]
CELERY = [
    str(Path(sys.executable).parent / "celery"),
    "--app=portal",
    "--quiet",
    "worker",
    "--pool=solo",
]
KEY_MESSAGE = "Set DJANGO_SECRET_KEY to a long random value"
DEMO_MESSAGE = "Set DEMO_SEED=false, or DEMO_SEED_ALLOW_PRODUCTION=true"


def start(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run a portal process with only this environment (and PATH, HOME)."""
    base = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    return subprocess.run(  # noqa: S603
        command,
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def example_container_env(**changes: str) -> dict[str, str]:
    """The web container's environment with the example's secret key."""
    env = {
        **container_env(),
        "DJANGO_SECRET_KEY": env_example()["DJANGO_SECRET_KEY"],
        # Nothing of the stack runs here: a process that starts reaches nothing.
        "DATABASE_URL": "sqlite:///:memory:",
        "CELERY_BROKER_URL": "memory://",
    }
    return {**env, **changes}


def assert_refused(result: subprocess.CompletedProcess, message: str) -> None:
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    "command", [SETUP, CHECK, WSGI], ids=["setup", "check", "wsgi"]
)
def test_with_the_example_env_the_portal_refuses_the_placeholder_key(command):
    result = start(command, example_container_env())

    assert_refused(result, KEY_MESSAGE)


def test_with_the_example_env_the_celery_worker_refuses_the_placeholder_key(tmp_path):
    result = start(CELERY, example_container_env(HOME=str(tmp_path)))

    assert_refused(result, KEY_MESSAGE)


def test_with_debug_off_and_no_key_the_portal_refuses_to_start():
    result = start(CHECK, {"DJANGO_DEBUG": "false"})

    assert_refused(result, KEY_MESSAGE)


def test_an_empty_key_counts_as_no_key():
    result = start(CHECK, {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": ""})

    assert_refused(result, KEY_MESSAGE)


def test_with_debug_on_the_development_key_still_starts():
    # make run: DEBUG on, no .env, no key.
    result = start(CHECK, {"DJANGO_DEBUG": "true"})

    assert result.returncode == 0, result.stderr


def test_with_a_chosen_key_the_example_env_starts():
    env = example_container_env(DJANGO_SECRET_KEY=OPERATOR_SECRETS["DJANGO_SECRET_KEY"])

    result = start(CHECK, env)

    assert result.returncode == 0, result.stderr


def test_with_debug_off_the_demo_logins_refuse_to_start_unless_allowed():
    env = example_container_env(
        DJANGO_SECRET_KEY=OPERATOR_SECRETS["DJANGO_SECRET_KEY"], DEMO_SEED="true"
    )

    refused = start(CHECK, env)
    allowed = start(CHECK, {**env, "DEMO_SEED_ALLOW_PRODUCTION": "true"})

    assert_refused(refused, DEMO_MESSAGE)
    assert allowed.returncode == 0, allowed.stderr


def test_the_example_env_seeds_no_demo_logins():
    assert env_example()["DEMO_SEED"] == "false"
    assert env_example()["DEMO_SEED_ALLOW_PRODUCTION"] == "false"
    assert container_env()["DEMO_SEED"] == "false"


@pytest.mark.parametrize("secret", ["POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD"])
def test_compose_refuses_the_example_env_until_its_passwords_are_set(secret):
    unset = {**env_example(), **OPERATOR_SECRETS, secret: env_example()[secret]}

    with pytest.raises(ValueError, match=f"set {secret} in .env"):
        resolved(unset)


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="no docker-compose")
def test_docker_compose_itself_refuses_the_example_env(tmp_path):
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    shutil.copy(ROOT / "docker-compose.yml", tmp_path)

    result = subprocess.run(
        ["docker-compose", "config", "--quiet"],  # noqa: S607
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


@pytest.mark.parametrize(
    "key", [DEVELOPMENT_SECRET_KEY, "django-insecure-abc", "change-me-please"]
)
def test_the_development_key_and_placeholders_are_refused_with_debug_off(key):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        refuse_unsafe_production(
            debug=False, secret_key=key, demo_seed=False, demo_seed_allowed=False
        )
