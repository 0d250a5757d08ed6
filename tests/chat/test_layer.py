"""The channel layer's limits, set on purpose (DESIGN.md, known traps) and proven here.

- A burst of 200 messages into one room reaches every member's socket: none lost,
  none repeated (on whichever layer is configured). Arrival order may differ from
  `seq` order where two commits end together (docs/protocol.md); clients order by
  `seq`, so only the displacement is bounded here.
- On the Redis pub/sub layer, an idle socket outlives redis-py 8's default 5 s
  socket timeout by more than a minute and still hears the room afterwards. That
  test takes ~65 s: it is marked `slow` (deselect with `-m "not slow"`) and runs
  only with REDIS_URL.
"""

import asyncio
from typing import Any

import pytest
from django.conf import settings

from tests.chat.conftest import make_room

pytestmark = pytest.mark.django_db(transaction=True)

BURST = 200
MEMBERS = 5


@pytest.fixture
def big_room(transactional_db: None) -> dict[str, Any]:
    return make_room(members=MEMBERS, facilitators=0)


async def collect_new(sock: Any, count: int) -> list[int]:
    """Read until `count` message.new events arrived; return their seqs in arrival order."""
    seqs: list[int] = []
    while len(seqs) < count:
        try:
            event = await sock.receive(timeout=20)
        except TimeoutError:
            raise AssertionError(f"only {len(seqs)} of {count} arrived") from None
        if event["type"] == "message.new":
            seqs.append(event["message"]["seq"])
        else:
            assert event["type"] in {"message.ack", "presence"}, event
    return seqs


async def test_burst_of_200_reaches_every_member_once_in_order(big_room, connect, fast_chat):
    group = big_room["group"]
    sockets = [await connect(person, group) for person in big_room["members"]]
    each = BURST // MEMBERS
    for n in range(each):  # every member sends at once, without waiting for acks
        for index, sock in enumerate(sockets):
            await sock.send({"type": "message.send", "client_id": f"b{n}", "body": f"{index}:{n}"})
    received = await asyncio.gather(*(collect_new(sock, BURST) for sock in sockets))
    for seqs in received:
        assert sorted(seqs) == list(range(1, BURST + 1))  # nothing lost or repeated
        # Commits that end together may publish in the other order, never far apart.
        assert all(abs(seq - place) <= 10 for place, seq in enumerate(seqs, start=1))
    for sock in sockets:
        assert await sock.nothing(0.3, ignore=("presence", "message.ack"))


@pytest.mark.redis
def test_redis_layer_is_configured_on_purpose() -> None:
    """The pub/sub layer (no silent `capacity` drops), no socket timeout, a sized pool."""
    layer: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    assert layer["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    (host,) = layer["CONFIG"]["hosts"]
    assert host["socket_timeout"] is None
    assert host["max_connections"] >= 32


@pytest.mark.slow
@pytest.mark.redis
async def test_idle_socket_survives_over_a_minute_then_hears_the_room(room, connect):
    """redis-py 8's default 5 s socket timeout would close an idle subscriber (1011)."""
    group = room["group"]
    idle = await connect(room["members"][0], group)
    sender = await connect(room["members"][1], group)
    await asyncio.sleep(65)  # a real idle minute is what is tested (CI only: needs Redis)
    await sender.send({"type": "message.send", "client_id": "late", "body": "Still here?"})
    # A quiet room hears heartbeats meanwhile (every HEARTBEAT_SECONDS): skip them.
    await sender.receive_type("message.ack", timeout=10, skip=("heartbeat",))
    new = await idle.receive_type("message.new", timeout=10, skip=("heartbeat",))
    assert new["message"]["body"] == "Still here?"
    await idle.send({"type": "ping"})
    await idle.receive_type("pong", timeout=10, skip=("heartbeat",))
