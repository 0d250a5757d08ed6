"""A paused room breathes, in a real browser on a phone (issue 17 item 5, first part).

When a facilitator pauses the room, a member's open room shows the grounding prompt
and a breathing guide live, within the phone's screen; it opens from the keyboard;
its circle moves only when the person welcomes motion; resuming takes it away.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Page, ViewportSize, expect

from moderation.actions import rooms
from moderation.actions.rooms import GROUNDING_PROMPT
from tests.chat.conftest import make_room, session_cookie
from tests.e2e.seeded import off_the_loop
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e
PHONE = ViewportSize(width=375, height=740)


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_a_pause_brings_a_breathing_guide_live_on_a_phone(
    server: LiveServer, new_page: Callable[..., Page], motion: str
) -> None:
    circle: dict[str, Any] = make_room(members=1, facilitators=1)
    member, facilitator = circle["members"][0], circle["facilitators"][0]
    page = new_page(viewport=PHONE, reduced_motion=motion, has_touch=True)
    cookie = session_cookie(member).decode().split("=", 1)[1]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": server.url}]
    )
    page.goto(f"/groups/{circle['group'].slug}/")
    expect(page.locator("#connection")).to_contain_text("Connected")
    guide = page.locator("#breathe")
    expect(guide).to_be_hidden()

    # From a thread of its own, as a facilitator's request would (Playwright holds this one's loop).
    off_the_loop(lambda: rooms.pause(actor=facilitator, group=circle["group"], minutes=10))
    expect(page.locator("#room-state")).to_contain_text(GROUNDING_PROMPT)
    summary = guide.locator("summary")
    expect(summary).to_have_text("Breathe along while the room rests")
    box = summary.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box

    summary.focus()
    page.keyboard.press("Enter")
    words = guide.get_by_text("Breathe in for a count of four")
    expect(words).to_be_visible()
    shape = guide.locator(".breathe-circle")
    shape_box = shape.bounding_box()
    assert shape_box is not None and shape_box["x"] + shape_box["width"] <= PHONE["width"]
    animation = shape.evaluate("c => getComputedStyle(c).animationName")
    assert animation == ("none" if motion == "reduce" else "breathe")

    off_the_loop(lambda: rooms.resume(actor=facilitator, group=circle["group"]))
    expect(guide).to_be_hidden()
    expect(page.locator("#room-state")).not_to_contain_text(GROUNDING_PROMPT)
