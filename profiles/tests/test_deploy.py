"""The deployment files, checked without Docker, and Django's deploy checklist."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import secrets
import subprocess
import sys

import environ
import pytest
from celery import Celery
from django.core.management import get_commands

from profiles.tests.compose import (
    BARE_VARIABLE,
    COMPOSE_FILE,
    ROOT,
    command_of,
    compose,
    compose_variables,
    dockerfile_instructions,
    env_example,
    health_test,
    resolved,
)

SERVICES = compose()["services"]
PORTAL_SERVICES = ("web", "worker", "beat")
GUNICORN = ["gunicorn", "--config", "python:portal.gunicorn", "portal.wsgi"]

# What an operator sets in production (see the README's Deploy section).
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "portal.example.com",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://portal.example.com",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "DJANGO_STATIC_MANIFEST": "true",
    "DOCUMENTS_STORAGE": "s3",
    "AWS_S3_ENDPOINT_URL": "http://minio:9000",
    "EMAIL_URL": "smtp://mailpit:1025",
}


def all_words(service: dict) -> str:
    """The service's command, entrypoint and health check as one string."""
    parts = command_of(service) + command_of(service, "entrypoint")
    return " ".join(parts + health_test(service))


def manage_py(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run manage.py with this environment, less any production variable in it."""
    inherited = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- docker-compose.yml -------------------------------------------------------


def test_the_stack_has_the_portal_and_every_service_it_needs():
    assert set(SERVICES) == {
        "web",
        "worker",
        "beat",
        "postgres",
        "redis",
        "minio",
        "minio-init",
        "mailpit",
    }


def test_every_long_running_service_has_a_health_check():
    for name, service in SERVICES.items():
        if service.get("restart") == "no":
            continue
        assert health_test(service), f"{name} has no health check"
        assert service["healthcheck"]["interval"], name


def test_the_one_shot_bucket_setup_is_awaited_until_it_succeeded():
    assert SERVICES["minio-init"]["restart"] == "no"
    for name in PORTAL_SERVICES:
        depends = SERVICES[name]["depends_on"]
        assert depends["minio-init"] == {"condition": "service_completed_successfully"}


def test_the_portal_starts_after_its_services_are_healthy():
    for name in PORTAL_SERVICES:
        depends = SERVICES[name]["depends_on"]
        for service in ("postgres", "redis", "mailpit"):
            assert depends[service] == {"condition": "service_healthy"}, name


def test_worker_and_beat_reuse_the_web_image_and_differ_only_in_command():
    def setup(name: str) -> dict:
        own = ("command", "healthcheck", "ports")
        return {k: v for k, v in SERVICES[name].items() if k not in own}

    assert setup("worker") == setup("web")
    assert setup("beat") == setup("web")
    assert SERVICES["web"]["build"] == "."
    assert SERVICES["web"]["env_file"] == ".env"


def test_every_manage_py_command_in_the_stack_exists():
    used = set()
    for service in SERVICES.values():
        used |= set(re.findall(r"manage\.py (\w+)", all_words(service)))

    assert used == {"migrate", "seed_demo"}
    assert used <= set(get_commands())


def test_the_web_service_migrates_seeds_when_asked_and_serves_with_gunicorn():
    script = command_of(SERVICES["web"])[-1].splitlines()

    assert command_of(SERVICES["web"])[:2] == ["sh", "-ec"]
    assert script[0] == "python manage.py migrate --noinput --verbosity=0"
    assert script[1] == (
        'if [ "$${DEMO_SEED}" = "true" ]; then python manage.py seed_demo --force; fi'
    )
    assert script[2].split() == ["exec", *GUNICORN]


def test_gunicorn_serves_the_portal_wsgi_application_with_its_config():
    wsgi = importlib.import_module("portal.wsgi")
    config = importlib.import_module("portal.gunicorn")

    assert callable(wsgi.application)
    assert config.bind == "0.0.0.0:8000"
    assert config.control_socket_disable is True
    assert config.logconfig_dict["formatters"]["json"]["()"] == (
        "portal.logging.JsonFormatter"
    )


def test_the_celery_services_run_the_portal_app():
    assert isinstance(importlib.import_module("portal.celery").app, Celery)
    # --quiet: no banner, so the containers' output is JSON log lines only.
    celery = ["celery", "--app=portal", "--quiet"]
    assert command_of(SERVICES["worker"])[:4] == [*celery, "worker"]
    assert command_of(SERVICES["beat"])[:4] == [*celery, "beat"]
    for name in ("worker", "beat"):
        assert "celery -A" not in all_words(SERVICES[name])
        assert all(
            word == "--app=portal"
            for word in all_words(SERVICES[name]).split()
            if word.startswith("--app")
        )


def test_the_health_checks_run_things_that_exist():
    assert health_test(SERVICES["web"])[:3] == ["python", "-m", "portal.probe"]
    assert importlib.util.find_spec("portal.probe") is not None
    worker_check = health_test(SERVICES["worker"])[0]
    assert worker_check.startswith("celery --app=portal inspect ping ")
    assert "--destination=celery@$$HOSTNAME" in worker_check
    beat_check = health_test(SERVICES["beat"])[0]
    assert "/tmp/celerybeat.pid" in beat_check
    assert "--pidfile=/tmp/celerybeat.pid" in command_of(SERVICES["beat"])


def test_every_variable_the_stack_uses_is_in_env_example():
    assert compose_variables() - set(env_example()) == set()


def test_the_stack_resolves_with_the_example_env_into_working_urls():
    stack = resolved(env_example())
    env = stack["services"]["web"]["environment"]

    database = environ.Env.db_url_config(env["DATABASE_URL"])
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "postgres",
        5432,
        "portal",
    )
    assert env["AWS_S3_PUBLIC_ENDPOINT_URL"] == "http://localhost:9000"
    assert env["EMAIL_URL"] == "smtp://mailpit:1025"
    assert env["DEMO_SEED"] == "true"
    assert stack["services"]["web"]["ports"] == ["8000:8000"]
    assert stack["services"]["worker"]["command"][-1] == "--concurrency=2"


def test_the_stack_refuses_to_start_without_its_secrets():
    example = env_example()
    for secret in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD"):
        with pytest.raises(ValueError, match=f"set {secret} in .env"):
            resolved({**example, secret: ""})


def test_the_stack_uses_only_braced_variables():
    # A bare $NAME is easy to mistake for the container's own shell variable.
    assert BARE_VARIABLE.findall(COMPOSE_FILE.read_text()) == []


def test_the_portal_is_wired_to_the_services_of_the_stack():
    env = SERVICES["web"]["environment"]

    assert env["DJANGO_DEBUG"] == "false"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["DOCUMENTS_STORAGE"] == "s3"
    assert env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["EMAIL_URL"] == "${EMAIL_URL:-smtp://mailpit:1025}"
    assert env["LOG_FORMAT"] == "json"


def test_the_bucket_is_created_private():
    script = command_of(SERVICES["minio-init"], "entrypoint")[-1]

    assert 'mc mb --ignore-existing "local/$${BUCKET}"' in script
    assert 'mc anonymous set none "local/$${BUCKET}"' in script


def test_the_data_of_postgres_redis_and_minio_is_kept_in_volumes():
    volumes = compose()["volumes"]
    mounts = {
        name: [mount.split(":")[0] for mount in SERVICES[name]["volumes"]]
        for name in ("postgres", "redis", "minio")
    }

    assert mounts == {
        "postgres": ["postgres-data"],
        "redis": ["redis-data"],
        "minio": ["minio-data"],
    }
    assert set(volumes) == {"postgres-data", "redis-data", "minio-data"}


def test_third_party_images_are_pinned():
    for name, service in SERVICES.items():
        if name not in PORTAL_SERVICES:
            assert not service["image"].endswith(":latest"), name
            assert ":" in service["image"], name


# --- Dockerfile and .dockerignore ---------------------------------------------


def test_the_image_is_slim_python_311_run_by_a_non_root_user():
    instructions = dockerfile_instructions()

    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [args for word, args in instructions if word == "USER"]
    assert users == ["portal"]
    useradd = next(args for word, args in instructions if "useradd" in args)
    assert "--system" in useradd


def test_the_image_collects_static_files_at_build_and_starts_gunicorn():
    instructions = dockerfile_instructions()
    runs = " ".join(args for word, args in instructions if word == "RUN")
    env = " ".join(args for word, args in instructions if word == "ENV")

    assert "python manage.py collectstatic --noinput" in runs
    assert "DJANGO_STATIC_MANIFEST=true" in env
    assert instructions[-1] == ("CMD", json.dumps(GUNICORN))


def test_the_files_the_dockerfile_copies_exist():
    for word, args in dockerfile_instructions():
        if word == "COPY":
            *sources, _target = args.split()
            for source in sources:
                assert (ROOT / source).exists(), source


def test_the_image_leaves_out_secrets_and_local_state():
    ignored = (ROOT / ".dockerignore").read_text().split()

    assert {".env", ".git", ".venv", "var"} <= set(ignored)


# --- .env.example -------------------------------------------------------------


def test_every_variable_the_settings_read_is_in_env_example():
    sources = (ROOT / "portal" / "settings.py").read_text()
    read = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z0-9_]+)\"", sources))
    gunicorn = (ROOT / "portal" / "gunicorn.py").read_text()
    read |= set(re.findall(r"os\.environ\.get\(['\"]([A-Z0-9_]+)['\"]", gunicorn))

    assert len(read) > 40
    # PORT is the image's (Dockerfile), not the operator's.
    assert read - set(env_example()) == {"PORT"}


# --- production settings ------------------------------------------------------


def test_check_deploy_is_clean_with_the_production_variables():
    result = manage_py(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_development_defaults():
    env = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": env_example()["DJANGO_SECRET_KEY"],
    }

    result = manage_py("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 1
    for warning in ("security.W004", "security.W008", "security.W009"):
        assert warning in result.stderr


def test_the_production_variables_turn_on_https_safeguards():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({name: getattr(s, name) for name in ("
        "'DEBUG', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', "
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
        "'CSRF_TRUSTED_ORIGINS')} | {'static': s.STORAGES['staticfiles']['BACKEND'], "
        "'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES']}))"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            **PRODUCTION_ENV,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    values = json.loads(result.stdout.splitlines()[-1])

    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://portal.example.com"]
    assert values["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["csp"]["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in json.dumps(values["csp"])


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
