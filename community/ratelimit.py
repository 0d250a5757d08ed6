"""Token buckets in the shared cache, used by HTTP views and WebSocket frames alike.

With Redis as the cache every process draws from the same bucket. The read and
write are not one atomic step, so two processes racing may each admit one extra
request; for a chat limit that is an acceptable edge.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0


def take(key: str, *, rate: float, burst: int, cost: float = 1.0) -> Verdict:
    """Take `cost` tokens from the bucket `key` (refilled at `rate`/s up to `burst`)."""
    now = time.time()
    cache_key = f"rl:{key}"
    tokens, stamp = cache.get(cache_key) or (float(burst), now)
    tokens = min(float(burst), tokens + (now - stamp) * rate)
    if tokens < cost:
        cache.set(cache_key, (tokens, now), timeout=int(burst / rate) + 60)
        return Verdict(False, round((cost - tokens) / rate, 2))
    cache.set(cache_key, (tokens - cost, now), timeout=int(burst / rate) + 60)
    return Verdict(True)
