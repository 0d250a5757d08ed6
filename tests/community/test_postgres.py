"""With DATABASE_URL set: PostgreSQL through Django's psycopg pool, never persistent connections.

Skipped without PostgreSQL, failed under CI.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection, connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_connections_come_from_the_pool_and_do_not_persist():
    assert connection.vendor == "postgresql"
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0
    pool = getattr(connection, "pool", None)  # PostgreSQL's backend only
    assert pool is not None
    assert pool.max_size == settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]


def test_many_concurrent_requests_share_a_bounded_number_of_server_connections():
    # Like an ASGI process with many requests in flight across threads: each one
    # borrows a connection and returns it when its request ends (CONN_MAX_AGE 0).
    max_size = connection.pool.max_size  # type: ignore[attr-defined]

    def request(_: int) -> int:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(0.02), pg_backend_pid()")
                return int(cursor.fetchone()[1])
        finally:
            connections.close_all()  # what the end of a request does

    with ThreadPoolExecutor(max_workers=max_size + 10) as pool:
        backends = set(pool.map(request, range(max_size * 4)))
    assert 1 <= len(backends) <= max_size
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        (open_connections,) = cursor.fetchone()
    # The pool holds its connections; nothing leaked beyond its size (+ this one).
    assert open_connections <= max_size + 1
