"""Fixtures for chat: a group with members, and sockets that pass through the real
origin check and session authentication of community.asgi."""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from importlib import import_module
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase

from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import Group
from tests.factories import make_organizer, make_user


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: takes about a minute (idle sockets); deselect with -m 'not slow'"
    )


ORIGIN = (b"origin", b"http://testserver")
HOST = (b"host", b"testserver")  # a browser always sends it; the Origin must match it
Event = dict[str, Any]
Skip = tuple[str, ...]


def session_cookie(user: Any) -> bytes:
    """Create a signed-in session for `user` and return its Cookie header value."""
    engine = import_module(settings.SESSION_ENGINE)
    session: SessionBase = engine.SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()


def make_room(*, members: int = 2, facilitators: int = 1, **group_fields: Any) -> dict[str, Any]:
    """A group opened by an organizer, with consenting facilitators and members."""
    organizer = make_organizer()
    group = group_actions.create_group(actor=organizer, name="Evening circle", **group_fields)
    people: dict[str, Any] = {"group": group, "organizer": organizer}
    for index in range(facilitators):
        person = make_user(display_name=f"Facilitator {index + 1}")
        member_actions.join_group(user=person, group=group, agreement_version=1)
        member_actions.set_facilitator(actor=organizer, group=group, user=person, facilitator=True)
        people.setdefault("facilitators", []).append(person)
    for index in range(members):
        person = make_user(display_name=f"Member {index + 1}")
        member_actions.join_group(user=person, group=group, agreement_version=1)
        people.setdefault("members", []).append(person)
    return people


@pytest.fixture
def room(transactional_db: None) -> dict[str, Any]:
    return make_room()


class Socket:
    """A connected test socket with small helpers for reading events by type."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator

    async def send(self, frame: dict[str, Any]) -> None:
        await self.communicator.send_json_to(frame)

    async def send_text(self, text: str) -> None:
        await self.communicator.send_input({"type": "websocket.receive", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        await self.communicator.send_input({"type": "websocket.receive", "bytes": data})

    async def receive(self, timeout: float = 2) -> dict[str, Any]:  # noqa: ASYNC109
        """The next event; it must be a text frame a real server could encode as UTF-8."""
        output = await self.communicator.receive_output(timeout)
        assert output["type"] == "websocket.send", f"expected an event, got {output}"
        text = output.get("text")
        assert isinstance(text, str), f"expected a text frame, got {output}"
        text.encode("utf-8")  # a lone surrogate here would crash a real server's send
        return json.loads(text)

    async def closed(self, timeout: float = 2) -> int:  # noqa: ASYNC109
        """Read until the server closes the socket; return the close code."""
        while True:
            output = await self.communicator.receive_output(timeout)
            if output["type"] == "websocket.close":
                return output.get("code", 1000)

    async def receive_type(self, kind: str, timeout: float = 2, skip: Skip = ()) -> Event:  # noqa: ASYNC109
        """Read events until one of type `kind` arrives (skipping presence, typing, `skip`)."""
        while True:
            event = await self.receive(timeout=timeout)
            if event["type"] == kind:
                return event
            if event["type"] not in {"presence", "typing", *skip}:
                raise AssertionError(f"expected {kind}, got {event}")

    async def nothing(self, timeout: float = 0.3, ignore: tuple[str, ...] = ("presence",)) -> bool:  # noqa: ASYNC109
        """True when no event other than `ignore`d ones arrives within `timeout`."""
        while True:
            if await self.communicator.receive_nothing(timeout=timeout):
                return True
            event = await self.receive()
            if event["type"] not in ignore:
                raise AssertionError(f"expected nothing, got {event}")

    async def close(self) -> None:
        await self.communicator.disconnect()


async def open_socket(
    user: Any, group: Group, *, origin: tuple[bytes, bytes] | None = ORIGIN
) -> tuple[WebsocketCommunicator, bool, int | None]:
    from community.asgi import application

    headers = [HOST]
    if origin is not None:
        headers.append(origin)
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    communicator = WebsocketCommunicator(application, f"/ws/groups/{group.slug}/", headers)
    connected, code = await communicator.connect(timeout=3)
    return communicator, connected, code


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Any]]:
    """`await connect(user, group)` → a Socket that has read its hello; closed at the end."""
    opened: list[WebsocketCommunicator] = []

    async def _connect(user: Any, group: Group) -> Socket:
        communicator, connected, code = await open_socket(user, group)
        opened.append(communicator)
        assert connected, f"refused with {code}"
        socket = Socket(communicator)
        hello = await socket.receive_type("hello")
        socket.hello = hello  # type: ignore[attr-defined]
        return socket

    yield _connect
    for communicator in opened:
        # A receive that timed out in the test has already cancelled the app.
        with contextlib.suppress(asyncio.CancelledError):
            await communicator.disconnect()
    await release_sync_thread_connection()


async def release_sync_thread_connection() -> None:
    """Close the database connection that consumers' sync thread keeps between calls.

    channels' `database_sync_to_async` closes connections outside the context its
    function ran in, so the last one opened stays open; on PostgreSQL it would stop
    the test database from being dropped at the end of the run.
    """
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.fixture
async def refused() -> AsyncIterator[Callable[..., Any]]:
    """`await refused(user, group)` → the close code of a socket the server turns away.

    The server accepts and then closes with a code, so a browser can read it; the
    socket must hear nothing (no hello, no room event) before the close.
    """
    opened: list[WebsocketCommunicator] = []

    async def _refused(user: Any, group: Group) -> int:
        communicator, connected, code = await open_socket(user, group)
        opened.append(communicator)
        assert connected, f"handshake refused with {code}"
        output = await communicator.receive_output(timeout=3)
        assert output["type"] == "websocket.close", f"expected a close, got {output}"
        return output["code"]

    yield _refused
    for communicator in opened:
        await communicator.disconnect()
    await release_sync_thread_connection()


@pytest.fixture
def chat_limits(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """`chat_limits(RATE=..., BURST=..., SYNC_CAP=...)`: change HEARTH_CHAT for one test.

    The actions and the consumer read the settings dict once at import, so the
    values are changed in that very dict (and put back afterwards).
    """
    from groups import consumers
    from groups.actions import chat

    assert chat.LIMITS is consumers.LIMITS is settings.HEARTH_CHAT

    def _set(**values: Any) -> None:
        for key, value in values.items():
            assert key in chat.LIMITS, key
            monkeypatch.setitem(chat.LIMITS, key, value)

    return _set


@pytest.fixture
def fast_chat(chat_limits: Callable[..., None]) -> None:
    """Lift the per-member rate limit for tests that send many messages."""
    chat_limits(RATE=10_000.0, BURST=10_000)


@pytest.fixture
def server_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every log record; `errors(server_log)` lists the ERROR ones."""
    caplog.set_level(logging.DEBUG)
    yield caplog


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The records at ERROR or above (a traceback for a client's mistake is a bug)."""
    return [r for r in caplog.records if r.levelno >= logging.ERROR]
