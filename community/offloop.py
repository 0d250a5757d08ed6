"""Database work for sockets: off the event loop, and off one shared thread.

channels' `database_sync_to_async` is thread-sensitive by default: every call of
a process runs on one thread, so one slow commit holds up every socket of that
process (measured in docs/performance.md: p99 in seconds at 30 msg/s). On
PostgreSQL, calls run on a small process-wide pool of threads instead, and each
of those threads keeps its connection from one call to the next: borrowing it
from Django's psycopg pool and giving it back around every call (what channels
does, as CONN_MAX_AGE is 0) cost 0.14 ms of a 1 ms chat send. A connection that
failed, or was left inside a transaction, is closed after the call and the next
call opens a new one. The pool is process-wide, not the event loop's default
executor, so a new event loop (each test gets one) never strands threads
holding connections. SQLite allows one writer at a time, so there the single
thread stays.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connections

_executor = ThreadPoolExecutor(max_workers=settings.DB_THREADS, thread_name_prefix="hearth-db")


class _KeepConnection(SyncToAsync):
    """Run on the pool's threads, keeping each thread's connection while it is sound."""

    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            for connection in connections.all(initialized_only=True):
                if connection.connection is None:
                    continue
                if connection.errors_occurred:  # a refused duplicate, or a dead server?
                    connection.errors_occurred = not connection.is_usable()
                if connection.errors_occurred or not connection.get_autocommit():
                    connection.close()


def db_call(function: Callable[..., Any]) -> Any:
    """`function` as an awaitable that runs where database work belongs."""
    if settings.IS_POSTGRES:
        return _KeepConnection(function, thread_sensitive=False, executor=_executor)
    return database_sync_to_async(function)
