"""Counting a page's queries: the helpers of the tests that pin a page's query count.

Each such test measures a page, grows the data, and measures again: the count must
not move (`assert_constant`), and it must be the exact number the test writes.
"""

from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

# Reading the session costs a query when sessions live in the database (embedded);
# with REDIS_URL they live in the cache.
SESSION = 1 if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db" else 0

# For someone who moderates, the navigation reads the safety queue's numbers in a
# second query (community/navigation.py); everyone else's navigation is one.
QUEUE = 1

Counted = tuple[int, list[str]]


def count_queries(client: Client, url: str) -> Counted:
    """GET `url` (it must answer 200): how many queries it ran, and their SQL."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries.captured_queries), [q["sql"] for q in queries.captured_queries]


def assert_constant(small: Counted, large: Counted, exact: int) -> None:
    """The count did not grow with the data, and it is exactly `exact`."""
    listing = "\n".join(large[1])
    assert small[0] == large[0], f"{small[0]} queries grew to {large[0]}:\n{listing}"
    assert large[0] == exact, f"expected {exact} queries, got {large[0]}:\n{listing}"


def signed_in(user: Any) -> Client:
    """A client signed in as `user` that has already made its first request."""
    client = Client()
    client.force_login(user)
    # The first request after signing in may rotate things; measure steady pages.
    client.get("/crisis/")
    return client
