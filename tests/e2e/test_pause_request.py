""" "I need a pause", in real browsers on phones (issue 17 item 5).

A member asks from the room's bar, by keyboard, and is told warmly that only the
facilitators know; the facilitator's open room shows the request live, on screen,
with real buttons to answer privately and to pause the room; the answer reaches the
member's room.
"""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from groups.models import Membership
from moderation.actions.rooms import GROUNDING_PROMPT
from tests.chat.conftest import make_room
from tests.e2e import room as live_room
from tests.e2e.seeded import off_the_loop
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e
PHONE = ViewportSize(width=375, height=740)


def in_view(locator: Locator) -> None:
    box = locator.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box


def open_room(server: LiveServer, new_page: Callable[..., Page], user: object, slug: str) -> Page:
    return live_room.open_room(new_page, server, user, slug, viewport=PHONE, has_touch=True)


def test_a_pause_request_reaches_the_facilitator_and_is_answered_on_phones(
    server: LiveServer, new_page: Callable[..., Page]
) -> None:
    # From a thread of its own (Playwright holds this one's loop).
    circle: dict[str, Any] = off_the_loop(lambda: make_room(members=2, facilitators=1))
    member, other = circle["members"]
    facilitator = circle["facilitators"][0]
    slug = circle["group"].slug
    name = off_the_loop(
        lambda: Membership.objects.get(user=member, group=circle["group"]).display_name
    )
    keeper = open_room(server, new_page, facilitator, slug)
    bystander = open_room(server, new_page, other, slug)
    page = open_room(server, new_page, member, slug)

    ask = page.get_by_role("button", name="I need a pause")
    in_view(ask)
    ask.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Ask for a pause")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Anything you'd like them to know (optional)").fill("It's a lot today.")
    dialog.get_by_role("button", name="Tell the facilitators privately").click()
    expect(dialog).to_be_hidden()
    told = page.locator(".note-card", has_text="The facilitators know")
    expect(told).to_contain_text("privately")
    in_view(told)

    card = keeper.locator("#pause-alerts .pause-alert")
    expect(card).to_contain_text(f"{name} asked, privately, for a pause")
    expect(card).to_contain_text("It's a lot today.")
    assert keeper.locator("#pause-alerts").get_attribute("aria-live") == "assertive"
    in_view(card)
    answer = card.get_by_role("button", name=f"Answer privately to {name}")
    in_view(answer)
    answer.click()
    card.get_by_label(f"Your private answer to {name}").fill("We're here. Take your time.")
    card.get_by_role("button", name=f"Send to {name}").click()
    expect(card).to_contain_text("Your answer was sent privately.")

    reply = page.locator(".note-card", has_text="A facilitator answered you")
    expect(reply).to_contain_text("We're here. Take your time.")
    in_view(reply)

    pause = card.get_by_role("button", name="Pause the room")
    in_view(pause)
    pause.click()
    expect(page.locator("#room-state")).to_contain_text(GROUNDING_PROMPT)
    expect(pause).to_be_hidden()

    # The other member saw the pause, and nothing of the request or the answer.
    expect(bystander.locator("#room-state")).to_contain_text(GROUNDING_PROMPT)
    assert bystander.locator(".note-card").count() == 0
    assert bystander.locator(".pause-alert").count() == 0
    assert bystander.locator("#pause-alerts").count() == 0
