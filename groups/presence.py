"""Who is in a room right now: shared through Redis, expiring when a process dies.

Each open socket holds an entry that it refreshes while alive. An entry whose
process died is not removed by anyone; it simply expires after `TTL` seconds.
Without Redis (the embedded default) a process-local table does the same job.
"""

import time
from typing import Any, Protocol

from django.conf import settings

TTL = 70.0  # seconds an entry lives without a refresh
REFRESH = 25.0  # how often a socket refreshes its entry


class Presence(Protocol):
    async def enter(self, group_id: int, member_id: int, channel: str) -> None: ...
    async def leave(self, group_id: int, member_id: int, channel: str) -> None: ...
    async def here(self, group_id: int) -> set[int]: ...


class MemoryPresence:
    def __init__(self) -> None:
        self._rooms: dict[int, dict[str, tuple[int, float]]] = {}

    async def enter(self, group_id: int, member_id: int, channel: str) -> None:
        self._rooms.setdefault(group_id, {})[channel] = (member_id, time.time() + TTL)

    async def leave(self, group_id: int, member_id: int, channel: str) -> None:
        self._rooms.get(group_id, {}).pop(channel, None)

    async def here(self, group_id: int) -> set[int]:
        now = time.time()
        room = self._rooms.get(group_id, {})
        for channel in [c for c, (_, expires) in room.items() if expires <= now]:
            room.pop(channel, None)
        return {member for member, _ in room.values()}


class RedisPresence:
    """A sorted set per room: member `<membership>:<channel>`, score = expiry time."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as redis

        self._url = url
        self._prefix = prefix
        self._redis = redis
        self._clients: dict[int, object] = {}

    def _client(self):
        # One client per event loop: tests and servers may run several loops.
        import asyncio

        loop_id = id(asyncio.get_running_loop())
        client = self._clients.get(loop_id)
        if client is None:
            client = self._redis.Redis.from_url(self._url, socket_timeout=5)
            self._clients[loop_id] = client
        return client

    def _key(self, group_id: int) -> str:
        return f"{self._prefix}:presence:{group_id}"

    async def enter(self, group_id: int, member_id: int, channel: str) -> None:
        client = self._client()
        key = self._key(group_id)
        async with client.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {f"{member_id}:{channel}": time.time() + TTL})
            pipe.expire(key, int(TTL) * 2)
            await pipe.execute()

    async def leave(self, group_id: int, member_id: int, channel: str) -> None:
        await self._client().zrem(self._key(group_id), f"{member_id}:{channel}")

    async def here(self, group_id: int) -> set[int]:
        client = self._client()
        key = self._key(group_id)
        now = time.time()
        async with client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", now)
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
