"""Browser tests: Playwright's sync API driving Debian's Chromium against a live ASGI server.

Every test under tests/e2e/ is marked `e2e`; `make test` runs them in their own
pytest process (`pytest -m e2e tests/e2e`), because Playwright's sync API and
pytest-asyncio's event loops do not share a process.

Fixtures:
- `server`: the live uvicorn server (tests/live_server.py) with this test's data
  committed (`transactional_db`); `server.restart()` simulates a deploy.
- `browser`: one headless Chromium for the session.
- `page`: a fresh browser context and page with `base_url` set, so
  `page.goto("/crisis/")` works. `new_page()` opens another context (a second
  person, say, for a chat between two browsers).
- `circle`: a group of two members (no facilitator), committed for the live server;
  a module that needs other people defines its own `circle`.
- `browser_errors`: console errors and uncaught exceptions of every page; the
  test fails if any are left at the end (that is how a Content-Security-Policy
  violation shows up). A test that expects one (a socket dropped by a restart)
  removes it from the list.

Every page opened here routes every request it makes: anything addressed to a
host other than the live server is refused and reported in `browser_errors`, so
a page that would reach a third party (a font, a CDN, a tracker) fails its test.
`open_page()` gives the same page to fixtures that keep their own data for a
whole module (and so cannot use `server`, which empties the database after
each test).
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.live_server import LiveServer
from tests.services import CHROMIUM_ARGS, require_browser

E2E_DIR = Path(__file__).resolve().parent
DEFAULT_TIMEOUT_MS = 10_000


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's, but always with the test database, and dropped cleanly.

    pytest-django creates it only when a selected test asks for `db` or
    `transactional_db`. A browser test that keeps a module's data with
    `django_db_blocker` asks for neither, yet its live server must never touch the
    developer's own database: if the test database was not set up, set it up here.
    At the end, the live server's pooled PostgreSQL sessions are closed first, or
    the database could not be dropped.
    """
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    test_name = connection.creation._get_test_db_name()  # type: ignore[attr-defined]
    created = None
    if connection.settings_dict["NAME"] != test_name:
        with django_db_blocker.unblock():
            created = setup_databases(
                verbosity=0,
                interactive=False,
                aliases={"default"},  # type: ignore[arg-type]  # a set of aliases, as Django's runner passes
            )
    yield
    with django_db_blocker.unblock():
        end_other_sessions(connection)
        if created is not None:
            teardown_databases(created, verbosity=0)


def end_other_sessions(connection: Any) -> None:
    """Close the pool and end every other session on the PostgreSQL test database."""
    if connection.vendor != "postgresql":
        return
    if hasattr(connection, "close_pool"):
        connection.close_pool()
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        )


@pytest.fixture(scope="session")
def asgi_server(django_db_setup: None) -> Iterator[LiveServer]:
    """The session's live server (started once; tests may stop and restart it)."""
    server = LiveServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(asgi_server: LiveServer, transactional_db: None) -> Iterator[LiveServer]:
    """The live server, running, for a test whose writes are committed."""
    asgi_server.start()  # a previous test may have stopped it
    yield asgi_server
    asgi_server.start()


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[Any]:
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop registered as running on the main
    # thread, so Django would refuse the test's own (synchronous) ORM calls. Allow
    # them only while the browser exists: the unit-test process never starts one
    # and keeps Django's guard against ORM calls from async code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def circle(server: LiveServer) -> dict[str, Any]:
    from tests.chat.conftest import make_room

    return make_room(members=2, facilitators=0)


@pytest.fixture
def browser_errors() -> Iterator[list[str]]:
    """Errors the pages reported; must be empty (or emptied by the test) at the end."""
    problems: list[str] = []
    yield problems
    assert problems == [], "the browser reported errors (CSP violations show up here)"


def guard_requests(context: Any, base_url: str, problems: list[str]) -> None:
    """Refuse, and report in `problems`, every request to a host other than `base_url`'s."""
    here = urlsplit(base_url).netloc

    def check(url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"} or parts.netloc == here:
            return True
        problems.append(f"request to another host: {url}")
        return False

    def route(route: Any) -> None:
        if check(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    context.route("**/*", route)
    context.on("page", lambda page: page.on("websocket", lambda ws: check(ws.url)))


def open_page(browser: Any, base_url: str, problems: list[str], **context_options: Any) -> Any:
    """A page in a new browser context (its own cookies), watched for errors and other hosts."""
    context = browser.new_context(base_url=base_url, **context_options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    guard_requests(context, base_url, problems)
    page = context.new_page()
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return page


@pytest.fixture
def new_page(
    browser: Any, server: LiveServer, browser_errors: list[str]
) -> Iterator[Callable[..., Any]]:
    """Return a factory for pages, each in its own browser context (its own cookies)."""
    contexts = []

    def factory(**context_options: Any) -> Any:
        page = open_page(browser, server.url, browser_errors, **context_options)
        contexts.append(page.context)
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    """A fresh page in its own browser context."""
    return new_page()
