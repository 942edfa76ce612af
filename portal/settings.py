"""Settings for the Compliance Profiles Portal.

Every value comes from the environment (see `.env.example`); the defaults are the
embedded, single-machine mode that `make run` uses: SQLite, files on disk.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from botocore.config import Config

from portal.safeguards import DEVELOPMENT_SECRET_KEY, refuse_unsafe_production

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -----------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The development key only with DEBUG on: with DEBUG off, start-up stops (see
# the end of this file). An empty value in .env means "not set".
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # django.contrib.admin, its default site from portal/admin_site.py.
    "portal.admin_site.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Its widget templates, in both engines, for FORM_RENDERER.
    "django.forms",
    "csp",
    "formtools",
    "django_countries",
    "profiles",
]

MIDDLEWARE = [
    # First, so every response and log line of the request carries its id.
    "portal.middleware.RequestIdMiddleware",
    # Before anything reads the body: oversized bodies and anonymous uploads.
    "portal.uploads.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view needs a signed-in user unless marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Signed-in users' pages are never stored by a cache (see the middleware).
    "portal.middleware.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

# The portal's pages are Jinja2 (profiles/jinja2/); the admin and the emails are
# Django templates (templates/). Form widgets render with whichever engine has them.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "portal.jinja2.environment",
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "profiles.context_processors.account",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "profiles.context_processors.account",
            ],
        },
    },
]

# Widgets from the engines above: Jinja2's copies of Django's widget templates
# for the portal's forms, Django's for the admin's own widgets.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------------

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# With persistent connections, check one before reuse instead of failing a request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool(
    "DATABASE_CONN_HEALTH_CHECKS", default=True
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer must not hold a request (or /healthz).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to the same file: take the write
    # lock when a transaction starts, wait for it, and let readers go on (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so a test's worker threads share the test database;
    # one per test run, so runs side by side do not share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------

# Django's model backend, loading the user's account in the same query.
AUTHENTICATION_BACKENDS = ["profiles.access.AccountBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "profiles:list"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# Failed sign-ins allowed per login and per client address within the window.
LOGIN_THROTTLE_MAX_FAILURES = env.int("LOGIN_THROTTLE_MAX_FAILURES", default=5)
LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS = env.int(
    "LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS", default=20
)
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=900)
# Proxies in front that append the client's address to X-Forwarded-For: the
# client is that many entries from its end. 0: REMOTE_ADDR is the client.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Internationalisation ---------------------------------------------------------

LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files and documents ---------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production images collect hashed, compressed copies at build time (the
# Dockerfile turns this on); without them (tests, `make run`) WhiteNoise serves
# straight from the source folders.
STATIC_MANIFEST = env.bool("DJANGO_STATIC_MANIFEST", default=False)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST

# Supporting documents never live under MEDIA_ROOT: nothing serves them but the
# permission-checked download view.
DOCUMENTS_STORAGE = env.str("DOCUMENTS_STORAGE", default="filesystem")
DOCUMENTS_ROOT = Path(env.str("DOCUMENTS_ROOT", default=str(VAR_DIR / "documents")))
DOCUMENT_MAX_UPLOAD_BYTES = env.int("DOCUMENT_MAX_UPLOAD_BYTES", default=10 * 2**20)
# Documents a profile may hold, files one upload may carry, drafts an account
# may keep (profiles/quotas.py).
DOCUMENTS_MAX_PER_PROFILE = env.int("DOCUMENTS_MAX_PER_PROFILE", default=20)
DOCUMENTS_MAX_PER_UPLOAD = env.int("DOCUMENTS_MAX_PER_UPLOAD", default=5)
DRAFTS_MAX_PER_ACCOUNT = env.int("DRAFTS_MAX_PER_ACCOUNT", default=50)
# The largest request body: a full upload and 1 MiB for its form (51 MiB by
# default); larger ones are refused unread (portal/uploads.py).
# An empty value (as in .env.example) means that default.
REQUEST_MAX_BODY_BYTES = int(
    env.str("REQUEST_MAX_BODY_BYTES", default="")
    or DOCUMENTS_MAX_PER_UPLOAD * DOCUMENT_MAX_UPLOAD_BYTES + 2**20
)

DOCUMENT_STORAGE_BACKENDS = {
    "filesystem": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": DOCUMENTS_ROOT,
            "base_url": None,
            "directory_permissions_mode": 0o700,
            "file_permissions_mode": 0o600,
        },
    },
    "s3": {
        "BACKEND": "portal.storages.DocumentS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default="documents"),
            # An empty value in .env means "not set" (boto3 refuses "").
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "public_endpoint_url": (
                env.str("AWS_S3_PUBLIC_ENDPOINT_URL", default="") or None
            ),
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=60),
            "file_overwrite": False,
            # v4 signatures (MinIO and every AWS region accept them); an S3 that
            # does not answer fails in seconds, not after boto3's minute.
            "client_config": Config(
                signature_version="s3v4",
                connect_timeout=5,
                read_timeout=30,
                retries={"mode": "standard", "max_attempts": 3},
            ),
        },
    },
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
    "documents": DOCUMENT_STORAGE_BACKENDS.get(
        DOCUMENTS_STORAGE, DOCUMENT_STORAGE_BACKENDS["filesystem"]
    ),
}
# Uploads past this size spool to a temporary file instead of memory; the first
# handler stops an upload past REQUEST_MAX_BODY_BYTES or from a visitor.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20
FILE_UPLOAD_HANDLERS = [
    "portal.uploads.BodyLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Celery -----------------------------------------------------------------------

# With no broker configured, messages are files under var/broker: no server. The
# transport is kombu's filesystem one with atomic writes (portal/broker.py).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
BROKER_DIR = Path(
    env.str("CELERY_FILESYSTEM_BROKER_DIR", default=str(VAR_DIR / "broker"))
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # kombu only consumes when the in and out folders are the same.
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "visibility_timeout": 3600,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A broker that is down must not hold a request for long: the sweep catches up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup would close the database connection around every task;
# workers keep it for DATABASE_CONN_MAX_AGE instead, as the web does (see
# portal/celery.py).
CELERY_DB_REUSE_MAX = 2**31
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)

# One evaluation task also evaluates other waiting submissions, up to this many.
EVALUATION_BATCH_SIZE = env.int("EVALUATION_BATCH_SIZE", default=50)
# Profiles left pending review this long are evaluated again by the sweep.
EVALUATION_SWEEP_AFTER_SECONDS = env.int("EVALUATION_SWEEP_AFTER_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-evaluations": {
        "task": "profiles.tasks.sweep_pending_evaluations",
        "schedule": env.float("EVALUATION_SWEEP_INTERVAL_SECONDS", default=30.0),
    },
    "sweep-due-notifications": {
        "task": "profiles.tasks.sweep_due_notifications",
        "schedule": env.float("NOTIFICATION_SWEEP_INTERVAL_SECONDS", default=30.0),
    },
}

# --- Review and notifications -------------------------------------------------------

# How long an approval lasts.
PROFILE_VALIDITY_DAYS = env.int("PROFILE_VALIDITY_DAYS", default=365)
# Base of the links in emails, e.g. https://portal.example.com
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Backoff 30 s, 1 min, 2 min ... capped at 6 h: twelve attempts span about a day.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=12)
NOTIFICATION_RETRY_BASE_SECONDS = env.float(
    "NOTIFICATION_RETRY_BASE_SECONDS", default=30.0
)
NOTIFICATION_RETRY_MAX_SECONDS = env.float(
    "NOTIFICATION_RETRY_MAX_SECONDS", default=6 * 3600.0
)
# A worker that claimed a delivery and died: the sweep retries after this.
NOTIFICATION_CLAIM_SECONDS = env.int("NOTIFICATION_CLAIM_SECONDS", default=120)
# A delivery task also sends the other due deliveries, claiming this many at a
# time, for up to NOTIFICATION_DRAIN_SECONDS (then the next message goes on).
NOTIFICATION_BATCH_SIZE = env.int("NOTIFICATION_BATCH_SIZE", default=50)
NOTIFICATION_DRAIN_SECONDS = env.float("NOTIFICATION_DRAIN_SECONDS", default=5.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Receivers (hosts) a worker calls at once from a batch; one host's go in order.
WEBHOOK_CONCURRENCY = env.int("WEBHOOK_CONCURRENCY", default=4)
# Resend: once per delivery in this interval, and at most LIMIT an account's
# members resend in the window (reviewers' resends from the admin not counted).
NOTIFICATION_RESEND_INTERVAL_SECONDS = env.int(
    "NOTIFICATION_RESEND_INTERVAL_SECONDS", default=600
)
NOTIFICATION_RESEND_ACCOUNT_LIMIT = env.int(
    "NOTIFICATION_RESEND_ACCOUNT_LIMIT", default=10
)
NOTIFICATION_RESEND_ACCOUNT_WINDOW_SECONDS = env.int(
    "NOTIFICATION_RESEND_ACCOUNT_WINDOW_SECONDS", default=3600
)
# A notification address other than a member's own gets nothing but a
# confirmation link (valid this long), at most once per address in the
# interval and to at most LIMIT addresses of an account in the resend window.
NOTIFICATION_CONFIRMATION_MAX_AGE_SECONDS = env.int(
    "NOTIFICATION_CONFIRMATION_MAX_AGE_SECONDS", default=3 * 24 * 3600
)
NOTIFICATION_CONFIRMATION_INTERVAL_SECONDS = env.int(
    "NOTIFICATION_CONFIRMATION_INTERVAL_SECONDS", default=600
)
NOTIFICATION_CONFIRMATION_ACCOUNT_LIMIT = env.int(
    "NOTIFICATION_CONFIRMATION_ACCOUNT_LIMIT", default=10
)
# Only for local development and tests: lets callbacks reach private addresses.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)

# --- Email --------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Compliance Profiles <no-reply@localhost>"
)
# An empty EMAIL_URL (as in .env.example) means the embedded default too.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Embedded default: each message is a file under var/mail.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# An SMTP server that stops answering must not hold a worker forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=10)

# --- Trust Hub ----------------------------------------------------------------------

SECONDARY_POLICY_SID = env.str(
    "SECONDARY_POLICY_SID", default="RNdfbf3fae0e1107f8aded0e7cead80bf5"
)
PRIMARY_POLICY_SID = env.str(
    "PRIMARY_POLICY_SID", default="RN7a97559effdf62d00f4298208492a5ea"
)

# --- Demo ---------------------------------------------------------------------------

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo12345!")
# Whether the deployment seeds the demo logins at start (compose's web service).
DEMO_SEED = env.bool("DEMO_SEED", default=False)
# With DEBUG off, demo logins only with this on too (seed_demo and DEMO_SEED).
DEMO_SEED_ALLOW_PRODUCTION = env.bool("DEMO_SEED_ALLOW_PRODUCTION", default=False)

# --- Security -----------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# Health probes come over plain HTTP from inside the deployment.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a TLS-terminating proxy: "HTTP_X_FORWARDED_PROTO,https" makes requests
# the proxy marks as HTTPS secure (cookies, redirects, absolute URLs). Only set
# it when the proxy always sets or strips that header.
SECURE_PROXY_SSL_HEADER = (
    tuple(env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])) or None
)
# No inline scripts or styles anywhere: everything comes from our own origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Health and logs ------------------------------------------------------------------

# How long /healthz waits for each of the database, broker and storage.
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=3.0)
# Sent as "Authorization: Bearer <token>", it shows /healthz's checks and their
# timings (as signing in as staff does); empty, only staff see them.
HEALTH_CHECK_TOKEN = env.str("HEALTH_CHECK_TOKEN", default="")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# "json" (one object per line) or "text"; unset, readable lines only with DEBUG on.
LOG_FORMAT = env.str("LOG_FORMAT", default="") or ("text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "portal.logging.JsonFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Through the root handler only; Django's own would print errors twice.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
    },
}

# --- Refusals ----------------------------------------------------------------------

# Last, once every value is read: the development key or the demo logins on a
# server with DEBUG off stop start-up with a message saying what to set.
refuse_unsafe_production(
    debug=DEBUG,
    secret_key=SECRET_KEY,
    demo_seed=DEMO_SEED,
    demo_seed_allowed=DEMO_SEED_ALLOW_PRODUCTION,
)
