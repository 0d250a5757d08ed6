"""The sockets' database threads on PostgreSQL keep a sound connection between calls,
and never carry a broken one or an open transaction into the next call.

Skipped without PostgreSQL, failed under CI.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import DatabaseError, connection, connections

from community import offloop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def one_thread() -> Any:
    """A database call on a single thread of its own, so consecutive calls share it."""
    executor = ThreadPoolExecutor(max_workers=1)

    def call(function: Any) -> Any:
        return async_to_sync(
            offloop._KeepConnection(function, thread_sensitive=False, executor=executor)
        )()

    yield call
    executor.submit(connections.close_all).result(timeout=30)
    executor.shutdown()


def backend() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_consecutive_calls_on_a_thread_keep_its_connection(one_thread: Any) -> None:
    def still_open() -> bool:
        return connections["default"].connection is not None  # before any query

    first = one_thread(backend)
    assert one_thread(still_open)  # not given back to the pool in between
    assert one_thread(backend) == first


def test_a_failed_statement_does_not_spoil_the_next_call(one_thread: Any) -> None:
    def divide() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    with pytest.raises(DatabaseError):
        one_thread(divide)
    assert one_thread(backend) > 0


def test_a_transaction_left_open_is_not_carried_into_the_next_call(one_thread: Any) -> None:
    def leave_open() -> None:
        connection.set_autocommit(False)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def state() -> tuple[bool, bool]:
        return connection.get_autocommit(), connection.in_atomic_block

    one_thread(leave_open)
    assert one_thread(state) == (True, False)
