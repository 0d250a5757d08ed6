"""Real-time events, sent through the channel layer only after the write commits.

Each event's JSON is built once here and handed as text to every socket, so the
broadcast handler does no database work and no per-member serialization.
"""

import asyncio
import json
import logging
import os
import time
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from groups.models import Group

log = logging.getLogger(__name__)


def group_channel(group_id: int) -> str:
    return f"group.{group_id}"


def user_channel(user_id: int) -> str:
    return f"user.{user_id}"


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def _send(channel_group: str, message: dict[str, Any]) -> None:
    # Called on commit with robust=True: if the layer fails, the write still stands
    # (the error is logged) and clients catch up from the database with `sync`.
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop()
    if loop is None:
        async_to_sync(layer.group_send)(channel_group, message)
        return
    # In a worker thread of the server: hand the publish to the event loop and go
    # on, rather than hold the database thread until Redis answers. Handed over in
    # commit order, so the loop publishes them in that order.
    loop.call_soon_threadsafe(_publish, layer, channel_group, message)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The server's event loop, when this thread runs work for it (sync_to_async)."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop


def _publish(layer: Any, channel_group: str, message: dict[str, Any]) -> None:
    task = asyncio.ensure_future(layer.group_send(channel_group, message))
    _in_flight.add(task)
    task.add_done_callback(_published)


_in_flight: set[asyncio.Future] = set()  # keep a reference until each publish ends


def _published(task: asyncio.Future) -> None:
    _in_flight.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("room event not published", exc_info=task.exception())


def to_group(group_id: int, payload: dict[str, Any], **extra: Any) -> None:
    """After commit, send `payload` to every socket open on the group's room."""
    message = {"type": "room.event", "text": dumps(payload), **extra}

    def send() -> None:
        message["sent_at"] = time.time()
        _send(group_channel(group_id), message)

    transaction.on_commit(send, robust=True)


def to_user(user_id: int, payload: dict[str, Any], *, group_id: int | None = None) -> None:
    """After commit, send `payload` privately to a person's open sockets (in one group)."""
    message = {"type": "user.event", "text": dumps(payload), "group_id": group_id}
    transaction.on_commit(lambda: _send(user_channel(user_id), message), robust=True)


def recheck_user(user_id: int, *, group_id: int | None = None) -> None:
    """After commit, make a person's sockets re-read their standing (and close if revoked)."""
    message = {"type": "user.recheck", "group_id": group_id}
    transaction.on_commit(lambda: _send(user_channel(user_id), message), robust=True)


def room_state(group: Group) -> dict[str, Any]:
    return {
        "type": "room.state",
        "paused": group.is_paused,
        "paused_until": group.paused_until.isoformat()
        if group.is_paused and group.paused_until
        else None,
        "pause_message": group.pause_message if group.is_paused else "",
        "slow_mode": group.slow_mode_seconds,
        "agreement_version": group.agreement_version,
        "archived": group.archived,
    }


def room_state_changed(group: Group) -> None:
    """Tell every socket the room's new state; each re-derives whether it may post."""
    state = room_state(group)
    to_group(group.id, state, state=state)
