"""Real-time events: the room's payloads built here, every one sent through `publish`.

Each event's JSON is built once here and handed as text to every socket, so the
broadcast handler does no database work and no per-member serialization. The
actions' events go out only after their write commits (`to_group`, `to_user`...);
the chat writers send the events their batch's commit released (groups/sending.py),
and sockets send their own passing events (typing, presence) through the hub; all
of them reach the channel layer through `publish`.

An event names its group in `"to"` (the layer does not say which group a message
came through, and the hub, groups/hub.py, fans it out by that name).
"""

import functools
import json
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.functional import Promise

from groups.models import Group, Message, RemovedBy


def group_channel(group_id: int) -> str:
    return f"group.{group_id}"


def user_channel(user_id: int) -> str:
    return f"user.{user_id}"


def alerts_channel(user_id: int) -> str:
    """A person's personal sockets (ws/me/), which keep the navigation's counts live."""
    return f"alerts.{user_id}"


def _lazy_text(value: Any) -> str:
    """A translatable text not yet rendered (a choice's label): in the active language."""
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_lazy_text)


def addressed(group: str, message: dict[str, Any]) -> dict[str, Any]:
    return {**message, "to": group}


async def publish(group: str, message: dict[str, Any], *, layer: Any = None) -> None:
    """Send `message` to the layer group `group`, addressed for the hubs: the one way
    onto the channel layer (`layer`: the hub's own; by default the configured one)."""
    layer = layer if layer is not None else get_channel_layer()
    if layer is None:  # no layer configured: nobody to tell
        return
    await layer.group_send(group, addressed(group, message))


_held = threading.local()


def _send(channel_group: str, message: dict[str, Any]) -> None:
    # Called on commit with robust=True: if the layer fails, the write still stands
    # (Django logs the error) and clients catch up from the database with `sync`.
    held: list[tuple[str, dict[str, Any]]] | None = getattr(_held, "events", None)
    if held is not None:
        held.append((channel_group, addressed(channel_group, message)))
        return
    if get_channel_layer() is not None:  # else nobody to tell, and no thread hop for it
        async_to_sync(publish)(channel_group, message)


@contextmanager
def held() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Keep this thread's committed events in a list, for the caller to send.

    For the chat writers (groups/sending.py), whose event loop sends them itself:
    a database thread handing each event to the loop, and waiting for it there,
    cost every message a round trip between threads.
    """
    events: list[tuple[str, dict[str, Any]]] = []
    _held.events = events
    try:
        yield events
    finally:
        _held.events = None


def to_group(group_id: int, payload: dict[str, Any], **extra: Any) -> None:
    """After commit, send `payload` to every socket open on the group's room."""
    message = {"type": "room.event", "text": dumps(payload), **extra}

    def send() -> None:
        message["sent_at"] = time.time()
        _send(group_channel(group_id), message)

    transaction.on_commit(send, robust=True)


def to_room_and_keepers(
    group_id: int, payload: dict[str, Any], keepers: dict[str, Any], **extra: Any
) -> None:
    """After commit, send `payload` to the room, and `keepers` instead to its keepers' sockets.

    Both texts are built once; each socket picks its own (groups/consumers.py).
    """
    to_group(group_id, payload, keepers_text=dumps(keepers), **extra)


def to_user(user_id: int, payload: dict[str, Any], *, group_id: int | None = None) -> None:
    """After commit, send `payload` privately to a person's open sockets (in one group)."""
    message = {"type": "user.event", "text": dumps(payload), "group_id": group_id}
    transaction.on_commit(lambda: _send(user_channel(user_id), message), robust=True)


def recheck_user(user_id: int, *, group_id: int | None = None) -> None:
    """After commit, make a person's sockets re-read their standing (and close if revoked)."""
    message = {"type": "user.recheck", "group_id": group_id}
    transaction.on_commit(lambda: _send(user_channel(user_id), message), robust=True)


def boundaries_changed(user_id: int, *, group_id: int) -> None:
    """After commit, make a person's sockets in one group re-read their boundaries.

    Carries no names and no kind: the event goes to both people, and what each
    socket tells its own client is only that person's own list.
    """
    message = {"type": "user.boundaries", "group_id": group_id}
    transaction.on_commit(lambda: _send(user_channel(user_id), message), robust=True)


def signed_out(user_id: int, session_tag: str) -> None:
    """After commit, close the person's sockets that were opened by the session ended.

    Sent by name (community.wsauth.session_tag), never the session key itself.
    """
    message = {"type": "user.signed_out", "session": session_tag}
    transaction.on_commit(lambda: _send(user_channel(user_id), message), robust=True)


def alerts_changed(user_ids: Iterable[int]) -> None:
    """After commit, tell these people's personal sockets that their counts moved.

    The event carries nothing but its type: each socket reads the person's counts
    again (groups/personal.py), so it never says more than that person may see.
    """
    message = {"type": "alerts.changed"}
    for user_id in set(user_ids):
        send = functools.partial(_send, alerts_channel(user_id), message)
        transaction.on_commit(send, robust=True)


def message_removed(
    message: Message, *, reason: RemovedBy, clause: str | None = None
) -> dict[str, Any]:
    """A message no longer shown: deleted by its author (or their erasure), or hidden by a
    facilitator, who may cite a clause."""
    payload: dict[str, Any] = {
        "type": "message.removed",
        "id": message.pk,
        "seq": message.seq,
        "reason": reason,
    }
    if clause is not None:
        payload["clause"] = clause
    payload["change"] = message.change
    return payload


def typing(membership_id: int, name: str) -> dict[str, Any]:
    """Someone is writing: for the room's hub, never stored (the socket sends it)."""
    payload = {"type": "typing", "member": {"id": membership_id, "name": name}}
    return {
        "type": "room.event",
        "text": dumps(payload),
        "sent_at": time.time(),
        "from": membership_id,  # for sockets that leave this member out
    }


def presence(people: list[dict[str, Any]]) -> dict[str, Any]:
    """Who is in the room now, for the room's hub (the socket that saw it change sends it)."""
    return {
        "type": "room.event",
        "text": dumps({"type": "presence", "here": people}),
        "sent_at": time.time(),
        "here": [p["id"] for p in people],  # for sockets that leave someone out
    }


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
