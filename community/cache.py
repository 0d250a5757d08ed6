"""The shared cache on Redis, with one connection pool per process.

Django keeps a cache object per asyncio context, and Django's RedisCache makes
its client (with its own connection pool) per cache object. Under ASGI every
open WebSocket is a context of its own, so each socket held its own pool and
Redis connection: about 10 KB of memory per socket and a thousand connections
for a thousand sockets. redis-py's pools are thread-safe, so one client per
process (per location and options) serves every context. Django also builds a
new redis-py client object (some 170 response callbacks) for every cache call;
the client here keeps one per pool.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property


class _CacheClient(RedisCacheClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self._redis: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's stubs leave out RedisCacheClient's private helpers.
        pool = getattr(self, "_get_connection_pool")(write)  # noqa: B009
        client = self._redis.get(id(pool))
        if client is None:
            made = getattr(self, "_client")(connection_pool=pool)  # noqa: B009
            client = self._redis.setdefault(id(pool), made)
        return client


_clients: dict[tuple[Any, ...], RedisCacheClient] = {}


class SharedRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> RedisCacheClient:
        # Django's stubs do not declare RedisCache's private attributes.
        servers: list[str] = getattr(self, "_servers")  # noqa: B009
        options: dict[str, Any] = getattr(self, "_options")  # noqa: B009
        key = (tuple(servers), repr(sorted(options.items())))
        client = _clients.get(key)
        if client is None:
            client = _clients.setdefault(key, _CacheClient(servers, **options))
        return client
