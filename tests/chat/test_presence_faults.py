"""Presence is best-effort, and heals: Redis trouble never keeps anyone out of a room.

Real Redis throughout: a private server (tests/redis_server.py) that the test
kills and starts again, and presence pointed at a port where nothing listens.
"""

from typing import Any

import pytest

from groups import presence
from tests.processes import free_port
from tests.redis_server import redis_server  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


async def test_presence_heals_after_redis_restarts(redis_server) -> None:  # noqa: F811
    store = presence.RedisPresence(redis_server.url, "hearth-test-heal")
    await store.enter(1, 7, "proc!1")
    assert await store.here(1) == {7}
    # Every pooled connection is now stale; the next commands must not fail for it.
    redis_server.restart()
    await store.enter(1, 8, "proc!2")
    assert await store.here(1) == {8}


async def test_the_room_opens_and_chat_works_while_presence_cannot_be_written(
    room: dict[str, Any], connect, monkeypatch
) -> None:
    unreachable = presence.RedisPresence(f"redis://127.0.0.1:{free_port()}/0", "hearth-test")
    monkeypatch.setattr(presence, "_presence", unreachable)
    group = room["group"]
    alice = await connect(room["members"][0], group)
    bob = await connect(room["members"][1], group)
    await alice.send({"type": "message.send", "client_id": "while-away-1", "body": "Still here"})
    ack = await alice.receive_type("message.ack", skip=("presence",))
    heard = await bob.receive_type("message.new", skip=("presence",))
    assert heard["message"]["id"] == ack["id"]
    assert heard["message"]["body"] == "Still here"
