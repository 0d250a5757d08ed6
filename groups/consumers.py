"""The group room's WebSocket consumer: parse a frame, call an action, send the result.

Authorization is read at connect and re-read when the layer says the person's
standing changed (and, as a safety net for a lost signal, at least every
`RECHECK_SECONDS`: groups/standing.py), so every frame and every forwarded event
is checked against a cached, current answer. A re-read judges the account, its
session and the membership as the database has them now; the writes a frame asks
for judge the fresh rows they read themselves (docs/security.md).
"""

import asyncio
import contextlib
import itertools
import json
import logging
import time
from collections import deque
from typing import Any

import redis.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from community import metrics
from community.errors import Refused
from community.offloop import db_call
from community.wsauth import session_tag
from groups import events, frame_handlers, frames, permissions, selectors, sending, session_state
from groups.actions import chat
from groups.actions.sessions import turn_of
from groups.closes import (
    CLOSE_NOT_SIGNED_IN,
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    CLOSE_TRY_AGAIN,
)
from groups.heartbeat import get_heartbeat
from groups.models import Group, Intent, Membership, ReactionKind
from groups.payloads import me_payload, member_payload, message_payload
from groups.presence import get_presence
from groups.session_frames import SessionFrames, load_session
from groups.socket_base import HubSocket
from groups.standing import Standing, get_sweeper, load_standing, recheck_interval

log = logging.getLogger(__name__)
LIMITS: dict[str, Any] = settings.HEARTH_CHAT
TYPING_EVERY = 3.0
SYNC_FRESH = 0.5  # seconds a standing read at connect still counts for a `sync`
RESYNC_EVERY = 2.0  # at most one `sync.needed` a socket in this long
READ_EVERY = 2.0

# Failures of the services a frame needs, not of the frame or of our code: the
# client sends again by itself (docs/protocol.md, `unavailable`).
OUTAGES = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)

# Names each socket of this process in the presence store (`<hub channel>!<n>`).
SOCKET_NUMBERS = itertools.count(1)


# --- Database work: one thing per call --------------------------------------------


@db_call
def load_boundaries(membership: Membership) -> selectors.RoomBoundaries:
    return selectors.room_boundaries(membership)


@db_call
def load_roster(group: Group) -> dict[int, dict[str, Any]]:
    return selectors.roster(group)


# The names and roles of each room's members, shared by this process's sockets; read
# again when an unknown member shows up, when someone's own name or role here changes,
# and at a connect that finds this process's copy wrong about the person connecting or
# older than ROSTER_FRESH seconds. Read at every connect, a connect cost 7.8 ms of
# server CPU against 6.0 (docs/performance.md, 6 December 2026).
ROSTERS: dict[int, dict[int, dict[str, Any]]] = {}
ROSTERS_READ_AT: dict[int, float] = {}
ROSTER_FRESH = 10.0


async def read_roster(group: Group) -> dict[int, dict[str, Any]]:
    roster = ROSTERS[group.pk] = await load_roster(group)
    ROSTERS_READ_AT[group.pk] = time.monotonic()
    return roster


def roster_knows(membership: Membership) -> bool:
    """Whether this process's roster of the room is fresh and names the person as now."""
    read_at = ROSTERS_READ_AT.get(membership.group_id)
    return (
        read_at is not None
        and time.monotonic() - read_at < ROSTER_FRESH
        and ROSTERS.get(membership.group_id, {}).get(membership.pk) == member_payload(membership)
    )


def _room_numbers(group: Group) -> tuple[int, int, int | None]:
    return Group.objects.values_list("last_seq", "last_change", "live_session_id").get(pk=group.pk)


