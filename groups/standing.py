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
from typing import Any, Protocol

from django.conf import settings

from community.perloop import per_loop

SWEEP_EVERY = 1.0


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
