"""The shared cache on Redis, with one connection pool per process.

Django keeps a cache object per asyncio context, and Django's RedisCache makes
its client (with its own connection pool) per cache object. Under ASGI every
open WebSocket is a context of its own, so each socket held its own pool and
Redis connection: about 10 KB of memory per socket and a thousand connections
for a thousand sockets. redis-py's pools are thread-safe, so one client per
process (per location and options) serves every context.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

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
            client = _clients.setdefault(key, RedisCacheClient(servers, **options))
        return client
