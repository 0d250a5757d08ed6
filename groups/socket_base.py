"""A socket fed by the process's hub (groups/hub.py): Channels' overrides and the outbox.

Frames and layer events are handled one at a time, in arrival order, as Channels
would; but events come from the hub into an outbox, instead of through a layer
channel of the socket's own. `__call__` and `dispatch` replace Channels' own
(pinned in pyproject.toml for that reason); the room's consumer builds on this.
"""

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from community.errors import Refused
from community.transport import CLIENT_GONE
from groups import events
from groups.closes import CLOSE_SERVER_ERROR
from groups.hub import get_hub

log = logging.getLogger(__name__)
LIMITS: dict[str, Any] = settings.HEARTH_CHAT


class HubSocket(AsyncWebsocketConsumer):
    """A WebSocket consumer that takes its layer events from the hub, never waiting."""

    # The slots of this plumbing; a subclass lists its own and its mixins' (a class
    # takes slots from one line of bases only).
    __slots__ = (
        "base_send",
        "can_read",
        "draining",
        "following",
        "handling",
        "hub",
        "outbox",
        "scope",
    )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scope = scope
        self.base_send = send
        self.hub = get_hub()
        self.following: list[str] = []
        self.outbox: deque[dict[str, Any]] | None = None  # made at the first event
        self.draining: asyncio.Task | None = None
        self.can_read = False
        self.handling = False  # a frame is being handled: events wait for it
        try:
            while True:
                message = await receive()
                # One thing at a time, in arrival order: events already waiting go
                # first, and events that arrive meanwhile wait for this frame (so the
                # sender's ack always goes out before its own message comes back).
                while self.draining is not None:
                    await self.draining
                self.handling = True
                try:
                    await self.dispatch(message)
                finally:
                    self.handling = False
                self.drain_soon()
        except StopConsumer:
            pass
        finally:
            await self.unfollow()

    async def follow(self, *groups: str) -> None:
        for group in groups:
            self.following.append(group)
            await self.hub.join(group, self)

    async def unfollow(self) -> None:
        while self.following:
            await self.hub.leave(self.following.pop(), self)

    def deliver(self, event: dict[str, Any]) -> None:
        """Called by the hub for each event of a followed group; never waits."""
        if self.outbox is None:
            self.outbox = deque()
        if len(self.outbox) >= LIMITS["MAX_OUTBOX"]:
            # The client stopped reading: keep no more, let it resync when it returns.
            self.outbox.clear()
            self.outbox.append({"type": "room.overflow"})
        self.outbox.append(event)
        self.drain_soon()

    def drain_soon(self) -> None:
        """Start sending waiting events, unless they already are or a frame is handled."""
        if self.outbox and self.draining is None and not self.handling:
            self.draining = asyncio.create_task(self.drain())

    async def drain(self) -> None:
        try:
            while self.outbox:
                await self.dispatch(self.outbox.popleft())
            self.outbox = None  # an idle socket keeps no empty queue
        except Exception:
            log.exception("room event failed")
            self.can_read = False
            with contextlib.suppress(*CLIENT_GONE):  # the client may be gone already
                await self.close(code=CLOSE_SERVER_ERROR)
        finally:
            self.draining = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every handler: a hop to
        # the database thread for each delivered event. This consumer touches the
        # database only through `db_call`, which gives its connection back after
        # each call, so the hop is pure cost and is skipped.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- Sending ------------------------------------------------------------------

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except CLIENT_GONE:  # the client left while an event was on its way
            self.can_read = False

    async def send_json(self, payload: dict[str, Any]) -> None:
        await self.send(text_data=events.dumps(payload))

    async def send_error(self, refusal: Refused, **extra: Any) -> None:
        await self.send_json({**refusal.as_event(), **extra})

    async def shut(self, code: int, reason: str = "") -> None:
        """Close for good: frames already on their way and room events are then ignored."""
        self.can_read = False
        with contextlib.suppress(*CLIENT_GONE):
            await self.close(code=code, reason=reason or None)