@db_call
def sync_batch(
    group: Group, viewer: Membership, after_seq: int, after_change: int, *, keeper: bool
) -> dict:
    """Everything a returning client missed, or a request to reload if it is too much."""
    cap = LIMITS["SYNC_CAP"]
    reveal = viewer.is_facilitator
    last = _room_numbers(group)
    if after_seq >= last[0] and (not after_change or after_change >= last[1]):
        # Nothing missed (most reconnects): what comes next arrives live, as the socket
        # already follows the room. Reading the messages anyway made a storm's
        # reconnect cost 3.2 ms of CPU more (docs/performance.md, 6 December 2026).
        new: list = []
        changed: list = []
    else:
        new = selectors.messages_after(group, viewer, after_seq, cap)
        changed = (
            selectors.changed_since(group, viewer, after_change, after_seq, cap)
            if after_change
            else []
        )
        if len(new) > cap or len(changed) > cap:
            return {
                "type": "sync.reload",
                "detail": _("A lot happened while you were away. Reload the page to catch up."),
            }
        last = _room_numbers(group)  # after the messages: whatever came since comes live
    group.live_session_id = last[2]
    session = session_state.states(group)[1 if keeper else 0] if last[2] else None
    return {
        "type": "sync.batch",
        "messages": [message_payload(m, reveal_hidden=reveal) for m in new],
        "updates": [message_payload(m, reveal_hidden=reveal) for m in changed],
        "last_seq": last[0],
        "last_change": last[1],
        "session": session,
    }


edit_message = db_call(chat.edit_message)
delete_message = db_call(chat.delete_message)
toggle_reaction = db_call(chat.toggle_reaction)
mark_read = db_call(chat.mark_read)


