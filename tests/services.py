"""What the suite needs from the machine: PostgreSQL, Redis and a browser.

A test that needs one of them asks with `require_postgres()`, `require_redis()` or
`require_browser()` (or the fixtures and markers of the same names in
tests/conftest.py). When the service is missing the test is skipped, so the
embedded suite runs anywhere; when the environment variable CI is set it fails
instead, because CI must never pass by skipping.
"""

import os
import shutil
import uuid
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

import pytest

CHROMIUM = os.environ.get("HEARTH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Redis: tests never touch a developer's data. They use their own database number
# on the same server and a key/channel prefix unique to this pytest process, and
# delete only what carries that prefix. (Pub/sub channels ignore database numbers,
# so the prefix is what really keeps two runs apart.)
REDIS_TEST_DB = int(os.environ.get("HEARTH_TEST_REDIS_DB", "13"))
REDIS_TEST_PREFIX = f"hearth-test-{uuid.uuid4().hex[:10]}"


def in_ci() -> bool:
    """Return True when running under CI, where nothing may be skipped for lack of a service."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no", "off"}


def missing(service: str, how: str) -> NoReturn:
    """Skip the current test, or fail it under CI."""
    if in_ci():
        pytest.fail(f"CI requires {service}: {how}", pytrace=False)
    pytest.skip(f"needs {service} ({how})")


def redis_test_url(url: str) -> str:
    """Return `url` pointing at the tests' own Redis database number."""
    parts = urlsplit(url)
    current = parts.path.strip("/") or "0"
    db = REDIS_TEST_DB if current != str(REDIS_TEST_DB) else REDIS_TEST_DB + 1
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def require_postgres() -> None:
    """Skip (or fail under CI) unless the test database is PostgreSQL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        missing("PostgreSQL", "set DATABASE_URL=postgres://USER@HOST:5432/NAME")


def require_redis() -> str:
    """Return the tests' Redis URL; skip (or fail under CI) if Redis is not configured."""
    from django.conf import settings

    if not getattr(settings, "REDIS_URL", ""):
        missing("Redis", "set REDIS_URL=redis://HOST:6379/0")
    import redis

    url = redis_test_url(settings.REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        # REDIS_URL is set, so the whole site is configured to use it: a dead
        # server is a failure, not a reason to skip.
        pytest.fail(f"REDIS_URL is set but Redis does not answer: {error}", pytrace=False)
    finally:
        client.close()
    return url


def require_browser() -> str:
    """Return the Chromium path; skip (or fail under CI) without Playwright and Chromium."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("Playwright", "make venv (it installs requirements/dev.txt)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing("Chromium", f"apt-get install chromium (looked for {CHROMIUM})")
    return CHROMIUM


def delete_redis_prefix(url: str, prefix: str) -> int:
    """Delete every key under `prefix` in the Redis database at `url`; return how many."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        return client.delete(*keys) if keys else 0
    finally:
        client.close()
