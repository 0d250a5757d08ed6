"""The development server (daphne, `make run`) and the production one (uvicorn,
bin/serve) answer the same: close codes, the frame cap in bytes, a WebSocket path
no route serves, and a static path climbing out with `..`.

Each runs as a real process on this run's test database (and Redis, if set).
"""

import asyncio
import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from groups.models import Message
from tests.chat.conftest import make_room
from tests.multiprocess import (
    AsgiServer,
    DaphneServer,
    next_of,
    open_room,
    server_env,
    session_cookie_header,
)

pytestmark = pytest.mark.django_db(transaction=True)
CAP = settings.HEARTH_CHAT["MAX_FRAME_BYTES"]
KINDS = {"daphne": DaphneServer, "uvicorn": AsgiServer}


@pytest.fixture(scope="module", params=sorted(KINDS))
def server(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> Iterator[AsgiServer]:
    """One server of each kind, shared by the module's tests; its log must stay clean."""
    with django_db_blocker.unblock():
        running = KINDS[request.param](env=server_env(), name=request.param).start()
        try:
            yield running
        finally:
            running.stop()
    running.assert_clean_logs()


@pytest.fixture
def circle(transactional_db: None) -> dict[str, Any]:
    people = make_room(members=1, facilitators=0)
    people["cookie"] = session_cookie_header(people["members"][0])
    return people


async def closed_with(socket: Any, within: float = 5) -> int | None:
    """Read until the server closes the socket; its close code (None: no close frame)."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(within):
            while True:
                await socket.recv()
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


@database_sync_to_async
def stored(group: Any) -> int:
    return Message.objects.filter(group=group).count()


def frame(body: str) -> str:
    return json.dumps({"type": "message.send", "client_id": "c1", "body": body}, ensure_ascii=False)


async def test_a_frame_over_the_cap_in_bytes_closes_4413(server, circle) -> None:
    """5,000 four-byte characters: few enough characters, too many bytes."""
    socket, _ = await open_room(server, circle["group"].slug, circle["cookie"])
    big = frame("💛" * 5000)
    assert len(big) < CAP < len(big.encode())
    await socket.send(big)
    assert await closed_with(socket) == 4413
    assert await stored(circle["group"]) == 0


async def test_the_longest_message_fits_under_both(server, circle) -> None:
    socket, _ = await open_room(server, circle["group"].slug, circle["cookie"])
    try:
        await socket.send(frame("💛" * 4000))
        assert (await next_of(socket, "message.ack"))["seq"] == 1
    finally:
        await socket.close()


async def test_a_torrent_of_frames_closes_4429(server, circle) -> None:
    socket, _ = await open_room(server, circle["group"].slug, circle["cookie"])
    for _ in range(150):
        await socket.send('{"type": "ping"}')
    assert await closed_with(socket) == 4429


async def test_a_frame_beyond_the_servers_own_cap_ends_the_socket(server, circle) -> None:
    """Past the servers' own cap (a memory guard, 4x the room's) the server ends the
    connection before the room sees the frame: uvicorn closes with 1009, daphne drops
    the connection (a browser reports 1006). Either way the client reconnects."""
    socket, _ = await open_room(server, circle["group"].slug, circle["cookie"])
    await socket.send(frame("a" * settings.HEARTH_CHAT["SERVER_FRAME_BYTES"]))
    assert await closed_with(socket) == {"uvicorn": 1009, "daphne": None}[server.name]
    assert await stored(circle["group"]) == 0


@pytest.mark.parametrize("path", ["/ws/nothing/", "/ws/groups/ünïcødé/", "/ws/groups/"])
async def test_a_path_no_route_serves_is_refused_at_the_handshake(server, circle, path) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(
            server.ws_url(path),
            additional_headers={"Cookie": circle["cookie"], "Origin": server.origin},
            open_timeout=5,
        )
    assert refused.value.response.status_code == 403


def raw_get(server: AsgiServer, path: str) -> int:
    """GET `path` exactly as written (no client tidies the `..` away)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/static/../community/settings.py",
        "/static/css/../../community/settings.py",
        "/static/%2e%2e/community/settings.py",
        "/static/..%2fcommunity/settings.py",
    ],
)
async def test_a_static_path_with_dot_dot_is_not_found(server, path) -> None:
    assert await asyncio.to_thread(raw_get, server, path) == 404


async def test_static_files_are_served(server) -> None:
    assert await asyncio.to_thread(raw_get, server, "/static/css/hearth.css") == 200
