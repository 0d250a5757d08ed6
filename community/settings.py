"""Hearth settings, chosen by the environment.

With nothing set, the site runs embedded: SQLite, the in-memory channel layer,
the local-memory cache, console email, tasks run at once, DEBUG on.
DATABASE_URL switches to PostgreSQL and REDIS_URL to Redis for the channel layer
and the cache, which is how several processes share state.
"""

import importlib.util
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
TESTING = "pytest" in sys.modules or env_bool("HEARTH_TESTING", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not DEBUG:
    # A one-line reason beats a traceback for an operator starting the site.
    if not SECRET_KEY:
        sys.exit("Hearth: SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        sys.exit("Hearth: ALLOWED_HOSTS must be set (comma-separated) when DEBUG is off.")
else:
    SECRET_KEY = SECRET_KEY or "django-insecure-hearth-development-only-key-not-for-production-use"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

# Earlier keys, still accepted while SECRET_KEY takes over (comma-separated, newest
# first): sessions, reset links and signed values made with one stay valid until it
# is dropped from the list (docs/operations.md, "Rotating SECRET_KEY").
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First, so its `runserver` wraps daphne's and leaves static files to WhiteNoise
    # in development too: one way of serving them (a `..` path is a 404 in both).
    "whitenoise.runserver_nostatic",
    # daphne serves `runserver` in development (the dev extra); production serves
    # with uvicorn (bin/serve) and leaves daphne, and the Twisted it pulls, out.
    *(["daphne"] if importlib.util.find_spec("daphne") else []),
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # allauth's passkey list says "added 3 days ago" with humanize's naturaltime.
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks_db",
    "community",
    "groups",
    "moderation",
]

MIDDLEWARE = [
    # Outermost: times, counts and logs every request by its view's name.
    "community.observe.ObserveRequests",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "community.middleware.PrivacyHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "community.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "community.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "community.urls"
ASGI_APPLICATION = "community.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "community.navigation.context",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------
# Persistent connections are wrong under ASGI (each request may run in another
# thread), so CONN_MAX_AGE stays 0; on PostgreSQL Django's own psycopg pool
# keeps connections warm instead.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Health checks on: the pool checks each connection as it lends it out, so one
    # that died in an outage is replaced instead of failing the request.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=0, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        options = DATABASES["default"].setdefault("OPTIONS", {})
        # libpq's own bound on opening a connection (2 s is its smallest).
        options.setdefault("connect_timeout", 2)
        options["pool"] = {
            "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX", "20")),
            # Seconds a request waits for a connection.
            "timeout": float(os.environ.get("DB_POOL_TIMEOUT", "10")),
            # psycopg_pool retries a lost connection with a back-off that doubles
            # (1, 2, 4, 8 s...) for five minutes: after a 15 s outage a worker sat
            # some 13 s without connections once PostgreSQL was back. Giving up after
            # about a second instead lets the next request that needs a connection
            # start a fresh attempt at once (the pool grows on demand).
            "reconnect_timeout": float(os.environ.get("DB_RECONNECT_TIMEOUT", "1")),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "hearth.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"),
            },
            # Browser tests serve from another process, so the test database is a file.
            "TEST": {"NAME": str(BASE_DIR / ".test-db.sqlite3")},
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# Threads per process for the sockets' database calls (community/offloop.py);
# keep it below DB_POOL_MAX so HTTP requests still find a connection. Two: with
# two statements per send, more threads mostly contend for the GIL; on two cores
# two gave the highest knee on both machines measured (performance.md).
DB_THREADS = int(os.environ.get("DB_THREADS", "2"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "community.User"

# --- Redis: channel layer and cache -------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Name spaces inside Redis. Several sites (or a test run and the servers it
# starts in other processes) can share one Redis by choosing their own.
CHANNEL_PREFIX = os.environ.get("CHANNEL_PREFIX", "hearth")
CACHE_PREFIX = os.environ.get("CACHE_PREFIX", "hearth")
if REDIS_URL:
    import redis

    # After a Redis restart every pooled connection is stale: check one that idled
    # (a PING before use) and retry a command once on a fresh connection, rather
    # than failing whatever used it (issue 18: room connects died ~30 s after).
    REDIS_HEALING: dict[str, Any] = {
        "health_check_interval": 15,
        "retry_on_error": [redis.ConnectionError, redis.TimeoutError],
    }
    # The pub/sub layer costs about half the CPU per delivery of the default
    # layer on this stack and never silently drops at a `capacity`. redis-py 8
    # defaults to a 5 s socket timeout, which kills idle subscribers: disable it
    # (keepalive finds dead peers) and size the pool on purpose.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": None,
                        "socket_connect_timeout": 5,
                        "socket_keepalive": True,
                        "max_connections": 64,
                        "retry_on_timeout": True,
                        **REDIS_HEALING,
                    }
                ],
                "prefix": CHANNEL_PREFIX,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "community.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_PREFIX,
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5, **REDIS_HEALING},
        }
    }
    # Sessions live in the database, read through the cache: a Redis restart (or a
    # Redis without persistence) signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    # The in-memory layer silently drops group messages for a socket whose inbox
    # holds `capacity` (default 100): a busy room's burst passes that. A socket that
    # truly falls behind is told to sync by the consumer's lag check instead.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 5000},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Tasks and email -----------------------------------------------------------
