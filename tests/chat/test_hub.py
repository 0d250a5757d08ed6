"""The process's hub: one layer channel for all its sockets (groups/hub.py).

- On Redis, a process holds one subscription per group its sockets follow and one
  for its hub channel, whatever the number of sockets; none is left once they go.
- Every socket of a room hears each event once.
- One socket's trouble stays its own: a failing event closes it with 4500, a
  client that stopped reading is closed with 4503 once its outbox is full, and
  the others hear the room as before.
"""

import asyncio
import time
from typing import Any

import pytest
import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from django.conf import settings

from groups import consumers, events
from groups.hub import addressed, get_hub
from tests import services
from tests.chat.conftest import errors, make_room

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rooms(transactional_db: None) -> tuple[dict[str, Any], dict[str, Any]]:
    return make_room(members=3, facilitators=0), make_room(members=1, facilitators=0)


async def subscribed() -> list[str]:
    """This run's channels that Redis has a subscriber for."""
    client = aioredis.Redis.from_url(services.redis_test_url(settings.REDIS_URL))
    try:
        names = await client.pubsub_channels(f"{services.REDIS_TEST_PREFIX}*")
    finally:
        await client.aclose()
    return sorted(name.decode() if isinstance(name, bytes) else name for name in names)


async def wait_for(check: Any, timeout: float = 3) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await asyncio.sleep(0.05)


@pytest.mark.redis
async def test_a_process_subscribes_once_per_group_not_once_per_socket(rooms, connect):
    one, two = rooms
    sockets = [await connect(person, one["group"]) for person in one["members"]]
    sockets.append(await connect(two["members"][0], two["group"]))
    names = await subscribed()
    groups = [name for name in names if "__group__" in name]
    # Two rooms and four people: six groups, and one channel for the whole process.
    assert len(groups) == 6, names
    assert [name for name in names if name not in groups] == [get_hub().channel]
    await sockets[0].send({"type": "message.send", "client_id": "h1", "body": "Hello all"})
    for sock in sockets[:3]:
        event = await sock.receive_type("message.new", skip=("message.ack",))
        assert event["message"]["body"] == "Hello all"
        assert await sock.nothing(0.3, ignore=("presence", "message.ack"))
    assert await sockets[3].nothing(0.3)
    for sock in sockets:
        await sock.close()

    async def nothing_left() -> bool:
        return await subscribed() == []

    await wait_for(nothing_left)


async def test_every_socket_of_a_room_hears_an_event_once_and_a_closed_one_nothing(rooms, connect):
    one, _two = rooms
    first, second, third = [await connect(person, one["group"]) for person in one["members"]]
    await third.close()
    await first.send({"type": "message.send", "client_id": "e1", "body": "Still here"})
    assert (await first.receive_type("message.ack"))["seq"] == 1
    for sock in (first, second):
        assert (await sock.receive_type("message.new"))["message"]["seq"] == 1
        assert await sock.nothing(0.3)


async def test_a_failing_event_closes_that_socket_4500_and_spares_the_others(
    rooms, connect, server_log, monkeypatch
):
    one, _two = rooms
    failing, other = one["members"][0], one["members"][1]
    a, b = await connect(failing, one["group"]), await connect(other, one["group"])
    real = consumers.RoomConsumer.still_allowed

    async def broken_for_one(self: consumers.RoomConsumer) -> bool:
        if self.user.pk == failing.pk:
            raise RuntimeError("broken for this socket")
        return await real(self)

    monkeypatch.setattr(consumers.RoomConsumer, "still_allowed", broken_for_one)
    await get_hub().publish(
        events.group_channel(one["group"].pk),
        {"type": "room.event", "text": '{"type": "typing"}', "sent_at": time.time()},
    )
    assert await a.closed() == 4500
    await b.receive_type("typing")
    assert [r.getMessage() for r in errors(server_log)] == ["room event failed"]


async def test_a_client_that_stops_reading_is_closed_4503_when_its_outbox_is_full(
    rooms, connect, chat_limits, monkeypatch
):
    one, _two = rooms
    stuck_person = one["members"][0]
    stuck, other = (
        await connect(stuck_person, one["group"]),
        await connect(one["members"][1], one["group"]),
    )
    chat_limits(MAX_OUTBOX=3)
    gate = asyncio.Event()
    real = consumers.RoomConsumer.still_allowed

    async def slow_for_one(self: consumers.RoomConsumer) -> bool:
        if self.user.pk == stuck_person.pk:
            await gate.wait()  # as a send waits on a client that does not read
        return await real(self)

    monkeypatch.setattr(consumers.RoomConsumer, "still_allowed", slow_for_one)
    layer = get_channel_layer()
    channel = events.group_channel(one["group"].pk)
    for n in range(6):  # one at a time: the others hear each before the next is sent
        text = f'{{"type": "typing", "n": {n}}}'
        message = {"type": "room.event", "text": text, "sent_at": time.time()}
        await layer.group_send(channel, addressed(channel, message))
        assert (await other.receive_type("typing"))["n"] == n
    gate.set()
    heard = []
    while (output := await stuck.communicator.receive_output(2))["type"] == "websocket.send":
        heard.append(output["text"])
    assert output["code"] == 4503
    # At most the event that was on its way; the client resyncs for the rest.
    assert len([text for text in heard if "typing" in text]) <= 1
    assert await stuck.communicator.receive_nothing(timeout=0.2)