class RoomConsumer(SessionFrames, Standing, HubSocket):
    """One member's socket on one room: frames mapped to actions, events forwarded.

    The plumbing (the hub's outbox, one thing at a time) is groups/socket_base.py's;
    whether the socket may stay, groups/standing.py's; the session frames and timers,
    groups/session_frames.py's; other apps' frames are registered in
    groups/frame_handlers.py.
    """

    # Slots, not an instance dict: a socket's state stays small while it idles. The
    # mixins' attributes are slotted here (a class takes slots from one line of bases).
    __slots__ = (
        "boundaries",
        "can_post",
        "channel_name",
        "checked_at",
        "expiry",
        "frames_allowance",
        "frames_stamp",
        "group",
        "keeps",
        "last_read",
        "last_typing",
        "membership",
        "private",
        "recheck_every",
        "refusals",
        "resync_asked",
        "room",
        "session",
        "start_timer",
        "turn_timer",
        "unseen",
        "user",
    )
    group: Group
    membership: Membership

    async def connect(self) -> None:
        self.user = self.scope["user"]
        self.can_read = False
        self.expiry: asyncio.Task | None = None
        if not self.user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        standing = await load_standing(self.user, self.scope["url_route"]["kwargs"]["slug"])
        if isinstance(standing, int):
            await self.accept()
            await self.close(code=standing)
            return
        self.group, self.membership, self.can_read, self.can_post = standing
        self.user = self.membership.user  # as the database has the person now
        self.keeps = permissions.keeps_room(self.user, self.group, self.membership)
        self.turn_timer = self.start_timer = None
        self.session = self.scope.get("session_key")
        self.checked_at = time.monotonic()
        self.recheck_every = recheck_interval()
        self.room = events.group_channel(self.group.pk)
        self.private = events.user_channel(self.user.pk)
        self.resync_asked = 0.0
        self.frames_allowance = 60.0
        self.frames_stamp = time.monotonic()
        self.refusals: deque[float] | None = None  # made at the first refusal
        self.last_typing = self.last_read = 0.0
        self.take_boundaries(await self.current_boundaries(just_read=True))
        await self.follow(self.room, self.private)
        self.channel_name = f"{self.hub.channel}!{next(SOCKET_NUMBERS)}"
        await self.accept()
        if not roster_knows(self.membership):
            await read_roster(self.group)
        session = await load_session(self.group, self.membership, keeper=self.keeps)
        # Presence is best-effort: a room opens (and chat works) without it.
        present = await self.enter_presence()
        await self.send_json(
            {
                "type": "hello",
                "room": events.room_state(self.group),
                "me": me_payload(self.group, self.membership, can_post=self.can_post),
                "last_seq": self.group.last_seq,
                "last_change": self.group.last_change,
                # str(): the labels may be lazy translations, read in this socket's language.
                "reactions": [{"key": k, "label": str(v)} for k, v in ReactionKind.choices],
                "intents": [{"key": k, "label": str(v)} for k, v in Intent.choices],
                "limits": {"max_body": LIMITS["MAX_BODY"]},
                # Whose messages this client folds (membership id -> "mute" or "block").
                "boundaries": self.boundaries.mine,
                # The running session (groups/session_state.py), or None.
                "session": session,
            }
        )
        self.watch_turn(turn_of(session))
        await self.watch_schedule()
        if present:
            await self.announce_presence_quietly()
        self.schedule_expiry()
        get_sweeper().add(self)
        get_heartbeat().add(self.group.pk, self)

    async def enter_presence(self) -> bool:
        try:
            await get_presence().enter(self.group.pk, self.membership.pk, self.channel_name)
        except Exception as error:  # Redis away: the room opens; the refresher adds it later
            log.warning("presence entry at connect failed (%s)", type(error).__name__)
            return False
        return True

    async def disconnect(self, code: int) -> None:
        if not self.can_read and not hasattr(self, "room"):
            return
        if self.expiry is not None:
            self.expiry.cancel()
        self.can_read = False
        self.stop_timers()
        get_sweeper().discard(self)
        get_heartbeat().discard(self.group.pk, self)
        await self.unfollow()
        try:
            await get_presence().leave(self.group.pk, self.membership.pk, self.channel_name)
            await self.announce_presence()
        except Exception as error:  # Redis away: the entry expires by itself
            log.warning("presence update on disconnect failed (%s)", type(error).__name__)

    # --- Presence -----------------------------------------------------------------

    async def announce_presence(self) -> None:
        here = await get_presence().here(self.group.pk)
        roster = ROSTERS.get(self.group.pk, {})
        if here - roster.keys():
            roster = await read_roster(self.group)
        people = [roster[m] for m in sorted(here) if m in roster]
        await self.hub.publish(self.room, events.presence(people))

    async def announce_presence_quietly(self) -> None:
        try:
            await self.announce_presence()
        except Exception as error:
            log.warning("presence announcement at connect failed (%s)", type(error).__name__)

    # --- Boundaries (mute, block) ---------------------------------------------------

    def take_boundaries(self, boundaries: selectors.RoomBoundaries) -> None:
        self.boundaries = boundaries
        self.unseen = boundaries.unseen(facilitator=self.membership.is_facilitator)

    async def current_boundaries(self, *, just_read: bool) -> selectors.RoomBoundaries:
        """This member's boundaries. When the membership was `just_read` by the room's
        read, which says whether there are any, none are read again for most members,
        who set none and meet none."""
        if just_read and not getattr(self.membership, "has_boundaries", True):
            return selectors.NO_BOUNDARIES
        return await load_boundaries(self.membership)

    async def reload_boundaries(self, *, just_read: bool = False) -> None:
        """Re-read this member's boundaries; tell the client only its own list."""
        was_mine, was_unseen = self.boundaries.mine, self.unseen
        self.take_boundaries(await self.current_boundaries(just_read=just_read))
        if self.boundaries.mine != was_mine:
            await self.send_json({"type": "boundaries", "boundaries": self.boundaries.mine})
        if self.unseen != was_unseen:
            # Who is here, as this socket may now show it (sent to this socket only).
            with contextlib.suppress(*OUTAGES):
                here = await get_presence().here(self.group.pk)
                roster = ROSTERS.get(self.group.pk, {})
                people = [roster[m] for m in sorted(here) if m in roster]
                await self.send_json({"type": "presence", "here": self.visible(people)})

    def visible(self, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [p for p in people if p["id"] not in self.unseen]

    async def renamed(self) -> None:
        await read_roster(self.group)
        await self.announce_presence_quietly()

    # --- Incoming frames ----------------------------------------------------------

    def flooding(self) -> bool:
        """A per-socket allowance of frames: bursts are fine, a torrent is not."""
        now = time.monotonic()
        self.frames_allowance = min(60.0, self.frames_allowance + (now - self.frames_stamp) * 20)
        self.frames_stamp = now
        self.frames_allowance -= 1
        return self.frames_allowance < 0

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.can_read:
            return
        if self.flooding():
            await self.shut(CLOSE_POLICY)
            return
        if text_data is None:
            await self.send_error(Refused("bad_frame", _("Please send text frames only.")))
            return
        if frames.too_big(text_data, LIMITS["MAX_FRAME_BYTES"]):
            await self.shut(CLOSE_TOO_BIG)
            return
        frame: dict[str, Any] = {}
        try:
            frame = frames.parse(text_data)
            if not await self.still_allowed():
                return
            handler = self.HANDLERS.get(frame["type"])
            if handler is None:
                raise Refused("unknown_type", _("That kind of message is not something we know."))
            with metrics.frame(frame["type"]):
                await handler(self, frame)
        except Refused as refusal:
            await self.refused(refusal, frame)
        except OUTAGES as error:
            metrics.outage(error)
            # PostgreSQL or Redis away, or a deadlock: the same frame will likely work
            # in a moment (a send resent under its client_id is never stored twice).
            # No traceback: it is not a bug.
            log.warning(
                "chat frame failed: a service is unavailable (type=%s)", str(frame.get("type"))[:40]
            )
            await self.send_json(
                {
                    "type": "error",
                    "code": "unavailable",
                    "detail": _("We couldn't save that just now. It will be tried again shortly."),
                    **self.echo_id(frame),
                }
            )
        except Exception:
            # Our fault, not the client's: log without any message content.
            log.exception("chat frame failed (type=%s)", str(frame.get("type"))[:40])
            await self.send_json(
                {
                    "type": "error",
                    "code": "server_error",
                    "detail": _("Something went wrong on our side. Please try again."),
                    **self.echo_id(frame),
                }
            )

    @staticmethod
    def echo_id(frame: dict[str, Any]) -> dict[str, str]:
        """The frame's client id to echo, so the client knows which message failed."""
        client_id = frame.get("client_id")
        # Echo only a well-formed id: anything else (a lone surrogate) may not be sendable.
        if isinstance(client_id, str) and chat.CLIENT_ID.fullmatch(client_id):
            return {"client_id": client_id}
        return {}

    async def refused(self, refusal: Refused, frame: dict[str, Any]) -> None:
        await self.send_error(refusal, **self.echo_id(frame))
        now = time.monotonic()
        if self.refusals is None:
            self.refusals = deque(maxlen=LIMITS["FLOOD_LIMIT"])
        self.refusals.append(now)
        if len(self.refusals) == self.refusals.maxlen and now - self.refusals[0] < 10:
            await self.shut(CLOSE_POLICY)

    async def on_send(self, frame: dict[str, Any]) -> None:
        # A missing id is refused by the action as `invalid_client_id`.
        client_id = frames.text(frame, "client_id", required=False)
        sent = await sending.send_message(
            user=self.user,
            group=self.group,
            client_id=client_id,
            body=frames.text(frame, "body"),
            intent=frames.text(frame, "intent", required=False),
            content_warning=frames.text(frame, "content_warning", required=False),
            resource_id=frames.integer(frame, "resource", required=False) or None,
        )
        message = sent.message
        await self.send_json(
            {
                "type": "message.ack",
                "client_id": client_id,
                "id": message.pk,
                "seq": message.seq,
                "held": message.held,
            }
        )
        if message.held and sent.created:
            await self.send_json({"type": "message.new", "message": message_payload(message)})

    async def on_edit(self, frame: dict[str, Any]) -> None:
        await edit_message(
            user=self.user,
            group=self.group,
            message_id=frames.integer(frame, "id"),
            body=frames.text(frame, "body"),
        )

    async def on_delete(self, frame: dict[str, Any]) -> None:
        await delete_message(
            user=self.user, group=self.group, message_id=frames.integer(frame, "id")
        )

    async def on_react(self, frame: dict[str, Any]) -> None:
        message_id, kind = frames.integer(frame, "id"), frames.text(frame, "reaction")
        on = await toggle_reaction(
            user=self.user, group=self.group, message_id=message_id, kind=kind
        )
        await self.send_json({"type": "reaction.ack", "id": message_id, "reaction": kind, "on": on})

    async def on_typing(self, frame: dict[str, Any]) -> None:
        now = time.monotonic()
        if not self.can_post or now - self.last_typing < TYPING_EVERY:
            return
        self.last_typing = now
        await self.hub.publish(
            self.room, events.typing(self.membership.pk, self.membership.display_name)
        )

    async def on_sync(self, frame: dict[str, Any]) -> None:
        after_seq = frames.integer(frame, "after_seq")
        after_change = frames.integer(frame, "after_change", required=False)
        # History is the most a socket can read at once: judge it on fresh rows, unless
        # they were read a moment ago (a reconnect reads them at connect).
        if time.monotonic() - self.checked_at > SYNC_FRESH and not await self.refresh_standing():
            return
        await self.send_json(
            await sync_batch(
                self.group, self.membership, after_seq, after_change, keeper=self.keeps
            )
        )

    async def on_read(self, frame: dict[str, Any]) -> None:
        seq = frames.integer(frame, "seq")
        now = time.monotonic()
        if now - self.last_read >= READ_EVERY:
            self.last_read = now
            await mark_read(user=self.user, group=self.group, seq=seq)

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    # Every frame type handled, this class's and other apps' (groups/frame_handlers.py).
    HANDLERS = frame_handlers.HANDLERS

    # --- Events from the channel layer --------------------------------------------

    async def room_event(self, event: dict[str, Any]) -> None:
        """Forward a room event (JSON built once by the sender) if this socket may read."""
        # Cached: a query only now and then, in case a revocation was lost.
        if not await self.still_allowed():
            return
        if time.time() - event.get("sent_at", time.time()) > LIMITS["MAX_LAG_SECONDS"]:
            # Far behind (this process is busy, as in a storm's catch-up): drop what
            # waits and have the client sync once from its last number. Closing made
            # it connect again, which fed the storm.
            if self.outbox:
                self.outbox.clear()
            now = time.monotonic()
            if now - self.resync_asked > RESYNC_EVERY:
                self.resync_asked = now
                await self.send_json({"type": "sync.needed"})
            return
        if self.unseen:
            # A set lookup on the few events that name a person who is not shown here.
            if event.get("from") in self.unseen:
                return
            if "here" in event and not self.unseen.isdisjoint(event["here"]):
                payload = json.loads(event["text"])
                payload["here"] = self.visible(payload["here"])
                await self.send_json(payload)
                return
        await self.send(
            text_data=event["keepers_text"]
            if self.keeps and "keepers_text" in event
            else event["text"]
        )
        if "state" in event:
            await self.apply_room_state(event["state"])
        if "turn" in event:  # a session's change: the piece's time box, if any
            self.watch_turn(event["turn"])
            if self.keeps and event.get("ended"):  # the next scheduled one may start itself
                await self.watch_schedule()

    async def room_overflow(self, event: dict[str, Any]) -> None:
        """Too many events waited for this socket (see `deliver`)."""
        if self.can_read:
            await self.shut(CLOSE_TRY_AGAIN)

    async def user_event(self, event: dict[str, Any]) -> None:
        """A private event for this person (in this group, or anywhere)."""
        if self.can_read and event.get("group_id") in (None, self.group.pk):
            await self.send(text_data=event["text"])

    async def user_recheck(self, event: dict[str, Any]) -> None:
        """The person's standing changed somewhere: re-read it now."""
        if self.can_read and event.get("group_id") in (None, self.group.pk):
            await self.refresh_standing()

    async def user_boundaries(self, event: dict[str, Any]) -> None:
        """This person's boundaries in this group changed (theirs, or towards them)."""
        if self.can_read and event.get("group_id") == self.group.pk:
            await self.reload_boundaries()

    async def user_signed_out(self, event: dict[str, Any]) -> None:
        """A session of this person ended: close this socket if it was opened by it."""
        if self.can_read and event.get("session") == session_tag(self.session):
            await self.shut(CLOSE_NOT_SIGNED_IN)


frame_handlers.register(
    {
        "message.send": RoomConsumer.on_send,
        "message.edit": RoomConsumer.on_edit,
        "message.delete": RoomConsumer.on_delete,
        "reaction.toggle": RoomConsumer.on_react,
        "typing": RoomConsumer.on_typing,
        "sync": RoomConsumer.on_sync,
        "read": RoomConsumer.on_read,
        "ping": RoomConsumer.on_ping,
        **SessionFrames.HANDLERS,
    }
)
