"""What an idle socket keeps (docs/performance.md, "Where the memory goes").

- the group's description and the person's bio stay in the database: the room
  never shows them, and every socket would keep its own copy;
- once its events are sent, a socket keeps no queue.
"""

import asyncio
from typing import Any

import pytest

from community.models import User
from groups import consumers
from groups.models import Group

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[consumers.RoomConsumer]:
    found: list[consumers.RoomConsumer] = []
    real = consumers.RoomConsumer.connect

    async def remember(self: consumers.RoomConsumer) -> None:
        found.append(self)
        await real(self)

    monkeypatch.setattr(consumers.RoomConsumer, "connect", remember)
    return found


async def test_a_socket_keeps_no_description_or_bio(room, connect, opened):
    group, member = room["group"], room["members"][0]
    long_text = "A long description of the circle, its rhythm and its care. " * 30
    await Group.objects.filter(pk=group.pk).aupdate(description=long_text)
    await User.objects.filter(pk=member.pk).aupdate(bio="Here for my sister. " * 20)
    sock = await connect(member, group)
    (consumer,) = opened
    assert {"description", "description_html"} <= consumer.group.get_deferred_fields()
    assert {"bio", "bio_html"} <= consumer.user.get_deferred_fields()
    await sock.send({"type": "message.send", "client_id": "i1", "body": "Still works"})
    assert (await sock.receive_type("message.ack"))["seq"] == 1


async def test_a_socket_keeps_no_queue_once_its_events_are_sent(room, connect, opened):
    group = room["group"]
    listener = await connect(room["members"][0], group)
    speaker = await connect(room["members"][1], group)
    await speaker.send({"type": "message.send", "client_id": "q1", "body": "Hello"})
    await listener.receive_type("message.new")
    await asyncio.sleep(0.05)
    consumer: Any = opened[0]
    assert consumer.outbox is None and consumer.draining is None
    assert not hasattr(consumer, "__dict__") or set(vars(consumer)) <= {"groups"}
