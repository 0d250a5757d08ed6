"""The personal socket, ws/me/: the navigation's counts, live, on any page of the site.

A facilitator reading the home page must learn within a second that someone in
their group may be in crisis. Pages other than the room have no room socket, so
static/js/alerts.js opens this one on every signed-in page that shows the safety
queue. It carries only the numbers the navigation shows (community/navigation.py):
unread notes, urgent items and messages waiting for review, and the newest urgent
item's id. Never a group's name or a message's text: the page that shows more (a
room's bar of held messages) reads it from a member-only page.

The server speaks; the client only listens (docs/protocol.md, "The personal
socket"):

- `alerts` with every value, once at connect and then whenever one changes;
- close 4401 when the person is not signed in, or no longer is (signed out,
  account deactivated, password changed); 4429 if the client sends a frame;
  4500 if reading the values failed (the client reconnects).

Events come through the process's hub (groups/hub.py), as a room's do. Writes
that move someone's counts send `alerts.changed` to their `alerts.<id>` channel
(groups/events.py: nothing in it but the type); a socket then reads the values
again, one query, and sends them if they differ. `user.recheck` (a change of
standing: a role, a suspension, a password) reads the session again as well, and
so does a timer at least every 30 s (groups/standing.py), in case a signal was
lost; signing out closes the sockets of that session at once. What a
socket keeps between events: the person's id and four of their fields, the
session key, the values last sent and one timer.
"""

import asyncio
import contextlib
import functools
import logging
from datetime import datetime
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from community import navigation
from community.offloop import db_call
from community.transport import CLIENT_GONE
from community.wsauth import account_if_signed_in, session_key, session_tag
from groups import events
from groups.closes import CLOSE_NOT_SIGNED_IN, CLOSE_POLICY, CLOSE_SERVER_ERROR
from groups.hub import get_hub
from groups.standing import recheck_interval

log = logging.getLogger(__name__)


_closing: set[asyncio.Task[None]] = set()


class Person:
    """What the socket keeps of the person between reads: what their counts depend on."""

    __slots__ = ("is_active", "is_organizer", "pk", "suspended_until")
    is_authenticated = True

    def __init__(self, user: Any) -> None:
        self.pk: int = user.pk
        self.is_active: bool = user.is_active
        self.is_organizer: bool = user.is_organizer
        self.suspended_until: datetime | None = user.suspended_until

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()


@db_call
def read_values(person: Person) -> dict[str, Any] | None:
    return navigation.values(person)


class PersonalConsumer(AsyncWebsocketConsumer):
    """One person's listening socket, on whatever page they have open."""

    __slots__ = (
        "base_send",
        "closed",
        "hub",
        "key",
        "person",
        "reading",
        "recheck_session",
        "scope",
        "stale",
        "timer",
        "values",
    )

    def __init__(self) -> None:
        """Nothing to set up: channels' layer groups are not used (the hub is)."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # As the room's consumer: no layer channel of its own (its events come from the
        # hub), and nothing else in the scope is kept (the session key is).
        self.scope = {"type": scope["type"]}
        self.base_send = send
        self.hub = get_hub()
        self.closed = True  # until the connect succeeds
        self.reading: asyncio.Task | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.stale = self.recheck_session = False
        self.values: dict[str, Any] | None = None
        user = scope.get("user")
        self.key = session_key(scope.get("headers", []))
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.connect":
                    await self.start(user)
                else:
                    handler = getattr(self, get_handler_name(message), None)
                    if handler is not None:
                        await handler(message)
        except StopConsumer:
            pass
        finally:
            await self.stop()

    async def start(self, user: Any) -> None:
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.shut(CLOSE_NOT_SIGNED_IN)
            return
        self.person = Person(user)
        self.closed = False
        await self.hub.join(events.alerts_channel(self.person.pk), self)
        await self.hub.join(events.user_channel(self.person.pk), self)
        self.soon()

    async def stop(self) -> None:
        self.closed = True
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.reading is not None and self.reading is not asyncio.current_task():
            self.reading.cancel()
        if hasattr(self, "person"):
            await self.hub.leave(events.alerts_channel(self.person.pk), self)
            await self.hub.leave(events.user_channel(self.person.pk), self)

    async def shut(self, code: int) -> None:
        self.closed = True
        with contextlib.suppress(*CLIENT_GONE):  # the client left first
            await self.close(code=code)

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        """The client has nothing to say here: a frame is a client gone wrong."""
        if not self.closed:
            await self.shut(CLOSE_POLICY)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        raise StopConsumer

    # --- Events from the hub -----------------------------------------------------

    def deliver(self, event: dict[str, Any]) -> None:
        """Called by the hub for each event of the person's channels; never waits."""
        kind = event.get("type")
        if kind == "alerts.changed":
            self.soon()
        elif kind == "user.recheck":
            self.soon(session=True)
        elif kind == "user.signed_out" and event.get("session") == session_tag(self.key):
            closing = asyncio.create_task(self.shut(CLOSE_NOT_SIGNED_IN))
            _closing.add(closing)  # held until done, so the task is not collected
            closing.add_done_callback(_closing.discard)
        # `user.event`s (notices, a room's private events) are for the rooms.

    def soon(self, *, session: bool = False) -> None:
        """Read the values again (and the session, with `session`), once, shortly."""
        if self.closed:
            return
        self.stale = True
        self.recheck_session = self.recheck_session or session
        if self.reading is None:
            self.reading = asyncio.create_task(self.refresh())

    def recheck_later(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        delay = recheck_interval()  # within the rooms' bound, jittered (groups/standing.py)
        self.timer = asyncio.get_running_loop().call_later(
            delay, functools.partial(self.soon, session=True)
        )

    async def refresh(self) -> None:
        try:
            # Events that arrive while a read is on its way make one more read, not many.
            while self.stale and not self.closed:
                self.stale = False
                if self.recheck_session:
                    self.recheck_session = False
                    if not await self.still_signed_in():
                        await self.shut(CLOSE_NOT_SIGNED_IN)
                        return
                values = await read_values(self.person)
                if values is None:  # the account was deactivated
                    await self.shut(CLOSE_NOT_SIGNED_IN)
                    return
                if values != self.values and not self.closed:
                    self.values = values
                    await self.send(text_data=events.dumps({"type": "alerts", **values}))
            if not self.closed:  # a closed socket keeps no timer (it would keep the socket)
                self.recheck_later()
        except asyncio.CancelledError:
            raise
        except CLIENT_GONE:  # the client left while we wrote
            self.closed = True
        except Exception:
            log.exception("personal socket failed to read its values")
            await self.shut(CLOSE_SERVER_ERROR)
        finally:
            self.reading = None

    async def still_signed_in(self) -> bool:
        """The session still names this person, with their current password.

        Read only, as the room's check (community/wsauth.py): this socket never signs
        anyone out, even while a password change in this very session is being saved.
        """
        user = await account_if_signed_in(self.key, self.person.pk)
        if user is None:
            return False
        self.person = Person(user)
        return True
