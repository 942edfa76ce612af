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
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest
import requests
from celery import Celery
from django.core.management import get_commands

from profiles.tests.compose import (
    BARE_VARIABLE,
    COMPOSE_FILE,
    ROOT,
    command_of,
    compose,
    compose_variables,
    configured_env,
    container_env,
    dockerfile_instructions,
    env_example,
    health_test,
    interpolate,
    resolved,
)
from profiles.tests.processes import free_port, stop, wait_for_port

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


def wired_hosts() -> set[str]:
    """The hosts the portal's service URLs name, in the web container."""
    env = container_env()
    urls = ("DATABASE_URL", "CELERY_BROKER_URL", "AWS_S3_ENDPOINT_URL", "EMAIL_URL")
    return {urlsplit(env[name]).hostname for name in urls}


def awaited_by(name: str) -> set[str]:
    """The services a service starts after, directly or through another."""
    awaited = set()
    waiting = [name]
    while waiting:
        for other in SERVICES[waiting.pop()].get("depends_on", {}):
            if other not in awaited:
                awaited.add(other)
                waiting.append(other)
    return awaited


def settings_under(env: dict[str, str], expression: str):
    """A value computed from Django's settings in a process with this environment."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({expression}, default=str))"
    )
    inherited = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**inherited, **env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def run_web_command(tmp_path: Path, env: dict[str, str]):
    """The web service's command, run with python and gunicorn as recorders.

    Returns the shell's exit code, its process id, and each recorded command
    as (process id, words).
    """
    calls = tmp_path / "calls"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for program in ("python", "gunicorn"):
        recorder = bin_dir / program
        recorder.write_text(
            "#!/bin/sh\n"
            f'echo "$$ {program} $*" >> "{calls}"\n'
            # FAIL names a manage.py command that exits with an error.
            '[ -z "${FAIL:-}" ] || [ "$2" != "$FAIL" ] || exit 3\n'
        )
        recorder.chmod(0o755)
    command = [interpolate(word, {}) for word in command_of(SERVICES["web"])]
    process = subprocess.Popen(  # noqa: S603
        command,
        cwd=tmp_path,
        env={**env, "PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin"},
    )
    returncode = process.wait(timeout=30)
    lines = calls.read_text().splitlines() if calls.exists() else []
    recorded = [
        (int(pid), words) for pid, _, words in (line.partition(" ") for line in lines)
    ]
    return returncode, process.pid, recorded


# --- docker-compose.yml -------------------------------------------------------


def test_every_host_the_portal_is_wired_to_is_a_service_it_waits_for():
    for host in wired_hosts():
        assert host in SERVICES, host
        for name in PORTAL_SERVICES:
            assert host in awaited_by(name), (name, host)


def test_every_service_of_the_stack_serves_the_portal():
    in_front = {name for name in SERVICES if "web" in awaited_by(name)}
    serving = set(PORTAL_SERVICES) | wired_hosts() | awaited_by("web") | in_front

    assert set(SERVICES) == serving


def test_every_long_running_service_has_a_health_check():
    for name, service in SERVICES.items():
        if service.get("restart") == "no":
            continue
        assert health_test(service), f"{name} has no health check"
        assert service["healthcheck"]["interval"], name


def test_the_portal_processes_are_started_again_when_they_exit():
    # A worker that exits (a broker client bug, a lost connection at startup)
    # comes back, and the sweeps decide what waited meanwhile.
    for name in PORTAL_SERVICES:
        assert SERVICES[name]["restart"] == "unless-stopped", name


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


def test_the_web_service_migrates_then_becomes_gunicorn(tmp_path):
    returncode, pid, recorded = run_web_command(tmp_path, {"DEMO_SEED": "false"})

    assert returncode == 0
    assert [words.split()[:3] for _, words in recorded[:-1]] == [
        ["python", "manage.py", "migrate"]
    ]
    # exec: gunicorn takes the shell's process, so it gets the stop signal.
    assert recorded[-1] == (pid, " ".join(GUNICORN))


@pytest.mark.parametrize(
    ("seed", "seeded"),
    [("example", False), ("true", True), ("", False), ("false", False)],
)
def test_the_web_service_seeds_the_demo_logins_only_when_asked(tmp_path, seed, seeded):
    if seed == "example":
        seed = container_env()["DEMO_SEED"]
    env = resolved({**configured_env(), "DEMO_SEED": seed})["services"]["web"]

    _, _, recorded = run_web_command(tmp_path, env["environment"])

    commands = [words.split()[:3] for _, words in recorded]
    assert (["python", "manage.py", "seed_demo"] in commands) is seeded
    if seeded:
        assert commands.index(["python", "manage.py", "seed_demo"]) == 1


def test_the_web_service_does_not_serve_when_migrating_fails(tmp_path):
    returncode, _, recorded = run_web_command(
        tmp_path, {"DEMO_SEED": "true", "FAIL": "migrate"}
    )

    assert returncode != 0
    assert [words.split()[2] for _, words in recorded] == ["migrate"]


@pytest.mark.integration
def test_gunicorn_with_the_portal_config_serves_on_port_and_logs_json(tmp_path):
    port = free_port()
    home, runtime = tmp_path / "home", tmp_path / "run"
    runtime.mkdir()
    log = tmp_path / "gunicorn.log"
    venv_bin = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "LOG_FORMAT": "json",
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
    }
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            GUNICORN, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_for_port(port, process)
        page = requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=10)
        # gunicorn removes its control socket when it stops: look while it runs.
        sockets = [*runtime.iterdir(), *home.glob(".gunicorn/*")]
    finally:
        stop(process)

    # The portal's own WSGI application answered (its CSP middleware ran).
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    # gunicorn's own lines are JSON; it listened on PORT on every interface.
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    messages = [entry["message"] for entry in entries]
    assert any(f"Listening at: http://0.0.0.0:{port}" in m for m in messages)
    # No control socket: two instances for one user would clash over it.
    assert sockets == []


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


def test_with_the_example_env_the_portal_signs_in_to_the_database_compose_creates():
    stack = resolved(configured_env())
    database = environ.Env.db_url_config(container_env()["DATABASE_URL"])
    postgres = stack["services"]["postgres"]["environment"]

    assert (database["USER"], database["PASSWORD"], database["NAME"]) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        postgres["POSTGRES_DB"],
    )


# How compose publishes a port given without an address.
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104


def published_ports(stack: dict, name: str) -> dict[str, tuple[str, str]]:
    """A service's published ports: container port -> (host address, host port)."""
    ports = {}
    for mapping in stack["services"][name].get("ports", []):
        *address, host_port, container_port = mapping.split(":")
        ports[container_port] = (address[0] if address else EVERY_INTERFACE, host_port)
    return ports


