"""Database work for sockets: off the event loop, and off one shared thread.

channels' `database_sync_to_async` is thread-sensitive by default: every call of
a process runs on one thread, so one slow commit holds up every socket of that
process (measured in docs/performance.md: p99 in seconds at 30 msg/s). On
PostgreSQL, calls run on a small process-wide pool of threads instead; each call
borrows a connection from Django's psycopg pool and gives it back when it ends
(channels closes it, and CONN_MAX_AGE is 0). The pool is process-wide, not the
event loop's default executor, so a new event loop (each test gets one) never
strands threads holding connections. SQLite allows one writer at a time, so
there the single thread stays.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

_executor = ThreadPoolExecutor(max_workers=settings.DB_THREADS, thread_name_prefix="hearth-db")


def db_call(function: Callable[..., Any]) -> Any:
    """`function` as an awaitable that runs where database work belongs."""
    if settings.IS_POSTGRES:
        return database_sync_to_async(function, thread_sensitive=False, executor=_executor)
    return database_sync_to_async(function)


def close_connections() -> None:
    """Give back every connection the pool's threads hold (tests, before dropping a database)."""
    from threading import Barrier

    from django.db import connections

    threads = settings.DB_THREADS
    barrier = Barrier(threads, timeout=30)

    def close_here() -> None:
        connections.close_all()
        barrier.wait()  # hold this thread so each task lands on a different one

    for future in [_executor.submit(close_here) for _ in range(threads)]:
        future.result(timeout=60)
