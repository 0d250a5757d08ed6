"""The safety net under revocation: every open room socket re-reads its standing
at least every `RECHECK_SECONDS`, even when no frame or event arrives.

A revocation (a removal, a suspension, a deactivation, a sign-out) normally reaches
a person's sockets through their per-person channel at once. A signal can be lost
(Redis restarting, a process that missed it), so each process also sweeps its own
sockets once a second and asks the ones that are due to re-check. One task per
process, not one per socket: an idle socket stays small. Each socket's interval is
drawn between 70 % and 95 % of the bound, so sockets that connected together do
not all query at the same moment, and a due socket waits at most one sweep more.
"""

import asyncio
import random
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.utils import timezone

from community.offloop import db_call
from community.perloop import per_loop
from groups import events, permissions
from groups.closes import CLOSE_NOT_SIGNED_IN
from groups.models import Group, Membership
from groups.payloads import me_payload

SWEEP_EVERY = 1.0
SESSION_GRACE = 0.5


def recheck_interval() -> float:
    """A fresh socket's interval between re-checks, jittered under the bound."""
    bound = float(settings.HEARTH_CHAT["RECHECK_SECONDS"])
    return max(bound * random.uniform(0.7, 0.95) - SWEEP_EVERY, 0.0)


class Checked(Protocol):
    checked_at: float
    recheck_every: float

    def deliver(self, event: dict[str, Any]) -> None: ...


RECHECK = {"type": "user.recheck", "group_id": None}


class Sweeper:
    def __init__(self) -> None:
        self.sockets: set[Checked] = set()
        self.task: asyncio.Task[None] | None = None

    def add(self, socket: Checked) -> None:
        self.sockets.add(socket)
        if self.task is None:
            self.task = asyncio.create_task(self.sweep())

    def discard(self, socket: Checked) -> None:
        self.sockets.discard(socket)

    async def sweep(self) -> None:
        try:
            while self.sockets:
                await asyncio.sleep(SWEEP_EVERY)
                now = time.monotonic()
                for socket in tuple(self.sockets):
                    if now - socket.checked_at > socket.recheck_every:
                        # Through the socket's own line, so it takes its turn with frames
                        # and events; counted as checked now so it is asked only once.
                        socket.checked_at = now
                        socket.deliver(RECHECK)
        finally:
            self.task = None


# One sweeper per event loop (community/perloop.py).
get_sweeper = per_loop(Sweeper)


# --- A room socket's standing ------------------------------------------------------

load_standing = db_call(permissions.access_room)


class Standing:
    """Mixed into the room's consumer, which holds the slots these use: whether the
    socket may stay, re-read when told, when due, and when a mute or a pause ends."""

    # Provided by the consumer.
    group: Group
    membership: Membership
    user: Any
    session: str | None
    can_read: bool
    can_post: bool
    keeps: bool
    checked_at: float
    recheck_every: float
    expiry: asyncio.Task | None

    if TYPE_CHECKING:  # the consumer's (a stub here would come first in its MRO)

        async def send_json(self, payload: dict[str, Any]) -> None: ...

        async def shut(self, code: int, reason: str = "") -> None: ...

        async def renamed(self) -> None:
            """The person goes by another name, or has another role, here now."""

        async def reload_boundaries(self, *, just_read: bool = False) -> None: ...

    async def refresh_standing(self) -> bool:
        """Re-read whether this socket may stay; close it if not. Returns True to go on."""
        standing = await load_standing(self.user, self.group.slug, self.session or "")
        if standing == CLOSE_NOT_SIGNED_IN:
            # A password changed in this very session is saved a moment after the
            # account (whose save told us to re-check): look once more before closing.
            await asyncio.sleep(SESSION_GRACE)
            standing = await load_standing(self.user, self.group.slug, self.session or "")
        self.checked_at = time.monotonic()
        if isinstance(standing, int):
            await self.shut(standing)
            return False
        was = me_payload(self.group, self.membership, can_post=self.can_post)
        self.group, self.membership, self.can_read, self.can_post = standing
        self.user = self.membership.user  # as the database has the person now
        self.keeps = permissions.keeps_room(self.user, self.group, self.membership)
        now = me_payload(self.group, self.membership, can_post=self.can_post)
        if now != was:  # a mute, a role, a consent, a name: whatever changed, say it
            await self.send_json({"type": "me", "me": now})
        if (now["name"], now["role"]) != (was["name"], was["role"]):  # the room's list shows both
            await self.renamed()
        # Boundaries too, in case their signal was lost (and a role changes `unseen`).
        await self.reload_boundaries(just_read=True)
        self.schedule_expiry()
        return True

    def schedule_expiry(self) -> None:
        """Wake when a mute or a pause ends by itself, so the composer opens again live."""
        if self.expiry is not None:
            self.expiry.cancel()
            self.expiry = None
        now = timezone.now()
        moments = [
            moment
            for moment in (self.membership.muted_until, self.group.paused_until)
            if moment is not None and moment > now
        ]
        if moments:
            delay = (min(moments) - now).total_seconds() + 0.5
            self.expiry = asyncio.create_task(self.expire_after(delay))

    async def expire_after(self, delay: float) -> None:
        # Whether the room was paused is read now: after the sleep the pause has ended.
        paused = self.group.is_paused
        await asyncio.sleep(delay)
        self.expiry = None
        if await self.refresh_standing() and paused and not self.group.is_paused:
            await self.send_json(events.room_state(self.group))

    async def apply_room_state(self, state: dict[str, Any]) -> None:
        """Take the room's new state from the event itself (no query) and re-derive posting."""
        until = state.get("paused_until")
        self.group.paused_until = datetime.fromisoformat(until) if until else None
        self.group.pause_message = state.get("pause_message", "")
        self.group.slow_mode_seconds = state.get("slow_mode", 0)
        self.group.agreement_version = state.get("agreement_version", 0)
        self.group.archived = state.get("archived", False)
        can_post = permissions.can_post(self.user, self.group, self.membership)
        if can_post != self.can_post:
            self.can_post = can_post
            await self.send_json(
                {"type": "me", "me": me_payload(self.group, self.membership, can_post=can_post)}
            )
        self.schedule_expiry()

    def due_for_recheck(self) -> bool:
        return time.monotonic() - self.checked_at > self.recheck_every

    async def still_allowed(self) -> bool:
        if not self.can_read:
            return False
        if self.due_for_recheck():
            return await self.refresh_standing()
        return True