if env_bool("TASKS_DB", False):
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", "587")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Hearth <hello@hearth.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts ------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"  # mail through django.tasks
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "community.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Hearth: "
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/300s/key",
    "signup": "10/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Hearth"
# A passkey signs a member in on its own; a security key also serves as a second
# step beside TOTP. Signing up stays email-first so the address is verified.
MFA_PASSKEY_LOGIN_ENABLED = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# --- Security headers ----------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # allauth shows the TOTP QR code as a data: SVG.
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Static files, i18n --------------------------------------------------------
STATIC_URL = "/static/"
# Where collectstatic writes and WhiteNoise serves from (the image builds it in place).
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Without collectstatic (development, tests), WhiteNoise serves from the source folders.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LANGUAGE_CODE = "en"
# The languages Hearth is written in: a person's own choice (Settings), else their
# browser's, else English (community/languages.py).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The footer's switcher keeps a visitor's choice for a year (a signed-in person's is
# kept on their account too).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Safety -------------------------------------------------------------------
# "Leave quickly" replaces the page with this one (Back does not return): an ordinary
# page that says nothing about the person. Another site on purpose: the referrer
# policy above sends it no address of ours.
HEARTH_QUICK_EXIT_URL = os.environ.get(
    "QUICK_EXIT_URL", "https://www.google.com/search?q=weather+today"
)

# --- Chat limits ---------------------------------------------------------------
HEARTH_CHAT: dict[str, Any] = {
    "MAX_BODY": 4000,
    # The room closes (4413) a text frame over this many bytes of UTF-8; the servers'
    # own cap is higher, so that under uvicorn and daphne alike the room is what closes.
    "MAX_FRAME_BYTES": 16 * 1024,
    "SERVER_FRAME_BYTES": 64 * 1024,
    "HISTORY_PAGE": 50,
    "SYNC_CAP": 500,
    # Token bucket per member: a burst of `BURST`, refilled at `RATE` per second.
    "RATE": float(os.environ.get("CHAT_RATE", "1.0")),
    "BURST": int(os.environ.get("CHAT_BURST", "8")),
    # Frames refused in a row within a short window before a socket is closed.
    "FLOOD_LIMIT": 40,
    "EDIT_WINDOW_SECONDS": 15 * 60,
    # A socket whose events arrive this many seconds late is told to sync once
    # (`sync.needed`) and its waiting events are dropped.
    "MAX_LAG_SECONDS": 15.0,
    # Every open room socket re-reads its standing (account, session, membership)
    # at least this often, in case a revocation's signal was lost (docs/security.md).
    "RECHECK_SECONDS": float(os.environ.get("CHAT_RECHECK_SECONDS", "30")),
    # Every open room socket hears its room's numbers this often, so a quiet room
    # notices a broadcast the channel layer lost (groups/heartbeat.py).
    "HEARTBEAT_SECONDS": float(os.environ.get("CHAT_HEARTBEAT_SECONDS", "30")),
    # With Redis, a process holding more than (1 + BALANCE_SLACK) times the mean of
    # the live processes' room sockets, and BALANCE_MIN more than the mean, sends a
    # quarter of the excess elsewhere on each heartbeat (groups/balance.py).
    "BALANCE_SLACK": float(os.environ.get("CHAT_BALANCE_SLACK", "0.5")),
    "BALANCE_MIN": int(os.environ.get("CHAT_BALANCE_MIN", "50")),
    # Close (4503) a socket with this many events waiting for it (a client that
    # stopped reading): it resyncs from the database when it comes back.
    "MAX_OUTBOX": 1000,
}

