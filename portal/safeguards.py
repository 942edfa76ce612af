"""What a server with DEBUG off refuses to start with.

Settings call `refuse_unsafe_production` as they load, so gunicorn, the Celery
worker and beat, and every manage.py command stop with the same message.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

# The key `make run` uses when DJANGO_SECRET_KEY is not set (DEBUG on only).
DEVELOPMENT_SECRET_KEY = "django-insecure-local-development-only-key"  # noqa: S105
# Keys nobody chose: Django's marker for development keys, .env.example's
# placeholders.
PLACEHOLDER_PREFIXES = ("django-insecure-", "change-me")


def refuse_unsafe_production(
    *, debug: bool, secret_key: str, demo_seed: bool, demo_seed_allowed: bool
) -> None:
    """Raise ImproperlyConfigured for a development setting with DEBUG off."""
    if debug:
        return
    if secret_key.startswith(PLACEHOLDER_PREFIXES):
        raise ImproperlyConfigured(
            "DJANGO_DEBUG is off but DJANGO_SECRET_KEY is the development key or "
            "a placeholder. Set DJANGO_SECRET_KEY to a long random value, e.g. "
            'python -c "import secrets; print(secrets.token_urlsafe(50))", or '
            "DJANGO_DEBUG=true for local development."
        )
    if demo_seed and not demo_seed_allowed:
        raise ImproperlyConfigured(
            "DJANGO_DEBUG is off but DEMO_SEED is true: the demo logins (a staff "
            "reviewer among them) have a published password. Set DEMO_SEED=false, "
            "or DEMO_SEED_ALLOW_PRODUCTION=true as well to seed them on this server "
            "anyway."
        )
