"""With REDIS_URL set: the channel layer and the cache as several processes share them.

These run against the real Redis (skipped without REDIS_URL, failed under CI).
They use this run's own database number and prefix (tests/services.py).
"""

import asyncio
import contextvars
import json
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from tests import services
from tests.processes import run_python

pytestmark = pytest.mark.redis


def site_host() -> dict[str, Any]:
    """The Redis host config the site's channel layer uses (test database and all)."""
    layer: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    (host,) = layer["CONFIG"]["hosts"]
    return dict(host)


def test_the_layer_in_use_is_the_pubsub_layer():
    assert type(get_channel_layer()).__name__ == "RedisPubSubChannelLayer"


async def idle_then_hear(backend: str) -> None:
    from django.utils.module_loading import import_string

    layer_class = import_string(backend)
    prefix = f"{services.REDIS_TEST_PREFIX}-idle-{layer_class.__name__}"
    receiver = layer_class(hosts=[site_host()], prefix=prefix)
    sender = layer_class(hosts=[site_host()], prefix=prefix)
    try:
        channel = await receiver.new_channel()
        waiting = asyncio.ensure_future(receiver.receive(channel))
        await asyncio.sleep(6.5)  # real: past redis-py's 5 s read timeout is the test
        assert not waiting.done(), f"{backend}: receive ended while idle: {waiting.exception()!r}"
        await sender.send(channel, {"type": "still.here"})
        assert await asyncio.wait_for(waiting, 5) == {"type": "still.here"}
    finally:
        await receiver.flush()
        await sender.flush()


async def test_an_idle_receiver_outlives_redis_py_default_socket_timeout():
    # redis-py 8 times reads out after 5 s by default; the site's host config turns
    # that off, so a socket that has heard nothing for a while still hears the next
    # event. The core layer is the one that breaks without it (BZPOPMIN outlasts the
    # read timeout); both layers are checked so switching cannot bring the trap back.
    await asyncio.gather(
        idle_then_hear("channels_redis.pubsub.RedisPubSubChannelLayer"),
        idle_then_hear("channels_redis.core.RedisChannelLayer"),
    )


async def test_a_burst_to_a_group_reaches_every_member_in_order():
    # Another process's layer (its own connections) sends; nothing is dropped,
    # and the pool copes with a burst without "Too many connections".
    layer_class = type(get_channel_layer())
    prefix = f"{services.REDIS_TEST_PREFIX}-burst"
    config: dict[str, Any] = settings.CHANNEL_LAYERS["default"]["CONFIG"]  # type: ignore[assignment]
    receiving = layer_class(hosts=[site_host()], prefix=prefix)
    sending = layer_class(hosts=[site_host()], prefix=prefix)
    assert config["hosts"][0]["max_connections"] >= 16
    count = 600
    try:
        channels = [await receiving.new_channel() for _ in range(3)]
        for channel in channels:
            await receiving.group_add("circle", channel)
        await asyncio.gather(
            *(sending.group_send("circle", {"type": "m", "n": n}) for n in range(count))
        )
        for channel in channels:
            got = [
                (await asyncio.wait_for(receiving.receive(channel), 5))["n"] for _ in range(count)
            ]
            assert got == list(range(count))
    finally:
        await receiving.flush()
        await sending.flush()


@pytest.mark.django_db
def test_a_session_started_in_one_process_is_valid_in_another(client, user):
    # Sessions are read through the shared Redis cache, so any ASGI process knows who you are.
    client.force_login(user)
    session_key = client.session.session_key
    code = f"""
import json, django
django.setup()
from django.contrib.sessions.backends.cached_db import SessionStore
print(json.dumps(SessionStore(session_key={session_key!r}).get({SESSION_KEY!r})))
"""
    cache: dict[str, str] = settings.CACHES["default"]  # type: ignore[assignment]
    result = run_python(
        code, env={"REDIS_URL": cache["LOCATION"], "CACHE_PREFIX": cache["KEY_PREFIX"]}
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == str(user.pk)


async def test_sockets_share_one_redis_connection_pool_per_process():
    """Django makes a cache object per asyncio context (each socket is one); they
    must not each open their own pool and connection to Redis."""
    from asgiref.sync import sync_to_async
    from django.core.cache import caches

    def in_this_context() -> tuple[int, int, int]:
        cache = caches["default"]
        cache.set("shared-pool-probe", 1, 10)
        client = cache._cache  # type: ignore[attr-defined]
        return id(cache), id(client), id(client._get_connection_pool(write=True))

    async def socket() -> tuple[int, int, int]:
        return await sync_to_async(in_this_context)()

    # Each socket's task starts from the server's bare context, as under uvicorn.
    seen = await asyncio.gather(
        *(asyncio.create_task(socket(), context=contextvars.Context()) for _ in range(5))
    )
    assert len({cache for cache, _, _ in seen}) == 5  # Django's own: one per context
    assert len({client for _, client, _ in seen}) == 1
    assert len({pool for _, _, pool in seen}) == 1


def test_a_shared_bucket_never_gives_out_more_than_it_holds():
    """Rate limits are taken in one atomic step on Redis: 40 takers racing for a
    bucket of 10 get exactly 10 tokens, however their reads and writes interleave."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from community import ratelimit

    start = Barrier(40)

    def take_one(_: int) -> bool:
        start.wait()
        return ratelimit.take("race-probe", rate=0.001, burst=10).allowed

    with ThreadPoolExecutor(max_workers=40) as pool:
        allowed = list(pool.map(take_one, range(40)))
    assert allowed.count(True) == 10
    refused = ratelimit.take("race-probe", rate=0.001, burst=10)
    assert not refused.allowed and refused.retry_after > 0
