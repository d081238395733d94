"""Settings for Parsing Service, read from the environment (12-factor).

Everything a deployment changes is an environment variable; secrets may come
from Vault instead (see parser_project/secrets.py). Without any variable set the
service runs locally on embedded defaults: SQLite and an embedded Redis under var/.
"""

from __future__ import annotations

import os
import secrets as _random
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

from parser_project import embedded_redis
from parser_project.secrets import MissingSecret, load_secrets

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules

SECRETS = load_secrets()


def _local_secret(filename: str) -> str:
    """A random secret generated once into var/ so local runs survive restarts."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(_random.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _secret(name: str, local_file: str) -> str:
    value = SECRETS.get(name)
    if value:
        return value
    if DEBUG or TESTING:
        return _local_secret(local_file)
    raise MissingSecret(SECRETS.missing_message(name), name=name)


SECRET_KEY = _secret("SECRET_KEY", "secret_key")
JWT_SIGNING_KEY = SECRETS.get("JWT_SIGNING_KEY") or SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt",
    "django_rq",
    "channels",
    "platforms",
    "tasks_app",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "parser_project.urls"
WSGI_APPLICATION = "parser_project.wsgi.application"
ASGI_APPLICATION = "parser_project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under daphne every request runs in a thread of its own: persistent
    # connections (CONN_MAX_AGE) would pile up one per thread until PostgreSQL
    # refuses clients. A pool per process caps them; requests wait their turn.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DB_POOL_MIN", 1),
        "max_size": env_int("DB_POOL_MAX", 10),
        "timeout": env_int("DB_POOL_TIMEOUT", 30),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default is used by several processes at once (daphne, a
    # worker, the tests): WAL lets readers work while a writer writes, IMMEDIATE
    # transactions avoid SQLite's deadlock-on-upgrade, and the timeout waits for
    # the lock instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not :memory:) so worker and server processes started by the
    # tests see the test database; one per test run, so two runs never collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, RQ, Channels -------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL") or ""
if not REDIS_URL:
    REDIS_URL = embedded_redis.ensure_running(VAR_DIR, "redis-test" if TESTING else "redis")
if TESTING:
    # Like the test database, tests get a Redis database of their own (they
    # clear it), so `make test` never touches the data of a running service.
    REDIS_URL = embedded_redis.with_db(REDIS_URL, env_int("TEST_REDIS_DB", 15))

JOB_TIMEOUT = env_int("JOB_TIMEOUT", 6 * 3600)
RQ_QUEUES = {
    name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": JOB_TIMEOUT} for name in ("high", "default", "low")
}
RQ_SHOW_ADMIN_LINK = True
# Our services already enqueue from transaction.on_commit; django-rq must not
# defer a second time (it would hide the job id the task records).
RQ = {"COMMIT_MODE": "auto"}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        # channels-redis blocks on Redis for 5 s at a time, which is also
        # redis-py's default read timeout: an idle socket's consumer would
        # crash every 5 s. A longer timeout keeps idle sockets open.
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}], "prefix": "asgi"},
    }
}

# --- Auth, API ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "tasks_app.api.errors.exception_handler",
    "URL_FORMAT_OVERRIDE": None,  # ?format= selects the export format, not a renderer
    "DEFAULT_THROTTLE_RATES": {"user": "600/min"},
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "UPDATE_LAST_LOGIN": True,
}

# --- Platforms ------------------------------------------------------------------
_api_id = SECRETS.get("TELEGRAM_API_ID") or ""
TELEGRAM_API_ID = int(_api_id) if _api_id.strip().isdigit() else 0
TELEGRAM_API_HASH = SECRETS.get("TELEGRAM_API_HASH") or ""
# FloodWaits up to this many seconds are slept inside the job; longer ones put
# the account on cooldown and move the task on (issue: never block a worker).
TELEGRAM_FLOOD_SLEEP_THRESHOLD = env_int("TELEGRAM_FLOOD_SLEEP_THRESHOLD", 30)
# Minimum pause between two requests of one account, so the pool spreads load.
TELEGRAM_MIN_REQUEST_INTERVAL_MS = env_int("TELEGRAM_MIN_REQUEST_INTERVAL_MS", 200)
# Fernet keys for the account sessions stored in the database; the first
# encrypts, the others still decrypt (rotation). Required outside DEBUG.
SESSION_ENCRYPTION_KEYS = SECRETS.get_list(
    "SESSION_ENCRYPTION_KEYS", required=not (DEBUG or TESTING)
)
if not SESSION_ENCRYPTION_KEYS:
    from cryptography.fernet import Fernet

    _key_file = VAR_DIR / "session_key"
    if not _key_file.exists():
        _key_file.write_text(Fernet.generate_key().decode())
        _key_file.chmod(0o600)
    SESSION_ENCRYPTION_KEYS = [_key_file.read_text().strip()]
ACCOUNT_LEASE_SECONDS = env_int("ACCOUNT_LEASE_SECONDS", 120)
# The sandbox keeps its shared state (joins, bans, once-only faults) in Redis
# so that every worker process sees the same fake Telegram.
SANDBOX_STATE_PREFIX = os.environ.get("SANDBOX_STATE_PREFIX", "sandbox:")
if TESTING:
    # Tests measure behaviour, not patience: no pause between requests.
    TELEGRAM_MIN_REQUEST_INTERVAL_MS = env_int("TEST_TELEGRAM_MIN_REQUEST_INTERVAL_MS", 0)

# --- Tasks and retention ------------------------------------------------------------
TASK_USER_LIMIT_DEFAULT = 100
TASK_USER_LIMIT_MAX = 100_000
PROGRESS_PUBLISH_INTERVAL = float(os.environ.get("PROGRESS_PUBLISH_INTERVAL", "0.5"))
# Personal data is kept this many days after a task finishes (0 = forever).
RESULTS_RETENTION_DAYS = env_int("RESULTS_RETENTION_DAYS", 90)
PHONE_RETENTION_DAYS = env_int("PHONE_RETENTION_DAYS", 30)

# --- i18n, static ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "telethon": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Which kinds of account the pool lends to tasks. Production: "telegram" only,
# so the sandbox (a fake Telegram for tests and local runs) is never used.
POOL_ACCOUNT_KINDS = env_list("POOL_ACCOUNT_KINDS", "telegram,sandbox")
