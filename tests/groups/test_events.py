"""groups/events.py builds every event and sends every one through `publish`."""

import asyncio
import json
from typing import Any

import pytest

from groups import events, hub, presence, sending
from groups.models import Message, RemovedBy


class Layer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        self.sent.append((group, message))


def test_message_removed_is_built_once_for_authors_and_facilitators() -> None:
    message = Message(pk=5, seq=9, change=12)
    by_author = events.message_removed(message, reason=RemovedBy.AUTHOR)
    assert list(by_author.items()) == [
        ("type", "message.removed"),
        ("id", 5),
        ("seq", 9),
        ("reason", "author"),
        ("change", 12),
    ]
    hidden = events.message_removed(message, reason=RemovedBy.FACILITATOR, clause="")
    assert list(hidden) == ["type", "id", "seq", "reason", "clause", "change"]
    assert hidden["clause"] == ""


def test_a_sockets_own_events_are_built_here() -> None:
    typing = events.typing(3, "Ada")
    assert json.loads(typing["text"]) == {"type": "typing", "member": {"id": 3, "name": "Ada"}}
    assert typing["type"] == "room.event" and typing["from"] == 3 and "sent_at" in typing
    people = [{"id": 3, "name": "Ada"}, {"id": 4, "name": "Bo"}]
    here = events.presence(people)
    assert json.loads(here["text"]) == {"type": "presence", "here": people}
    assert here["type"] == "room.event" and here["here"] == [3, 4]


async def test_publish_addresses_each_event_and_the_hub_uses_it() -> None:
    layer = Layer()
    await events.publish("group.1", {"type": "room.event"}, layer=layer)
    await hub.Hub(layer).publish("group.2", {"type": "room.event"})
    assert layer.sent == [
        ("group.1", {"type": "room.event", "to": "group.1"}),
        ("group.2", {"type": "room.event", "to": "group.2"}),
    ]
    assert hub.addressed is events.addressed


async def test_publish_without_a_layer_tells_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "get_channel_layer", lambda: None)
    await events.publish("group.1", {"type": "room.event"})  # no error


def test_the_batching_writer_has_a_name_of_its_own() -> None:
    assert sending.SendBatcher.__name__ == "SendBatcher"
    assert not hasattr(sending, "Writer")


def test_presence_keeps_each_event_loops_entries_apart() -> None:
    store = presence.MemoryPresence()

    async def enter(channel: str) -> dict[str, tuple[int, int]]:
        await store.enter(1, 2, channel)
        entries = dict(store._on_loop().entries)
        store._on_loop().refresher.cancel()  # type: ignore[union-attr]
        return entries

    first = asyncio.run(enter("a!1"))
    second = asyncio.run(enter("b!1"))
    assert first == {"a!1": (1, 2)}
    assert second == {"b!1": (1, 2)}  # a new loop finds nothing of the last one's
