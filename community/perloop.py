"""One object per running event loop: a server has one loop per process; tests make a loop each.

Process-wide state that holds asyncio objects (tasks, futures, layer channels)
belongs to one loop; a new loop (each test gets one) must not find the last
loop's. Kept by weak reference, so a closed loop takes its object with it (unless
the object's own task keeps the loop alive, as presence's refresher does: one
object per test loop, never more than one in a server).
"""

import asyncio
import weakref
from collections.abc import Callable


def per_loop[T](make: Callable[[], T]) -> Callable[[], T]:
    """A getter returning this loop's `make()`, made on first use."""
    made: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = weakref.WeakKeyDictionary()

    def get() -> T:
        loop = asyncio.get_running_loop()
        found = made.get(loop)
        if found is None:
            found = made[loop] = make()
        return found

    return get
