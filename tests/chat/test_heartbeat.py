"""The heartbeat: a quiet room learns of a message whose live broadcast was lost."""

import pytest
from asgiref.sync import sync_to_async

from tests.chat import state
from tests.chat.conftest import make_room

pytestmark = pytest.mark.django_db(transaction=True)

BEAT = 0.3  # seconds; 30 in production (HEARTBEAT_SECONDS)


async def test_an_idle_room_hears_of_a_lost_broadcast_without_any_later_message(
    room, connect, chat_limits, lose_next_message
):
    chat_limits(HEARTBEAT_SECONDS=BEAT)
    group = room["group"]
    alice = await connect(room["members"][0], group)
    bob = await connect(room["members"][1], group)
    assert bob.hello["last_seq"] == 0

    await alice.send({"type": "message.send", "client_id": "c1", "body": "Lost in transit"})
    assert (await alice.receive_type("message.ack"))["seq"] == 1
    assert lose_next_message["count"] == 1  # stored, but the room was never told

    # Nobody writes again; within a beat Bob's socket hears the room's numbers ...
    beat = await bob.receive_type("heartbeat", timeout=BEAT * 5)
    assert (beat["last_seq"], beat["last_change"]) == (1, 1)
    # ... and the sync it prompts brings the message, once.
    await bob.send({"type": "sync", "after_seq": 0, "after_change": 0})
    batch = await bob.receive_type("sync.batch", skip=("heartbeat",))
    assert [m["body"] for m in batch["messages"]] == ["Lost in transit"]
    # Caught up: the next beat says what Bob now has.
    beat = await bob.receive_type("heartbeat", timeout=BEAT * 5)
    assert beat["last_seq"] == batch["last_seq"] == 1


async def test_each_socket_hears_its_own_rooms_numbers(transactional_db, connect, chat_limits):
    chat_limits(HEARTBEAT_SECONDS=BEAT)
    busy, quiet = await sync_to_async(make_room)(), await sync_to_async(make_room)()
    await sync_to_async(state.send_many)(busy["members"][0], busy["group"], 3)
    in_busy = await connect(busy["members"][1], busy["group"])
    in_quiet = await connect(quiet["members"][1], quiet["group"])
    assert (await in_busy.receive_type("heartbeat", timeout=BEAT * 5))["last_seq"] == 3
    assert (await in_quiet.receive_type("heartbeat", timeout=BEAT * 5))["last_seq"] == 0
