"""One channel-layer channel per process, fanning room and person events out to its sockets.

Channels gives every consumer a layer channel of its own. With channels-redis's
pub/sub layer that is a Redis subscription, a queue and a task waiting on it for
each socket: about 20 KB of an idle socket's 50 (measured, docs/performance.md),
and every event is decoded once per socket. Here the process listens once: its
hub channel joins each layer group that at least one of its sockets follows,
decodes each event once and hands it to those sockets.

An event names its group in `"to"` (the layer does not say which group a message
came through), so every group event is sent with groups.events.publish.
"""

import asyncio
import logging
from typing import Any, Protocol

from channels.layers import get_channel_layer

from community import metrics
from community.perloop import per_loop
from groups import events
from groups.events import addressed as addressed

log = logging.getLogger(__name__)


class Listener(Protocol):
    def deliver(self, event: dict[str, Any]) -> None:
        """Take an event without waiting: the hub must never wait for one socket."""


class Hub:
    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel = ""
        self.groups: dict[str, set[Listener]] = {}
        self.reader: asyncio.Task | None = None
        # Joins and leaves take turns, so a group is never left unsubscribed while a
        # socket follows it (a leave's unsubscribe racing a join's subscribe).
        self.turn = asyncio.Lock()

    async def join(self, group: str, listener: Listener) -> None:
        async with self.turn:
            if self.reader is None:
                self.channel = await self.layer.new_channel("hub.")
                self.reader = asyncio.create_task(self.read(self.channel))
            # Added on every join, not only the first: the in-memory layer forgets a
            # membership after a day unless it is renewed.
            await self.layer.group_add(group, self.channel)
            self.groups.setdefault(group, set()).add(listener)

    async def leave(self, group: str, listener: Listener) -> None:
        async with self.turn:
            listeners = self.groups.get(group)
            if listeners is None or listener not in listeners:
                return
            listeners.discard(listener)
            if listeners:
                return
            del self.groups[group]
            await self.layer.group_discard(group, self.channel)
            if not self.groups and self.reader is not None:
                # Nobody left to listen: stop reading, so the layer drops the channel.
                self.reader.cancel()
                self.reader = None

    async def read(self, channel: str) -> None:
        while True:
            try:
                event = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer reconnects by itself; do not spin meanwhile
                metrics.outage(service="channel_layer")
                log.warning("reading the hub channel failed", exc_info=True)
                await asyncio.sleep(1)
                continue
            metrics.broadcast_arrived(event)
            for listener in tuple(self.groups.get(event.get("to", ""), ())):
                listener.deliver(event)

    async def publish(self, group: str, message: dict[str, Any]) -> None:
        await events.publish(group, message, layer=self.layer)


# One hub per event loop (community/perloop.py).
get_hub = per_loop(lambda: Hub(get_channel_layer()))
