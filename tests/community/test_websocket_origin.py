"""WebSocket handshakes from another site, or from nowhere, are refused.

The origin check wraps the whole WebSocket stack (community/asgi.py), so it
refuses before any routing, session lookup or consumer code runs: these tests
have no database access, and pytest-django would fail them if the handshake
reached the session store. The control test shows a handshake with our own
origin getting past the check to the router.
"""

import pytest
from channels.testing import WebsocketCommunicator

from community.asgi import application

CHAT_PATH = "/ws/groups/evening-circle/"
NOWHERE_PATH = "/ws/no-such-route/"

FOREIGN_ORIGINS = [
    "https://evil.example",
    "http://evil.example:8000",
    "http://127.0.0.1.evil.example",
    "http://testserver.evil.example",
    "http://evil.example/#http://testserver",
    # Our own host on another port, or by another scheme, is another site to a browser.
    "http://testserver:8001",
    "https://testserver",
    "http://testserver/",
    # A host we serve, but not the one this socket was opened on.
    "http://localhost",
    "null",
    "file://",
    "",
]


async def handshake(path: str, origin: str | None) -> tuple[bool, object]:
    headers = [(b"host", b"testserver")]
    if origin is not None:
        headers.append((b"origin", origin.encode("latin1")))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    try:
        return await communicator.connect()
    finally:
        await communicator.disconnect()


@pytest.mark.parametrize("path", [CHAT_PATH, NOWHERE_PATH])
@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
async def test_a_foreign_or_null_origin_is_refused(path, origin):
    connected, _code = await handshake(path, origin)
    assert connected is False


@pytest.mark.parametrize("path", [CHAT_PATH, NOWHERE_PATH])
async def test_a_missing_origin_is_refused(path):
    connected, _code = await handshake(path, None)
    assert connected is False


@pytest.mark.parametrize("origin", ["http://testserver", "http://TestServer:80"])
async def test_our_own_origin_gets_past_the_check(origin):
    # The control for the tests above: with our own origin the handshake is not
    # refused at the door but reaches the room, which accepts and then closes
    # (4401: nobody is signed in).
    communicator = WebsocketCommunicator(
        application, CHAT_PATH, headers=[(b"host", b"testserver"), (b"origin", origin.encode())]
    )
    try:
        assert await communicator.connect() == (True, None)
        assert (await communicator.receive_output())["code"] == 4401
    finally:
        await communicator.disconnect()


async def test_the_origin_must_match_the_port_the_socket_was_opened_on():
    """Issue 13: the old check compared hosts only, so any port of 127.0.0.1 passed."""
    from community.origin import same_origin

    def scope(origin: str, host: str, scheme: str = "ws") -> dict:
        return {
            "scheme": scheme,
            "headers": [(b"host", host.encode()), (b"origin", origin.encode())],
        }

    assert same_origin(scope("http://127.0.0.1:8000", "127.0.0.1:8000"))
    assert not same_origin(scope("http://127.0.0.1:9999", "127.0.0.1:8000"))
    assert not same_origin(scope("http://127.0.0.1", "127.0.0.1:8000"))
    assert same_origin(scope("https://localhost", "localhost:443", scheme="wss"))
    assert not same_origin(scope("http://localhost", "localhost", scheme="wss"))
    assert not same_origin(scope("http://evil.example", "evil.example"))  # not an allowed host
    assert not same_origin(scope("http://127.0.0.1:x", "127.0.0.1:x"))


async def test_a_trusted_origin_listed_by_the_operator_gets_past(settings):
    from community.origin import same_origin

    settings.CSRF_TRUSTED_ORIGINS = ["https://app.hearth.example"]
    headers = [(b"host", b"10.0.0.5:8000"), (b"origin", b"https://app.hearth.example")]
    assert same_origin({"scheme": "ws", "headers": headers})


@pytest.mark.parametrize("path", [NOWHERE_PATH, "/ws/groups/ünïcødé/", "/ws/groups/", "/ws/"])
async def test_a_path_no_route_serves_is_refused_at_the_handshake(path, caplog):
    """Past the origin check, a path the room does not serve is refused (HTTP 403 on
    a real server; tests/chat/test_servers_agree.py) without an exception."""
    connected, code = await handshake(path, "http://testserver")
    assert (connected, code) == (False, 1000)
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []
