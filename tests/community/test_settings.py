"""Settings are chosen by the environment: embedded by default, real in production.

Each environment a test names is read by a fresh process started with exactly it (once a run).
"""

import functools
import json

import pytest

from tests.processes import PRODUCTION_ENV, manage, run_python

REPORT = """
import json, django
django.setup()
from django.conf import settings
from django.core.cache import caches
from django.tasks import task_backends
from channels.layers import get_channel_layer

db = settings.DATABASES["default"]
layer = settings.CHANNEL_LAYERS["default"]
report = {
    "debug": settings.DEBUG,
    "engine": db["ENGINE"],
    "db_name": str(db["NAME"]),
    "conn_max_age": db["CONN_MAX_AGE"],
    "pool": db.get("OPTIONS", {}).get("pool"),
    "layer": layer["BACKEND"],
    "layer_class": type(get_channel_layer()).__name__,
    "cache": type(caches["default"]).__module__ + "." + type(caches["default"]).__name__,
    "cache_location": getattr(caches["default"], "_servers", None),
    "session_engine": settings.SESSION_ENGINE,
    "mailer": settings.MAILERS["default"]["BACKEND"],
    "tasks": type(task_backends["default"]).__name__,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "hsts": settings.SECURE_HSTS_SECONDS,
    "proxy_ssl_header": settings.SECURE_PROXY_SSL_HEADER,
    "static_storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "apps_daphne": "daphne" in settings.INSTALLED_APPS,
}
if layer["BACKEND"].startswith("channels_redis"):
    from channels_redis.utils import create_pool
    (host,) = layer["CONFIG"]["hosts"]
    pool = create_pool(host)  # exactly what the layer hands to redis-py
    report["layer_socket_timeout"] = pool.connection_kwargs.get("socket_timeout", "unset")
    report["layer_max_connections"] = pool.max_connections
    report["layer_address"] = host["address"]
print(json.dumps(report))
"""


def settings_for(**env: str) -> dict:
    """The settings a process started with `env` reads (each environment read once a run)."""
    return json.loads(_report(tuple(sorted(env.items()))))


@functools.cache
def _report(env: tuple[tuple[str, str], ...]) -> str:
    result = run_python(REPORT, env=dict(env))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_with_nothing_set_the_site_runs_embedded():
    report = settings_for()
    assert report["debug"] is True
    assert report["engine"] == "django.db.backends.sqlite3"
    assert report["db_name"].endswith("hearth.sqlite3")
    assert report["conn_max_age"] == 0
    assert report["layer"] == "channels.layers.InMemoryChannelLayer"
    assert report["layer_class"] == "InMemoryChannelLayer"
    assert report["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert report["mailer"] == "django.core.mail.backends.console.EmailBackend"
    assert report["tasks"] == "ImmediateBackend"
    assert "127.0.0.1" in report["allowed_hosts"]


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    report = settings_for(
        DATABASE_URL="postgres://hearth:pw@db.internal:5432/hearth",
        REDIS_URL="redis://cache.internal:6379/2",
    )
    assert report["engine"] == "django.db.backends.postgresql"
    assert report["db_name"] == "hearth"
    # Persistent connections are wrong under ASGI; the psycopg pool keeps them warm.
    assert report["conn_max_age"] == 0
    assert report["pool"] == dict(min_size=2, max_size=20, timeout=10.0, reconnect_timeout=1.0)
    assert report["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert report["layer_class"] == "RedisPubSubChannelLayer"
    assert report["layer_address"] == "redis://cache.internal:6379/2"
    # redis-py 8 would otherwise time idle subscribers out after 5 seconds.
    assert report["layer_socket_timeout"] is None
    assert report["layer_max_connections"] == 64
    assert report["cache"] == "community.cache.SharedRedisCache"
    assert report["cache_location"] == ["redis://cache.internal:6379/2"]
    # Rate limits live in the shared cache; sessions in the database, read through it.
    assert report["session_engine"] == "django.contrib.sessions.backends.cached_db"


def test_database_url_alone_keeps_the_in_memory_layer_and_sizes_the_pool():
    report = settings_for(
        DATABASE_URL="postgres://hearth@db.internal:5432/hearth",
        DB_POOL_MIN="1",
        DB_POOL_MAX="7",
        DB_POOL_TIMEOUT="2.5",
    )
    assert report["engine"] == "django.db.backends.postgresql"
    assert report["pool"] == dict(min_size=1, max_size=7, timeout=2.5, reconnect_timeout=1.0)
    assert report["layer"] == "channels.layers.InMemoryChannelLayer"
    assert report["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_email_host_switches_to_smtp_and_tasks_db_to_the_database_worker():
    report = settings_for(EMAIL_HOST="smtp.example.org", TASKS_DB="1")
    assert report["mailer"] == "django.core.mail.backends.smtp.EmailBackend"
    assert report["tasks"] == "DatabaseBackend"


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "Hearth: SECRET_KEY must be set when DEBUG is off."),
        ("ALLOWED_HOSTS", "Hearth: ALLOWED_HOSTS must be set (comma-separated) when DEBUG is off."),
    ],
)
def test_production_refuses_to_start_without_a_secret_key_or_allowed_hosts(missing, message):
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    # One line an operator can act on, no traceback.
    assert result.stderr.strip() == message
    assert result.stdout == ""


def test_production_settings_pass_the_deploy_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_checks_do_catch_a_console_mailer():
    # Proves the check above is live: without EMAIL_HOST mail would go nowhere.
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "EMAIL_HOST"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "mail.E001" in result.stderr


def test_production_settings_are_hardened():
    report = settings_for(**PRODUCTION_ENV)
    assert report["debug"] is False
    assert report["allowed_hosts"] == ["hearth.example"]
    assert report["ssl_redirect"] is True
    assert report["secure_cookies"] == [True, True]
    assert report["hsts"] >= 60 * 60 * 24 * 365
    assert report["proxy_ssl_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert report["static_storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert report["mailer"] == "django.core.mail.backends.smtp.EmailBackend"


WITHOUT_DAPHNE = """
import json, sys
for name in ("daphne", "autobahn", "twisted"):
    sys.modules[name] = None  # as in the production image, where none is installed
import django
django.setup()
from django.conf import settings
import community.asgi
from community.transport import CLIENT_GONE
print(json.dumps({
    "daphne": "daphne" in settings.INSTALLED_APPS,
    "gone": [kind.__name__ for kind in CLIENT_GONE],
    "asgi": type(community.asgi.application).__name__,
}))
"""


def test_production_runs_without_daphne_which_only_development_installs():
    result = run_python(WITHOUT_DAPHNE, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"daphne": False, "gone": ["OSError"], "asgi": report["asgi"]}
    # Installed here (the dev extra), it serves `runserver`.
    assert settings_for()["apps_daphne"] is True


def test_daphne_is_a_development_dependency_only():
    import tomllib

    from tests.processes import ROOT

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not [dep for dep in project["dependencies"] if dep.startswith("daphne")]
    assert [dep for dep in project["optional-dependencies"]["dev"] if dep.startswith("daphne")]
