"""Running write paths at the same instant, each in its own thread and connection."""

import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from groups.models import Group


def run_at_once(
    calls: list[Callable[[], Any]], *, lock_group: int | None = None, timeout: float = 30
) -> list[Any]:
    """Run `calls` in threads released together; return each result or exception.

    With `lock_group`, another connection holds that group's row lock (and on SQLite
    the write lock) while the threads start, so every call is provably waiting for
    the same seat before any of them proceeds.
    """
    gate = lock_group is not None
    barrier = threading.Barrier(len(calls) + (1 if gate else 0))
    results: list[Any] = [None] * len(calls)
    locked, release = threading.Event(), threading.Event()

    def call(index: int, fn: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = fn()
        except Exception as error:  # each outcome is checked by the test
            results[index] = error
        finally:
            connection.close()

    def hold_the_lock() -> None:
        assert lock_group is not None
        try:
            with transaction.atomic():
                Group.objects.select_for_update().get(pk=lock_group)
                locked.set()
                barrier.wait(timeout=10)
                release.wait(timeout=timeout)
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(i, fn)) for i, fn in enumerate(calls)]
    gatekeeper = threading.Thread(target=hold_the_lock)
    if gate:
        gatekeeper.start()
        assert locked.wait(timeout=10)
    for thread in threads:
        thread.start()
    if gate:
        time.sleep(0.5)  # real: that they still wait after a while is what is asserted
        assert all(t.is_alive() for t in threads), "everyone should be waiting for the seat"
        release.set()
        gatekeeper.join(timeout=timeout)
    for thread in threads:
        thread.join(timeout=timeout)
        assert not thread.is_alive(), "a contender never finished: deadlock?"
    return results
