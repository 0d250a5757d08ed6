"""A Redis that loses everything (restarted without persistence) signs nobody out.

Sessions are stored in the database and read through the Redis cache
(`cached_db`). The test empties a private Redis (tests/redis_server.py) with
FLUSHALL, then the person opens a page and the room's socket as before.
"""

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from community.asgi import application
from tests.chat.conftest import HOST, ORIGIN, make_room, session_cookie
from tests.redis_server import redis_server  # noqa: F401

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cache_on_private_redis(settings, redis_server):  # noqa: F811
    caches = {**settings.CACHES}
    caches["default"] = {**caches["default"], "LOCATION": redis_server.url}
    settings.CACHES = caches
    return redis_server


@pytest.fixture
def room(transactional_db: None) -> dict[str, Any]:
    return make_room()


def test_a_signed_in_person_stays_signed_in_after_redis_loses_everything(
    cache_on_private_redis, room: dict[str, Any]
) -> None:
    person = room["members"][0]
    client = Client()
    client.cookies.load(session_cookie(person).decode())
    assert client.get("/notes/").status_code == 200
    assert cache_on_private_redis.client().dbsize() > 0  # the session was cached there

    cache_on_private_redis.client().flushall()

    response = client.get("/notes/")
    assert response.status_code == 200, "signed out by a Redis restart"
    assert response.context["user"] == person


async def test_the_room_socket_opens_after_redis_loses_everything(
    cache_on_private_redis, room: dict[str, Any]
) -> None:
    person = room["members"][0]
    cookie = await sync_to_async(session_cookie)(person)
    await sync_to_async(cache_on_private_redis.client().flushall)()
    socket = WebsocketCommunicator(
        application, f"/ws/groups/{room['group'].slug}/", [HOST, ORIGIN, (b"cookie", cookie)]
    )
    connected, code = await socket.connect(timeout=3)
    try:
        assert connected, f"closed with {code}"
        hello = await socket.receive_json_from(timeout=3)
        assert hello["type"] == "hello"
    finally:
        await socket.disconnect()
