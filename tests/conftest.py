"""Fixtures shared by the whole suite.

- Fast password hashing, a clean cache before every test, mail in `mail.outbox`.
- A test database per pytest process, so two runs in one checkout never collide.
- Under REDIS_URL the cache and channel layer use the tests' own Redis database
  number and a prefix unique to this run (see tests/services.py); nothing a
  developer's running site stores is touched.
- `require_postgres`, `require_redis`, `require_browser`: fixtures (and the
  markers `postgres`, `redis`, `e2e`) that skip when the service is missing and
  fail instead when CI is set.
- `two_servers`: two server processes shared by a module (tests/multiprocess.py).
- People: `make_user`, `user`, `organizer`, `user_client`, `organizer_client`.
- `lose_next_message`: the channel layer fails once, for the next `message.new`.
- `consumer_clock`: the chat consumer's clock, moved on by the test instead of a sleep.
- The flush that ends a transactional test puts back post_migrate's rows instead of
  rebuilding them (content types, permissions).
"""

import copy
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from tests import services

if TYPE_CHECKING:
    from community.models import User
    from tests.clock import MovableClock

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Argon2 is deliberately slow; tests hash many passwords.
    settings.PASSWORD_HASHERS = FAST_HASHERS
    if getattr(settings, "REDIS_URL", ""):
        url = services.redis_test_url(settings.REDIS_URL)
        caches = copy.deepcopy(settings.CACHES)
        caches["default"].update(
            BACKEND="tests.redis_cache.IsolatedRedisCache",
            LOCATION=url,
            KEY_PREFIX=services.REDIS_TEST_PREFIX,
        )
        settings.CACHES = caches
        layers: dict[str, Any] = copy.deepcopy(settings.CHANNEL_LAYERS)
        config_ = layers["default"].setdefault("CONFIG", {})
        config_["prefix"] = services.REDIS_TEST_PREFIX
        for host in config_.get("hosts", []):
            if isinstance(host, dict):
                host["address"] = url
        settings.CHANNEL_LAYERS = layers


