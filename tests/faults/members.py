"""Scripted members for fault tests: each one behaves as room.js does.

A member keeps one socket on the room open, reconnecting with full jitter (and a
busy server's hint); after every `hello` it syncs from the last number it holds;
it asks for a sync on a gap, on `sync.needed` and when a heartbeat shows it is
behind; it sends a message now and then under a fresh client id and sends it
again, under the same id, until it is acknowledged (after a reconnect, or an
`unavailable`/`server_error` refusal). What each member heard is kept by number,
so a test can say that every stored message reached everyone exactly once.
"""

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

RETRYABLE = {"unavailable", "server_error"}
# Each scenario's figures, printed at the end of the run (tests/conftest.py).
FIGURES: list[tuple[str, dict[str, float]]] = []


@dataclass
class Member:
    name: str
    cookie: str
    urls: list[str]  # the room's socket on each server (a reconnect picks one at random)
    origin: str
    send_every: float = 0.5
    sends: int = 0
    heard: dict[int, int] = field(default_factory=dict)  # seq -> message id
    repeats: int = 0  # a number heard again with another id (a duplicate)
    pending: dict[str, str] = field(default_factory=dict)  # client id -> body
    acked: dict[str, int] = field(default_factory=dict)  # client id -> stored id
    retries: dict[str, int] = field(default_factory=dict)  # client id -> tries our side failed
    connects: int = 0
    refused: list[str] = field(default_factory=list)
    last_seq: int = 0
    last_change: int = 0
    socket: Any = None
    sending: bool = True

    # --- What it heard ------------------------------------------------------------

    def hear(self, message: dict[str, Any]) -> None:
        seq = message.get("seq")
        if seq is None:
            return  # held for review: no number, not in the room
        if self.heard.get(seq, message["id"]) != message["id"]:
            self.repeats += 1
        self.heard[seq] = message["id"]
        while self.last_seq + 1 in self.heard:
            self.last_seq += 1

    @property
    def gap(self) -> bool:
        return bool(self.heard) and max(self.heard) > self.last_seq

    # --- The socket -------------------------------------------------------------------

    async def frame(self, payload: dict[str, Any]) -> None:
        if self.socket is not None:
            with contextlib.suppress(ConnectionClosed):
                await self.socket.send(json.dumps(payload))

    async def sync(self) -> None:
        await self.frame(
            {"type": "sync", "after_seq": self.last_seq, "after_change": self.last_change}
        )

    async def handle(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "hello":
            self.last_change = max(self.last_change, event["last_change"])
            await self.sync()
            for client_id, body in list(self.pending.items()):
                await self.frame({"type": "message.send", "client_id": client_id, "body": body})
        elif kind == "message.new":
            self.hear(event["message"])
            if self.gap:
                await self.sync()
        elif kind == "sync.batch":
            for message in event["messages"]:
                self.hear(message)
            self.last_change = max(self.last_change, event["last_change"])
        elif kind in ("sync.needed", "room.overflow") or (
            kind == "heartbeat" and event["last_seq"] > self.last_seq
        ):
            await self.sync()
        elif kind == "message.ack":
            if self.pending.pop(event["client_id"], ""):
                self.acked[event["client_id"]] = event["id"]
        elif kind == "error":
            client_id = str(event.get("client_id", ""))
            if client_id in self.pending and event["code"] in RETRYABLE:
                # As room.js: again later each time (0.5-1 s, 1-2 s, ...), in the background.
                tries = self.retries[client_id] = self.retries.get(client_id, 0) + 1
                asyncio.get_running_loop().call_later(
                    0.5 * 2 ** (tries - 1) * (1 + random.random()),
                    lambda: asyncio.ensure_future(self.resend(client_id)),
                )
            elif client_id in self.pending:
                self.refused.append(event["code"])
                self.pending.pop(client_id)

    async def resend(self, client_id: str) -> None:
        if client_id in self.pending:
            body = self.pending[client_id]
            await self.frame({"type": "message.send", "client_id": client_id, "body": body})

    async def stay(self, until: asyncio.Event) -> None:
        """Keep a socket open until `until` is set, reconnecting as room.js does."""
        attempts = 0
        while not until.is_set():
            hint = 0.0
            try:
                async with connect(
                    random.choice(self.urls),
                    additional_headers={"Cookie": self.cookie, "Origin": self.origin},
                    open_timeout=10,
                ) as socket:
                    self.socket = socket
                    self.connects += 1
                    async for text in socket:
                        event = json.loads(text)
                        if event["type"] == "hello":
                            attempts = 0
                        await self.handle(event)
                        if until.is_set():
                            break
            except ConnectionClosed as closed:
                reason = closed.rcvd.reason if closed.rcvd else ""
                if "retry after" in reason:
                    hint = float(reason.rsplit(" ", 1)[-1])
            except (OSError, InvalidHandshake, InvalidStatus, TimeoutError):
                pass
            finally:
                self.socket = None
            if until.is_set():
                return
            attempts += 1
            await asyncio.sleep(hint + random.random() * min(8.0, 0.5 * 2**attempts))

    async def talk(self, until: asyncio.Event) -> None:
        """Say something now and then, until `until` is set (or sending is stopped)."""
        while not until.is_set() and self.sending:
            await asyncio.sleep(self.send_every * (0.5 + random.random()))
            if self.socket is None:
                continue
            self.sends += 1
            client_id = f"{self.name}-{self.sends}"
            body = f"{self.name} says {self.sends} at {time.monotonic():.3f}"
            self.pending[client_id] = body
            await self.frame({"type": "message.send", "client_id": client_id, "body": body})


async def settle(members: list[Member], stored: int, within: float) -> float:
    """Wait until every member has heard `stored` numbers in a row; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if all(m.last_seq >= stored and not m.pending for m in members):
            return time.monotonic() - started
        for member in members:
            if member.last_seq < stored:
                await member.sync()
        await asyncio.sleep(0.5)
    raise AssertionError(
        f"not caught up after {within} s: "
        + ", ".join(f"{m.name} at {m.last_seq}/{stored}, {len(m.pending)} waiting" for m in members)
    )
