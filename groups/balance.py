"""Balance after a crash: a process holding far more than its share of room sockets sends some on.

When a worker dies, its clients reconnect to the workers still there, and stay
there after it is back. So on each heartbeat (groups/heartbeat.py) every process
writes its open room sockets to one Redis hash, with the time, and reads the
others'. Counting only processes heard from within the last three beats, a
process holding more than (1 + `BALANCE_SLACK`) times the mean, and at least
`BALANCE_MIN` sockets more than the mean, closes a random quarter of that excess
with 4503 "rebalance; retry after 1"; each client waits that second plus its
random wait and reconnects, wherever the load balancer (or the kernel, with
uvicorn's workers on one socket) sends it, and syncs. The next beat looks again.
Only with Redis: the embedded site runs one process.

A process counts itself from its first request (`start_counting`), so a worker
that comes back empty is part of the mean before its first socket arrives.
"""

import logging
import math
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from django.conf import settings

from community.perloop import per_loop
from groups.closes import CLOSE_TRY_AGAIN

log = logging.getLogger(__name__)
SHARE = 0.25  # of the excess, closed at most per beat
LIVE_BEATS = 3  # a process not heard from in this many beats is gone
RETRY = 1  # seconds a client is asked to wait (the close's reason)
REASON = f"rebalance; retry after {RETRY}"


class Closable(Protocol):
    async def shut(self, code: int, reason: str = "") -> None: ...


def enabled() -> bool:
    return bool(getattr(settings, "REDIS_URL", ""))


def to_close(mine: int, counts: list[int]) -> int:
    """How many of `mine` sockets to send on, given every live process's count (mine too)."""
    mean = sum(counts) / len(counts)
    excess = mine - mean
    slack = float(settings.HEARTH_CHAT["BALANCE_SLACK"])
    if mine <= (1 + slack) * mean or excess < int(settings.HEARTH_CHAT["BALANCE_MIN"]):
        return 0
    return math.ceil(excess * SHARE)


class Balance:
    """This process's line in the shared count, and what it closes when far above the mean."""

    def __init__(self) -> None:
        import redis.asyncio as redis

        cache: dict[str, Any] = settings.CACHES["default"]
        self.key = f"{cache.get('KEY_PREFIX', 'hearth')}:balance"
        self.me = uuid.uuid4().hex
        self.redis = redis.Redis.from_url(
            str(cache["LOCATION"]), socket_timeout=5, health_check_interval=15
        )

    async def tick(self, sockets: list[Closable]) -> int:
        """Write this process's count, read the others', close the excess's share."""
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(self.key, self.me, f"{len(sockets)} {now}")
            pipe.hgetall(self.key)
            _, lines = await pipe.execute()
        counts, gone = [], []
        oldest = now - LIVE_BEATS * float(settings.HEARTH_CHAT["HEARTBEAT_SECONDS"])
        for process, line in lines.items():
            count, at = line.split()
            if float(at) < oldest:
                gone.append(process)
            else:
                counts.append(int(count))
        if gone:
            await self.redis.hdel(self.key, *gone)
        chosen = random.sample(sockets, min(len(sockets), to_close(len(sockets), counts)))
        for socket in chosen:
            await socket.shut(CLOSE_TRY_AGAIN, REASON)
        if chosen:
            log.info("sent %d of %d room sockets to other processes", len(chosen), len(sockets))
        return len(chosen)


Scope = dict[str, Any]
App = Callable[[Scope, Any, Any], Awaitable[None]]


def start_counting(app: App, start: Callable[[], None]) -> App:
    """`app`, calling `start()` on its first request in each event loop (when balancing)."""
    # Whether this event loop has started it (community/perloop.py).
    started = per_loop(lambda: [False])

    async def counted(scope: Scope, receive: Any, send: Any) -> None:
        mark = started()
        if not mark[0] and enabled():
            mark[0] = True
            start()
        await app(scope, receive, send)

    return counted