# `runserver` (daphne) caps WebSocket frames as bin/serve (uvicorn) does.
DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE = HEARTH_CHAT["SERVER_FRAME_BYTES"]
DAPHNE_WEBSOCKET_MAX_FRAME_SIZE = HEARTH_CHAT["SERVER_FRAME_BYTES"]

# --- Metrics -------------------------------------------------------------------
# /metrics (community/metrics.py) answers a request with `Authorization: Bearer
# <HEARTH_METRICS_TOKEN>`, or from one of HEARTH_METRICS_NETWORKS (comma-separated,
# e.g. `10.0.0.0/8`); with neither set it is a 404. Loopback is not trusted by itself.
HEARTH_METRICS_TOKEN = os.environ.get("HEARTH_METRICS_TOKEN", "").strip()
HEARTH_METRICS_NETWORKS = env_list("HEARTH_METRICS_NETWORKS")
if HEARTH_METRICS_TOKEN and len(HEARTH_METRICS_TOKEN) < 16:
    sys.exit("Hearth: HEARTH_METRICS_TOKEN must be at least 16 characters long.")
for _network in HEARTH_METRICS_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        sys.exit(f"Hearth: HEARTH_METRICS_NETWORKS has {_network!r}, which is not a network.")

# --- Logging: no message text, group names, emails or addresses, ever ---------
# JSON lines in production, plain lines in development (LOG_FORMAT overrides);
# community/logs.py scrubs every line on its way out.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "") or ("plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    sys.exit("Hearth: LOG_FORMAT must be json or plain.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"()": "community.logs.PlainFormatter"},
        "json": {"()": "community.logs.JsonFormatter"},
    },
    "filters": {
        # Some libraries' debug lines print what they carry: the template engine the
        # whole context (group names and all), redis-py every pub/sub payload (message
        # text). Never let those through, whatever the level.
        "no_debug": {"()": lambda: lambda record: record.levelno > 10},
        "redact": {"()": "community.logs.Redact"},
        "request_id": {"()": "community.logs.RequestId"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (a console for DEBUG, mail to ADMINS) off: its lines and
        # Python's warnings go through the one handler above, formatted and scrubbed.
        "django": {"level": "INFO"},
        "py.warnings": {"handlers": ["console"], "propagate": False},
        "django.template": {"filters": ["no_debug"]},
        "push_response": {"filters": ["no_debug"]},
        # Request URLs carry group slugs; keep Django's own access lines out of the logs
        # (community/observe.py writes one per request, naming the view, not the path).
        "django.request": {"level": "ERROR"},
        "django.channels.server": {"level": "ERROR"},  # its 4xx lines: client and path
        "daphne.server": {"level": "WARNING"},
        # uvicorn's line for each WebSocket handshake names the client and the group.
        "community.wsprotocol": {"level": "WARNING"},
        # uvicorn's own lines (a worker starting, an invalid request) in the same
        # format and through the same filters, once a worker has loaded the site.
        "uvicorn": {"handlers": ["console"], "propagate": False},
        "uvicorn.access": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
