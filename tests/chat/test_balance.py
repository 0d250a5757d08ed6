"""Balance after a crash: a process far above its share of room sockets sends some on, gently.

Two real server processes: A holds every socket (as after B crashed), then B
comes back empty. On A's next beats A closes a quarter of its excess each time
with 4503 "rebalance; retry after 1", until it is within the slack; B closes
none. The clients that move reconnect to B, sync, and have every message.
"""

import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from groups import balance
from tests import services
from tests.chat.conftest import make_room
from tests.multiprocess import asgi_servers, open_room, server_env, session_cookie_header

BEAT = 1.0  # seconds; 30 in production (CHAT_HEARTBEAT_SECONDS)
SOCKETS = 30


@pytest.mark.parametrize(
    ("mine", "others", "closed"),
    [
        (30, [0], 4),  # mean 15, excess 15: a quarter, rounded up
        (30, [], 0),  # alone: its share is everything
        (22, [8], 0),  # mean 15: within 1.5 x the mean
        (26, [5], 3),  # mean 15.5, excess 10.5
        (12, [0], 0),  # 2 x the mean, but only 6 above it: under the minimum
    ],
)
def test_how_many_a_process_sends_on(mine: int, others: list[int], closed: int) -> None:
    with override_settings(
        HEARTH_CHAT={"BALANCE_SLACK": 0.5, "BALANCE_MIN": 7, "HEARTBEAT_SECONDS": 30}
    ):
        assert balance.to_close(mine, [mine, *others]) == closed


class Reader:
    """A room socket on one process: what it heard, and how it was closed."""

    def __init__(self, socket: ClientConnection, hello: dict[str, Any]) -> None:
        self.socket = socket
        self.seqs: list[int] = []
        self.last_seq = int(hello["last_seq"])
        self.closed: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        self.task = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            async for text in self.socket:
                event = json.loads(text)
                found = []
                if event["type"] == "message.new":
                    found = [event["message"]["seq"]]
                elif event["type"] == "sync.batch":
                    found = [m["seq"] for m in event["messages"]]
                for seq in found:
                    if seq not in self.seqs:  # a sync may repeat a live one; the client keeps one
                        self.seqs.append(seq)
                    self.last_seq = max(self.last_seq, seq)
        except ConnectionClosed:
            pass
        self.closed.set_result((self.socket.close_code or 1006, self.socket.close_reason or ""))

    async def close(self) -> None:
        await self.socket.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@pytest.fixture
def servers(transactional_db: None) -> Iterator[contextlib.ExitStack]:
    """Where the test starts its servers (from a thread); they stop after it, here."""
    with contextlib.ExitStack() as stack:
        yield stack


@pytest.fixture
def circle(transactional_db: None) -> dict[str, Any]:
    people = make_room(members=6, facilitators=0)
    people["cookies"] = [session_cookie_header(person) for person in people["members"]]
    return people


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
async def test_a_process_far_above_its_share_sends_a_quarter_of_the_excess_elsewhere(
    circle: dict[str, Any], servers: contextlib.ExitStack
) -> None:
    services.require_postgres()
    services.require_redis()
    env = server_env(
        CHAT_HEARTBEAT_SECONDS=str(BEAT), CHAT_BALANCE_MIN="5", CHAT_RATE="50", CHAT_BURST="100"
    )
    slug, cookies = circle["group"].slug, circle["cookies"]
    (a,) = await asyncio.to_thread(servers.enter_context, asgi_servers(1, env=env))
    opened = await asyncio.gather(
        *(open_room(a, slug, cookies[i % len(cookies)]) for i in range(SOCKETS))
    )
    on_a = [Reader(socket, hello) for socket, hello in opened]
    # Alone, A holds its share: two beats pass and nothing is closed.
    await asyncio.sleep(2.5 * BEAT)
    assert not any(r.closed.done() for r in on_a)

    # B comes back, empty (its first request counts it); a member writes through it.
    (b,) = await asyncio.to_thread(servers.enter_context, asgi_servers(1, env=env))
    sender = Reader(*await open_room(b, slug, cookies[0]))
    bodies: list[str] = []

    async def write(count: int) -> None:
        for n in range(1, count + 1):
            bodies.append(f"balanced-{n}")
            frame = {"type": "message.send", "client_id": f"bal-{n}", "body": bodies[-1]}
            await sender.socket.send(json.dumps(frame))
            await asyncio.sleep(0.1)

    moved_to_b: list[Reader] = []

    async def follow(reader: Reader, cookie: str) -> None:
        """As room.js: after a close, wait the hint, reconnect (here: to B) and sync."""
        await asyncio.shield(reader.closed)
        await asyncio.sleep(1.0)
        again = Reader(*await open_room(b, slug, cookie))
        again.seqs = list(reader.seqs)
        frame = {"type": "sync", "after_seq": reader.last_seq, "after_change": 0}
        await again.socket.send(json.dumps(frame))
        moved_to_b.append(again)

    writing = asyncio.create_task(write(60))
    followers = [
        asyncio.create_task(follow(r, cookies[i % len(cookies)])) for i, r in enumerate(on_a)
    ]
    # A's next beat sees 30 against 0 (or 1): mean 15 (15.5), so it closes
    # ceil(15 / 4) = 4 at once, each with the reason.
    done, _ = await asyncio.wait(
        [r.closed for r in on_a], timeout=4 * BEAT, return_when=asyncio.FIRST_COMPLETED
    )
    assert done, "A closed nothing"
    await asyncio.sleep(0.3 * BEAT)
    assert len([r for r in on_a if r.closed.done()]) == 4

    await writing
    await asyncio.sleep(4 * BEAT)  # the next beats: 26 against 5 closes 3; then within slack
    moved = [r for r in on_a if r.closed.done()]
    still_on_a = [r for r in on_a if not r.closed.done()]
    for task in followers:
        task.cancel()
    assert {r.closed.result() for r in moved} == {(4503, "rebalance; retry after 1")}
    # It never gives away more than its excess over the mean (15), and stops within
    # the slack; B, below the mean, closes nothing.
    assert 15 < len(still_on_a) < SOCKETS - 4, len(still_on_a)
    assert len(moved_to_b) == len(moved)
    assert not any(r.closed.done() for r in [sender, *moved_to_b])

    # Nothing lost: every socket, moved or not, has every message once.
    everything = list(range(1, len(bodies) + 1))
    for reader in still_on_a + moved_to_b:
        assert sorted(reader.seqs) == everything, (len(reader.seqs), len(bodies))
    for reader in [*on_a, sender, *moved_to_b]:
        await reader.close()
    for server in (a, b):
        server.assert_clean_logs(*bodies)
