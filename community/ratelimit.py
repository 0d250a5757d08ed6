"""Token buckets in the shared cache, used by HTTP views and WebSocket frames alike.

With Redis as the cache every process draws from the same bucket, in one atomic
round trip (a small Lua script): two processes racing can't both take the last
token, and a chat send pays one Redis call, not a read and a write. Without
Redis (the embedded default, one process) the local cache does the same job.
"""

import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from community.errors import Refused

# KEYS[1]: the bucket; ARGV: burst, rate, cost, now, ttl. Returns {allowed, tokens}.
TAKE = """
local burst, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local bucket = redis.call('HMGET', KEYS[1], 't', 's')
local tokens = tonumber(bucket[1]) or burst
local stamp = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
redis.call('EXPIRE', KEYS[1], ttl)
return {allowed, tostring(tokens)}
"""
_script: Any = None


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0


def require(key: str, *, rate: float, burst: int, refusal: str) -> None:
    """Take a token from `key`, or refuse with `refusal` and when to try again."""
    verdict = take(key, rate=rate, burst=burst)
    if not verdict.allowed:
        raise Refused("rate_limited", refusal, retry_after=verdict.retry_after)


def take(key: str, *, rate: float, burst: int, cost: float = 1.0) -> Verdict:
    """Take `cost` tokens from the bucket `key` (refilled at `rate`/s up to `burst`)."""
    now = time.time()
    cache_key = f"rl:{key}"
    ttl = int(burst / rate) + 60
    redis_client = _redis_client()
    if redis_client is not None:
        global _script
        if _script is None:
            _script = redis_client.register_script(TAKE)
        bucket = [cache.make_key(cache_key)]
        args = [burst, rate, cost, now, ttl]
        allowed, left = _script(keys=bucket, args=args, client=redis_client)
        tokens = float(left)
        if allowed:
            return Verdict(True)
        return Verdict(False, round((cost - tokens) / rate, 2))
    tokens, stamp = cache.get(cache_key) or (float(burst), now)
    tokens = min(float(burst), tokens + max(0.0, now - stamp) * rate)
    if tokens < cost:
        cache.set(cache_key, (tokens, now), timeout=ttl)
        return Verdict(False, round((cost - tokens) / rate, 2))
    cache.set(cache_key, (tokens - cost, now), timeout=ttl)
    return Verdict(True)


def _redis_client() -> Any:
    """The raw redis-py client under the shared cache, if the cache is Redis."""
    client = getattr(cache, "_cache", None)
    if client is None or not hasattr(client, "get_client"):
        return None
    return client.get_client(write=True)
