"""Delivery that notices what it missed: every open room socket hears its room's numbers.

The channel layer delivers at most once. A broadcast lost while Redis restarts
(or published before the layer's subscriptions returned) leaves a quiet room
unaware: nothing after it shows the gap. So every `HEARTBEAT_SECONDS` each
process reads the `last_seq` and `last_change` of the rooms its sockets have
open (one query for all of them) and tells those sockets; a client that is
behind asks for the rest with `sync` (docs/protocol.md). One task per process,
as for the standing sweep (groups/standing.py): an idle socket stays small.
With Redis, the same beat keeps the processes' shares of sockets even
(groups/balance.py), and then beats from the process's first request on.
"""

import asyncio
import logging
import time
from typing import Any, Protocol

from django.conf import settings

from community import metrics
from community.offloop import db_call
from community.perloop import per_loop
from groups import events
from groups.balance import Balance
from groups.models import Group

log = logging.getLogger(__name__)


class Listener(Protocol):
    def deliver(self, event: dict[str, Any]) -> None: ...

    async def shut(self, code: int, reason: str = "") -> None: ...


@db_call
def room_numbers(group_ids: list[int]) -> list[tuple[int, int, int]]:
    return list(Group.objects.filter(pk__in=group_ids).values_list("pk", "last_seq", "last_change"))


class Heartbeat:
    def __init__(self) -> None:
        self.rooms: dict[int, set[Listener]] = {}
        self.task: asyncio.Task[None] | None = None
        self.balance: Balance | None = None  # with Redis, from the process's first request
        metrics.watch_outboxes(self)  # its sockets' outboxes, read at each sample

    def add(self, group_id: int, socket: Listener) -> None:
        self.rooms.setdefault(group_id, set()).add(socket)
        if self.task is None:
            self.task = asyncio.create_task(self.beat())

    def count(self) -> None:
        """Beat for as long as the process lives, with its count in the balance."""
        if self.balance is None:
            self.balance = Balance()
        if self.task is None:
            self.task = asyncio.create_task(self.beat())

    def discard(self, group_id: int, socket: Listener) -> None:
        sockets = self.rooms.get(group_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.rooms[group_id]

    async def beat(self) -> None:
        try:
            while self.rooms or self.balance is not None:
                # Read each time, so a test can make it short.
                await asyncio.sleep(float(settings.HEARTH_CHAT["HEARTBEAT_SECONDS"]))
                metrics.sample()  # before this beat's own event joins every outbox
                if self.rooms:
                    await self.tell_numbers()
                if self.balance is not None:
                    try:
                        await self.balance.tick([s for room in self.rooms.values() for s in room])
                    except Exception as error:  # Redis is away: the next beat tries again
                        log.warning("balancing the room sockets failed (%s)", type(error).__name__)
        finally:
            self.task = None

    async def tell_numbers(self) -> None:
        try:
            numbers = await room_numbers(list(self.rooms))
        except Exception:  # the database is away: the next beat tries again
            log.warning("reading the rooms' numbers failed", exc_info=True)
            return
        for group_id, last_seq, last_change in numbers:
            text = events.dumps(
                {"type": "heartbeat", "last_seq": last_seq, "last_change": last_change}
            )
            # Through each socket's own line, so it takes its turn with frames.
            event = {"type": "room.event", "text": text, "sent_at": time.time()}
            for socket in tuple(self.rooms.get(group_id, ())):
                socket.deliver(event)


# One heartbeat per event loop (community/perloop.py).
get_heartbeat = per_loop(Heartbeat)
