"""Django's Redis cache for the test suite: clearing it deletes only this run's keys."""

from community.cache import SharedRedisCache


class IsolatedRedisCache(SharedRedisCache):
    """The site's shared Redis cache, except that `clear()` never runs FLUSHDB.

    Several test runs (and a developer's site) may share one Redis server, so
    clearing deletes only the keys under this run's unique prefix.
    """

    def clear(self) -> None:
        client = self._cache.get_client(None, write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=500))
        if keys:
            client.delete(*keys)
