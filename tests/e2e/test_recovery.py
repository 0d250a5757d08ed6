"""The room recovers from our faults by itself, in a real browser.

- A message whose live broadcast was lost (stored, published to nobody) reaches an
  idle room within a heartbeat, with nothing written after it.
- A send our side failed (`unavailable`, `server_error`) is sent again by the client
  under its client id and lands once; a refusal that is the person's (a blocked
  phrase) waits for their "Try again".
"""

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import OperationalError
from playwright.sync_api import Page, expect

from groups import sending
from groups.models import Message
from moderation.actions import filters
from tests.e2e.room import messages_saying, open_room, send
from tests.e2e.seeded import off_the_loop
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e


def test_an_idle_room_shows_a_message_whose_broadcast_was_lost(
    server: LiveServer,
    new_page: Callable[..., Page],
    circle: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    lose_next_message: dict[str, int],
) -> None:
    monkeypatch.setitem(settings.HEARTH_CHAT, "HEARTBEAT_SECONDS", 1.0)
    server.restart()  # a fresh event loop: no heartbeat of an earlier test still asleep
    slug = circle["group"].slug
    alice = open_room(new_page, server, circle["members"][0], slug)
    bob = open_room(new_page, server, circle["members"][1], slug)

    send(alice, "Is anyone awake?")
    expect(alice.locator("#messages .msg-pending")).to_have_count(0)
    assert lose_next_message["count"] == 1  # stored and acked, but the room was never told

    # Nobody writes again: Bob's quiet room finds it by the heartbeat, once.
    expect(messages_saying(bob, "Is anyone awake?")).to_have_count(1, timeout=8_000)


def test_a_send_our_side_failed_is_retried_and_lands_once_a_refused_one_waits(
    server: LiveServer,
    new_page: Callable[..., Page],
    circle: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    off_the_loop(
        lambda: filters.add_filter(
            actor=circle["organizer"], group=None, phrase="forbidden phrase", action="block"
        )
    )
    # Our faults, for the first two tries of one message: the database drops the
    # connection (`unavailable`), then our code fails (`server_error`).
    faults = [OperationalError("server closed the connection"), RuntimeError("a bug")]
    tries: Counter[str] = Counter()
    write = sending._send_messages

    async def faulty(drafts: list[Any]) -> Any:
        tries.update(draft.body for draft in drafts)
        if faults and any("bumpy" in draft.body for draft in drafts):
            raise faults.pop(0)
        return await write(drafts)

    monkeypatch.setattr(sending, "_send_messages", faulty)
    slug = circle["group"].slug
    alice = open_room(new_page, server, circle["members"][0], slug)
    bob = open_room(new_page, server, circle["members"][1], slug)

    refused_text = "This has a forbidden phrase in it."
    send(alice, refused_text)
    refused = messages_saying(alice, refused_text)
    expect(refused).to_contain_text("Not sent")

    bumpy = "It has been a bumpy week."
    send(alice, bumpy)
    # Sent again by itself (0.5-1 s, then 1-2 s later): no "Not sent", no click.
    mine = messages_saying(alice, bumpy)
    expect(mine).not_to_have_class(re.compile("msg-pending"), timeout=8_000)
    expect(mine).not_to_contain_text("Not sent")
    expect(messages_saying(bob, bumpy)).to_have_count(1)
    assert tries[bumpy] == 3 and not faults
    assert off_the_loop(lambda: Message.objects.filter(body=bumpy).count()) == 1

    # The blocked one was refused before the bumpy message's first try and is still
    # waiting: the client never sent it again by itself ...
    assert tries[refused_text] == 1
    expect(refused).to_contain_text("Not sent")
    # ... only when the person asks.
    refused.get_by_role("button", name="Try again").click()
    expect(refused.get_by_role("button", name="Try again")).to_be_visible()
    assert tries[refused_text] == 2
