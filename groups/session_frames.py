"""The room socket's session frames and timers: thin calls into groups/actions/sessions.py.

Two timers live on a keeper's socket (and the holder's): a time box that ends
passes the piece on; a scheduled session that begins while a keeper is in the
room starts itself. Every socket that may wake does so; the actions make the
second and later wakers do nothing.
"""

import asyncio
import contextlib
import logging
import random
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from community.errors import Refused
from community.offloop import db_call
from groups import frames, meetings, session_state
from groups.actions import sessions
from groups.models import Group, Membership
from groups.presence import get_presence

log = logging.getLogger(__name__)
# How far ahead a keeper's socket waits for the schedule's next session.
WATCH_AHEAD = timedelta(hours=12)

start_session = db_call(sessions.start_session)
end_session = db_call(sessions.end_session)
open_round = db_call(sessions.open_round)
close_round = db_call(sessions.close_round)
answer_round = db_call(sessions.answer_round)
pass_piece = db_call(sessions.pass_piece)
move_piece = db_call(sessions.move_piece)
add_to_piece = db_call(sessions.add_to_piece)
ask_for_piece = db_call(sessions.ask_for_piece)
skip_turn = db_call(sessions.skip_turn)
pass_when_due = db_call(sessions.pass_when_due)


@db_call
def load_session(group: Group, membership: Membership, *, keeper: bool) -> dict[str, Any] | None:
    """The running session as this person sees it, noting that they are here."""
    if group.live_session_id is None:
        return None
    sessions.attend(group=group, membership=membership)
    public, private = session_state.states(group)
    return private if keeper else public


@db_call
def scheduled_session(group: Group) -> meetings.Session | None:
    schedule = meetings.schedule_of(Group.objects.select_related("schedule").get(pk=group.pk))
    return meetings.next_session(schedule, now=timezone.now())


class SessionFrames:
    """Mixed into the room consumer, which holds the slots these use."""

    # Provided by the consumer.
    group: Group
    membership: Membership
    user: Any
    keeps: bool  # keeps this room: sees the keepers' state, runs the timers
    turn_timer: asyncio.Task | None
    start_timer: asyncio.Task | None

    if TYPE_CHECKING:  # the consumer's (a stub here would come first in its MRO)

        async def send_json(self, payload: dict[str, Any]) -> None: ...

    async def present(self) -> list[int]:
        """Who is in the room now, by membership id; nobody if presence is away."""
        try:
            return sorted(await get_presence().here(self.group.pk))
        except Exception as error:  # Redis away: the session starts without the list
            log.warning("presence for a session failed (%s)", type(error).__name__)
            return []

    async def session_ack(self, action: str) -> None:
        await self.send_json({"type": "session.ack", "action": action})

    async def on_session_start(self, frame: dict[str, Any]) -> None:
        minutes = frames.integer(frame, "minutes", required=False) or None
        await start_session(
            actor=self.user, group=self.group, minutes=minutes, present=await self.present()
        )
        await self.session_ack("start")

    async def on_session_end(self, frame: dict[str, Any]) -> None:
        await end_session(actor=self.user, group=self.group)
        await self.session_ack("end")

    async def on_round_open(self, frame: dict[str, Any]) -> None:
        await open_round(
            actor=self.user,
            group=self.group,
            kind=frames.text(frame, "kind"),
            prompt=frames.text(frame, "prompt", required=False),
            order=frames.text(frame, "order", required=False) or "joined",
            turn_seconds=frames.integer(frame, "turn_seconds", required=False) or None,
            present=await self.present(),
        )
        await self.session_ack("round_open")

    async def on_round_close(self, frame: dict[str, Any]) -> None:
        await close_round(actor=self.user, group=self.group)
        await self.session_ack("round_close")

    async def on_round_answer(self, frame: dict[str, Any]) -> None:
        await answer_round(
            member=self.user,
            group=self.group,
            score=frames.integer(frame, "score", required=False) or None,
            words=frames.text(frame, "words", required=False),
            passed=frames.flag(frame, "pass"),
        )
        await self.session_ack("answer")

    async def on_piece_pass(self, frame: dict[str, Any]) -> None:
        await pass_piece(member=self.user, group=self.group)
        await self.session_ack("pass")

    async def on_piece_move(self, frame: dict[str, Any]) -> None:
        await move_piece(actor=self.user, group=self.group, step=frames.text(frame, "step"))
        await self.session_ack("move")

    async def on_piece_add(self, frame: dict[str, Any]) -> None:
        await add_to_piece(
            actor=self.user, group=self.group, membership_id=frames.integer(frame, "member")
        )
        await self.session_ack("add")

    async def on_piece_ask(self, frame: dict[str, Any]) -> None:
        await ask_for_piece(member=self.user, group=self.group)
        await self.session_ack("ask")

    async def on_piece_skip(self, frame: dict[str, Any]) -> None:
        await skip_turn(member=self.user, group=self.group)
        await self.session_ack("skip")

    HANDLERS: dict[str, Any] = {
        "session.start": on_session_start,
        "session.end": on_session_end,
        "round.open": on_round_open,
        "round.close": on_round_close,
        "round.answer": on_round_answer,
        "piece.pass": on_piece_pass,
        "piece.move": on_piece_move,
        "piece.add": on_piece_add,
        "piece.ask": on_piece_ask,
        "piece.skip": on_piece_skip,
    }

    # --- Timers -------------------------------------------------------------------

    def stop_timers(self) -> None:
        for timer in (self.turn_timer, self.start_timer):
            if timer is not None:
                timer.cancel()
        self.turn_timer = self.start_timer = None

    def watch_turn(self, turn: dict[str, Any] | None) -> None:
        """Wake when the holder's time box ends (keepers' and the holder's sockets)."""
        if self.turn_timer is not None:
            self.turn_timer.cancel()
            self.turn_timer = None
        if turn is None or not (self.keeps or turn["holder"] == self.membership.pk):
            return
        # A little apart, so the sockets that wake do not all reach the database at once.
        delay = max(0.0, turn["due"] - time.time()) + random.uniform(0, 0.3)
        self.turn_timer = asyncio.create_task(self.pass_later(delay, turn))

    async def pass_later(self, delay: float, turn: dict[str, Any]) -> None:
        await asyncio.sleep(delay)
        self.turn_timer = None
        with contextlib.suppress(Refused, OperationalError, InterfaceError):
            await pass_when_due(group=self.group, round_id=turn["round"], position=turn["position"])

    async def watch_schedule(self) -> None:
        """On a keeper's socket: start the schedule's session when it begins."""
        if not self.keeps:
            return
        if self.start_timer is not None:
            self.start_timer.cancel()
            self.start_timer = None
        try:
            upcoming = await scheduled_session(self.group)
        except (OperationalError, InterfaceError):
            return
        now = timezone.now()
        if upcoming is None or upcoming.start - now > WATCH_AHEAD:
            return
        delay = max(0.0, (upcoming.start - now).total_seconds()) + random.uniform(0, 0.5)
        self.start_timer = asyncio.create_task(self.start_later(delay, upcoming))

    async def start_later(self, delay: float, upcoming: meetings.Session) -> None:
        await asyncio.sleep(delay)
        self.start_timer = None
        with contextlib.suppress(Refused, OperationalError, InterfaceError):
            await start_session(
                actor=self.user,
                group=self.group,
                present=await self.present(),
                scheduled=(upcoming.start, upcoming.end),
            )