def image_port() -> str:
    """Where gunicorn binds in the image (the Dockerfile's PORT)."""
    return dict(
        arg.split("=", 1)
        for word, args in dockerfile_instructions()
        if word == "ENV"
        for arg in args.split()
    )["PORT"]


def test_with_the_example_env_browsers_reach_minio_and_the_portal_where_published():
    stack = resolved(configured_env())
    public_s3 = urlsplit(container_env()["AWS_S3_PUBLIC_ENDPOINT_URL"])
    inside_s3 = urlsplit(container_env()["AWS_S3_ENDPOINT_URL"])
    proxy = stack["services"]["proxy"]

    # Download links signed for the host's side of MinIO's published port.
    assert public_s3.hostname == "localhost"
    assert published_ports(stack, "minio")[str(inside_s3.port)] == (
        "127.0.0.1",
        str(public_s3.port),
    )
    # The proxy passes to where gunicorn binds in the image (PORT), and is
    # published on every interface.
    assert proxy["environment"]["PORTAL_UPSTREAM"] == f"web:{image_port()}"
    assert published_ports(stack, "proxy")["80"] == (EVERY_INTERFACE, "8000")
    assert urlsplit(health_test(SERVICES["web"])[-1]).port == int(image_port())


def test_only_the_proxy_publishes_the_portal():
    stack = resolved(configured_env())

    for name in PORTAL_SERVICES:
        assert published_ports(stack, name) == {}, name
    assert SERVICES["proxy"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_mailpit_and_minio_answer_on_this_machine_only():
    stack = resolved(configured_env())

    for name in ("mailpit", "minio"):
        addresses = {address for address, _ in published_ports(stack, name).values()}
        assert addresses == {"127.0.0.1"}, name


NGINX_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()
    return int(number) * NGINX_UNITS[unit]


@pytest.mark.parametrize("example", [False, True], ids=["default", "env-example"])
def test_the_proxy_passes_the_largest_upload_the_portal_accepts(example):
    env = configured_env()
    if not example:
        env.pop("PROXY_MAX_BODY")
    proxy = resolved(env)["services"]["proxy"]["environment"]["PROXY_MAX_BODY"]
    portal = settings_under(container_env(), "s.REQUEST_MAX_BODY_BYTES")

    # A full upload (the most files at once, each the largest) reaches the
    # portal, which is the one to refuse more with its own message.
    assert nginx_size(proxy) >= portal


def test_the_proxy_runs_the_portal_template_with_the_body_limit_of_the_env():
    stack = resolved({**configured_env(), "PROXY_MAX_BODY": "3m"})
    proxy = stack["services"]["proxy"]
    source, target, mode = proxy["volumes"][0].split(":")

    assert (ROOT / source).is_file()
    # The nginx image fills in templates/*.template into conf.d at start.
    assert target.startswith("/etc/nginx/templates/")
    assert target.endswith(".conf.template")
    assert mode == "ro"
    assert proxy["environment"]["PROXY_MAX_BODY"] == "3m"
    assert (
        resolved(configured_env())["services"]["proxy"]["environment"]["PROXY_MAX_BODY"]
        == env_example()["PROXY_MAX_BODY"]
    )


def test_the_worker_concurrency_follows_the_env():
    stack = resolved({**configured_env(), "CELERY_WORKER_CONCURRENCY": "5"})

    assert stack["services"]["worker"]["command"][-1] == "--concurrency=5"


def test_the_stack_refuses_to_start_without_its_secrets():
    example = configured_env()
    for secret in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD"):
        with pytest.raises(ValueError, match=f"set {secret} in .env"):
            resolved({**example, secret: ""})


def test_the_stack_uses_only_braced_variables():
    # A bare $NAME is easy to mistake for the container's own shell variable.
    assert BARE_VARIABLE.findall(COMPOSE_FILE.read_text()) == []


def test_in_the_stack_the_portal_uses_its_services_not_the_embedded_defaults():
    values = settings_under(
        container_env(),
        "{'debug': s.DEBUG, 'database': s.DATABASES['default'], "
        "'broker': s.CELERY_BROKER_URL, 'documents': s.STORAGES['documents'], "
        "'email': [s.EMAIL_BACKEND, s.EMAIL_HOST], "
        "'log': s.LOGGING['handlers']['console']['formatter']}",
    )

    assert values["debug"] is False
    assert values["database"]["ENGINE"] == "django.db.backends.postgresql"
    assert values["database"]["HOST"] == "postgres"
    assert urlsplit(values["broker"]).scheme == "redis"
    assert values["documents"]["BACKEND"] == "portal.storages.DocumentS3Storage"
    assert urlsplit(values["documents"]["OPTIONS"]["endpoint_url"]).hostname == (
        "minio"
    )
    assert values["email"] == ["django.core.mail.backends.smtp.EmailBackend", "mailpit"]
    assert values["log"] == "json"


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


def test_the_image_has_the_postgres_client_of_the_stack_s_server_for_backups():
    runs = " ".join(args for word, args in dockerfile_instructions() if word == "RUN")
    server = re.fullmatch(r"postgres:(\d+)-alpine", SERVICES["postgres"]["image"])

    assert "apt-get install -y --no-install-recommends postgresql-client-" in runs
    assert re.findall(r"postgresql-client-(\d+)", runs) == [server.group(1)]


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
    # A key that is no placeholder, yet too short for Django's checklist.
    env = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "short-chosen-key"}

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
