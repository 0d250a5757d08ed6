"""community/wsprotocol.py: uvicorn's WebSocket protocol, minus the handshake it would keep.

A real uvicorn server in this process, with a small echo application: frames and
close codes pass as with uvicorn's own protocol, and once the socket is open the
opening request and response are gone. The same check on uvicorn's own protocol
shows that they would be kept (if uvicorn renames them, that test fails and the
subclass needs a look).
"""

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
import websockets
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from community import wsprotocol


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "websocket"
    await receive()
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] == "websocket.receive":
        if message["text"] == "close please":
            await send({"type": "websocket.close", "code": 4403})
        else:
            await send({"type": "websocket.send", "text": message["text"].upper()})


async def serve(ws: str) -> AsyncIterator[str]:
    config = uvicorn.Config(
        echo, host="127.0.0.1", port=0, ws=ws, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn has no "started" event)
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"ws://127.0.0.1:{port}/"
    server.should_exit = True
    await task


@pytest.fixture
async def lean() -> AsyncIterator[str]:
    async for url in serve(wsprotocol.PATH):
        yield url


@pytest.fixture
async def stock() -> AsyncIterator[str]:
    async for url in serve("websockets-sansio"):
        yield url


def open_protocols() -> list[WebSocketsSansIOProtocol]:
    gc.collect()
    return [
        o
        for o in gc.get_objects()
        if isinstance(o, WebSocketsSansIOProtocol) and not o.disconnected
    ]


async def test_frames_and_close_codes_pass_and_the_handshake_is_let_go(lean):
    async with websockets.connect(lean) as client:
        await client.send("hello")
        assert await client.recv() == "HELLO"
        (protocol,) = open_protocols()
        assert type(protocol) is wsprotocol.WebSocketProtocol
        assert protocol.request is None and protocol.response is None
        await client.send("close please")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await client.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_uvicorns_own_protocol_would_keep_the_handshake(stock):
    async with websockets.connect(stock) as client:
        await client.send("hello")
        assert await client.recv() == "HELLO"
        (protocol,) = open_protocols()
        assert protocol.request is not None and protocol.request.headers["Host"]
        assert protocol.response is not None
