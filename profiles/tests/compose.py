"""docker-compose.yml, .env.example and the Dockerfile, read as compose reads them.

No Docker engine runs here, so the tests check these files statically and run
the services' commands directly.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

# ${NAME}, ${NAME:-default}, ${NAME:?error}; "$$" is a literal "$".
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:[-?])([^}]*))?\}")
BARE_VARIABLE = re.compile(r"(?<!\$)\$([A-Za-z_][A-Za-z0-9_]*)")


def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def compose_variables() -> set[str]:
    """The names of the variables compose substitutes in the file."""
    return {match.group(1) for match in VARIABLE.finditer(COMPOSE_FILE.read_text())}


def env_example() -> dict[str, str]:
    """NAME=value pairs of .env.example (comments and blank lines skipped)."""
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value
    return pairs


def interpolate(value: str, env: dict[str, str]) -> str:
    """What compose makes of a value, given the variables in `env`."""

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.groups()
        current = env.get(name, "")
        if operator == ":-":
            return current or argument
        if operator == ":?" and not current:
            raise ValueError(f"{name}: {argument}")
        return current

    return VARIABLE.sub(substitute, value).replace("$$", "$")


def resolved(env: dict[str, str]):
    """The compose file with its variables substituted, as compose sees it."""

    def walk(node):
        if isinstance(node, dict):
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return interpolate(node, env) if isinstance(node, str) else node

    return walk(compose())


def command_of(service: dict, key: str = "command") -> list[str]:
    """A service's command (or entrypoint) as a list of words."""
    command = service.get(key) or []
    return command.split() if isinstance(command, str) else list(command)


def health_test(service: dict) -> list[str]:
    """The health check's command, without its CMD / CMD-SHELL marker."""
    test = service.get("healthcheck", {}).get("test") or []
    return test.split() if isinstance(test, str) else list(test[1:])


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped, continued lines joined."""
    lines = DOCKERFILE.read_text().splitlines()
    code = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    text = re.sub(r"\\\n", " ", code)
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            instructions.append((word.upper(), rest.strip()))
    return instructions


# What an operator fills in after `cp .env.example .env`.
OPERATOR_SECRETS = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "POSTGRES_PASSWORD": secrets.token_hex(16),
    "MINIO_ROOT_PASSWORD": secrets.token_hex(16),
}


def configured_env() -> dict[str, str]:
    """.env.example with the operator's secrets filled in."""
    return {**env_example(), **OPERATOR_SECRETS}


def container_env() -> dict[str, str]:
    """The web container's environment: the configured .env under `environment`."""
    return {
        **configured_env(),
        **resolved(configured_env())["services"]["web"]["environment"],
    }