def pytest_unconfigure(config: pytest.Config) -> None:
    from django.conf import settings

    if getattr(settings, "REDIS_URL", ""):
        try:
            services.delete_redis_prefix(
                services.redis_test_url(settings.REDIS_URL), services.REDIS_TEST_PREFIX
            )
        except Exception as error:  # Redis gone at the end of a run: say so, do not mask results
            print(f"Could not delete this run's Redis keys: {error}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The fault scenarios' figures (tests/faults/), so CI's output shows them."""
    from tests.faults.members import FIGURES

    for name, figures in FIGURES:
        terminalreporter.write_line(f"{name}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("faults") and not services.in_ci():
        pytest.skip("fault scenarios start and stop private servers: they run in CI (.ci/run)")
    if item.get_closest_marker("postgres"):
        services.require_postgres()
    if item.get_closest_marker("redis"):
        services.require_redis()
    if item.get_closest_marker("e2e"):
        services.require_browser()


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """Give this pytest process its own test database (two runs may share a checkout)."""
    from django.conf import settings

    suffix = f"p{os.getpid()}"
    for db in settings.DATABASES.values():
        test = db.setdefault("TEST", {})
        name = test.get("NAME")
        if not name:
            if db["ENGINE"] == "django.db.backends.sqlite3":
                continue  # an in-memory database is private already
            name = f"test_{db['NAME']}"
        if name != ":memory:":
            test["NAME"] = f"{name}_{suffix}"


@pytest.fixture(scope="session", autouse=True)
def _no_connection_outlives_the_run(
    django_db_setup: None, django_db_blocker: Any
) -> Iterator[None]:
    """Before the test database is dropped, give back what worker threads still hold
    (a socket closed by a test's last moments may have queried after its teardown)."""
    yield
    with django_db_blocker.unblock():
        give_back_worker_threads_connections()


@pytest.fixture(scope="session", autouse=True)
def _flush_puts_back_what_post_migrate_made() -> Iterator[None]:
    """A transactional test ends with Django's `flush`, which then sends post_migrate
    again: content types and permissions rebuilt model by model (0.06 s a test on a
    quiet machine, 0.3 s on a loaded one).
    The first flush of the run does it for real and remembers the rows it made; each
    later flush puts exactly those rows back (same ids) in one insert a table."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.commands import flush
    from django.core.management.sql import emit_post_migrate_signal as real
    from django.db import transaction

    made: dict[str, list[tuple[Any, list[Any]]]] = {}

    def emit(verbosity: int, interactive: bool, db: str, **kwargs: Any) -> None:
        if db not in made:
            real(verbosity, interactive, db, **kwargs)
            models = apps.get_models(include_auto_created=True)
            rows = [(model, list(model._base_manager.using(db).all())) for model in models]
            made[db] = [(model, objects) for model, objects in rows if objects]
            return
        with transaction.atomic(using=db):  # foreign keys are checked at the commit
            for model, objects in made[db]:
                model._base_manager.using(db).bulk_create(objects)
        ContentType.objects.clear_cache()

    with pytest.MonkeyPatch.context() as patch:  # the name flush.py calls
        patch.setattr(flush, "emit_post_migrate_signal", emit)
        yield


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Start every test with an empty cache: rate limits and sessions live there."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _site_language_after_each_test() -> Iterator[None]:
    """A test client's request leaves its reader's language active in this thread
    (LocaleMiddleware activates and never deactivates), so a test after a Spanish
    page would read Spanish refusals: every test starts from the site's language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _close_connections_left_in_asgiref_thread() -> Iterator[None]:
    """Close database connections a test opened through `sync_to_async`.

    Async tests (and Channels consumers) run ORM calls in asgiref's single shared
    worker thread, whose connections outlive the test: the next test would find
    one (Channels tidies them on every event), and PostgreSQL could not drop the
    test database at the end of the run while a connection stays checked out.
    """
    yield
    give_back_worker_threads_connections()


def give_back_worker_threads_connections() -> None:
    """Close what asgiref's shared thread holds and, on PostgreSQL, what the sockets'
    own pool of database threads holds (community/offloop.py)."""
    from asgiref.sync import SyncToAsync
    from django.conf import settings
    from django.db import connections

    from community import offloop

    executor = SyncToAsync.single_thread_executor
    if getattr(executor, "_threads", True):
        executor.submit(connections.close_all).result(timeout=30)
    if settings.IS_POSTGRES:
        _give_back_socket_threads_connections(offloop)


def _give_back_socket_threads_connections(offloop: Any) -> None:
    """Close what each of the sockets' database threads holds (one task per thread)."""
    from threading import Barrier

    from django.conf import settings
    from django.db import connections

    barrier = Barrier(settings.DB_THREADS, timeout=30)

    def close_here() -> None:
        connections.close_all()
        barrier.wait()  # hold this thread so each task lands on a different one

    tasks = [offloop._executor.submit(close_here) for _ in range(settings.DB_THREADS)]
    for future in tasks:
        future.result(timeout=60)


@pytest.fixture
def require_postgres() -> None:
    services.require_postgres()


@pytest.fixture
def require_redis() -> str:
    return services.require_redis()


@pytest.fixture
def require_browser() -> str:
    return services.require_browser()


@pytest.fixture(scope="module")
def two_servers(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> Iterator[list[Any]]:
    """Two uvicorn processes on this run's test database and Redis (both required),
    shared by the module that asks. The module may set `SERVERS_ENV` (their extra
    environment) and `NOT_IN_LOGS` (text that must never reach their logs)."""
    from tests.multiprocess import server_env, two_shared_servers

    extra: dict[str, str] | None = getattr(request.module, "SERVERS_ENV", None)
    secrets: tuple[str, ...] = getattr(request.module, "NOT_IN_LOGS", ())
    env = server_env(**extra) if extra else None
    yield from two_shared_servers(django_db_blocker, *secrets, env=env)


@pytest.fixture
def make_user(db: None) -> Callable[..., object]:
    """Return the factory for verified people: `make_user(email=..., display_name=...)`."""
    from tests.factories import make_user as factory

    return factory


@pytest.fixture
def user(db: None) -> "User":
    """A verified member of the site (no groups yet)."""
    from tests.factories import make_user

    return make_user(email="mara@hearth.test", display_name="Mara")


@pytest.fixture
def organizer(db: None) -> "User":
    """A verified organizer."""
    from tests.factories import make_organizer

    return make_organizer(email="olive@hearth.test")


@pytest.fixture
def user_client(client: Client, user: "User") -> Client:
    """A test client signed in as `user`."""
    client.force_login(user)
    return client


@pytest.fixture
def organizer_client(client: Client, organizer: "User") -> Client:
    """A test client signed in as `organizer`."""
    client.force_login(organizer)
    return client


@pytest.fixture
def consumer_clock(monkeypatch: pytest.MonkeyPatch) -> "MovableClock":
    """The chat consumer's monotonic clock, which the test moves on instead of sleeping:
    `consumer_clock.advance(2.05)` (tests/clock.py)."""
    from groups import consumers
    from tests.clock import MovableClock

    clock = MovableClock()
    monkeypatch.setattr(consumers, "time", clock)
    return clock


@pytest.fixture
def lose_next_message(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Make the channel layer fail (as a Redis hiccup would) for the next `message.new`."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    real_send = layer.group_send
    lost = {"count": 0}

    async def flaky_send(group: str, message: dict[str, Any]) -> None:
        if not lost["count"] and '"type":"message.new"' in message.get("text", ""):
            lost["count"] += 1
            raise ConnectionError("channel layer unavailable")
        await real_send(group, message)

    monkeypatch.setattr(layer, "group_send", flaky_send)
    return lost
