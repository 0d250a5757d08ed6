"""Who is in a room right now: shared through Redis, expiring when a process dies.

Each open socket holds an entry. One task per process (per event loop) refreshes
all of that process's entries together every `REFRESH` seconds, rather than one
timer per socket. An entry whose process died is not removed by anyone; it
simply expires after `TTL` seconds. Without Redis (the embedded default) a
process-local table does the same job.
"""

import asyncio
import logging
import time
from typing import Any

from django.conf import settings

from community.perloop import per_loop

log = logging.getLogger(__name__)
TTL = 70.0  # seconds an entry lives without a refresh
REFRESH = 25.0  # how often each process refreshes its entries
# Redis connections presence may hold per process: enough for bursts, bounded so
# that a thousand sockets closing at once wait their turn instead of failing.
MAX_CONNECTIONS = 16


class _OnLoop:
    """What presence keeps for one event loop: its sockets' entries and their refresher."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[int, int]] = {}  # channel -> (group, member)
        self.refresher: asyncio.Task | None = None


class Presence:
    """Entries of this process's sockets, refreshed together by one task per loop."""

    def __init__(self) -> None:
        # Per event loop (tests and servers may run several): community/perloop.py.
        self._on_loop = per_loop(_OnLoop)

    async def enter(self, group_id: int, member_id: int, channel: str) -> None:
        here = self._on_loop()
        here.entries[channel] = (group_id, member_id)
        if here.refresher is None or here.refresher.done():
            here.refresher = asyncio.get_running_loop().create_task(self._keep_fresh(here.entries))
        await self._store([(group_id, member_id, channel)])

    async def leave(self, group_id: int, member_id: int, channel: str) -> None:
        self._on_loop().entries.pop(channel, None)
        await self._remove(group_id, member_id, channel)

    async def _keep_fresh(self, entries: dict[str, tuple[int, int]]) -> None:
        while True:
            await asyncio.sleep(REFRESH)
            if not entries:
                continue
            try:
                await self._store([(g, m, c) for c, (g, m) in list(entries.items())])
            except Exception:  # Redis away: entries expire, and return on the next round
                log.warning("presence refresh failed", exc_info=True)

    async def here(self, group_id: int) -> set[int]:
        raise NotImplementedError

    async def _store(self, entries: list[tuple[int, int, str]]) -> None:
        raise NotImplementedError

    async def _remove(self, group_id: int, member_id: int, channel: str) -> None:
        raise NotImplementedError


class MemoryPresence(Presence):
    def __init__(self) -> None:
        super().__init__()
        self._rooms: dict[int, dict[str, tuple[int, float]]] = {}

    async def _store(self, entries: list[tuple[int, int, str]]) -> None:
        expires = time.time() + TTL
        for group_id, member_id, channel in entries:
            self._rooms.setdefault(group_id, {})[channel] = (member_id, expires)

    async def _remove(self, group_id: int, member_id: int, channel: str) -> None:
        self._rooms.get(group_id, {}).pop(channel, None)

    async def here(self, group_id: int) -> set[int]:
        now = time.time()
        room = self._rooms.get(group_id, {})
        for channel in [c for c, (_, expires) in room.items() if expires <= now]:
            room.pop(channel, None)
        return {member for member, _ in room.values()}


class RedisPresence(Presence):
    """A sorted set per room: member `<membership>:<channel>`, score = expiry time."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        self._url = url
        self._prefix = prefix
        # One client per event loop: a redis.asyncio connection belongs to its loop.
        self._client = per_loop(self._connect)

    def _connect(self) -> Any:
        import redis.asyncio as redis

        # Healing as the cache's connections do (settings.REDIS_HEALING): after a
        # Redis restart a stale connection is checked or retried once, not failed.
        pool = redis.BlockingConnectionPool.from_url(
            self._url,
            max_connections=MAX_CONNECTIONS,
            timeout=10,
            socket_timeout=5,
            health_check_interval=15,
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        )
        return redis.Redis(connection_pool=pool)

    def _key(self, group_id: int) -> str:
        return f"{self._prefix}:presence:{group_id}"

    async def _store(self, entries: list[tuple[int, int, str]]) -> None:
        expires = time.time() + TTL
        async with self._client().pipeline(transaction=False) as pipe:
            for group_id, member_id, channel in entries:
                pipe.zadd(self._key(group_id), {f"{member_id}:{channel}": expires})
            for group_id in {group_id for group_id, _, _ in entries}:
                pipe.expire(self._key(group_id), int(TTL) * 2)
            await pipe.execute()

    async def _remove(self, group_id: int, member_id: int, channel: str) -> None:
        await self._client().zrem(self._key(group_id), f"{member_id}:{channel}")

    async def here(self, group_id: int) -> set[int]:
        key = self._key(group_id)
        async with self._client().pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", time.time())
            pipe.zrange(key, 0, -1)
            _, entries = await pipe.execute()
        return {int(entry.split(b":", 1)[0]) for entry in entries}


_presence: Presence | None = None


def get_presence() -> Presence:
    global _presence
    if _presence is None:
        # Presence lives beside the shared cache (same Redis database and prefix).
        cache: dict[str, Any] = settings.CACHES["default"]
        if "redis" in str(cache["BACKEND"]).lower():
            _presence = RedisPresence(
                str(cache["LOCATION"]), str(cache.get("KEY_PREFIX", "hearth"))
            )
        else:
            _presence = MemoryPresence()
    return _presence
