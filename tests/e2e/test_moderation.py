"""Moderation live in three browsers: a mute and a hidden message take effect without a reload.

A facilitator, a member and a third member are all in the group's room. The
facilitator, in their own browser, mutes the member from the member page: the
member's composer is disabled at once, saying why and until when. The
facilitator then hides one of the member's messages from the message page: it
vanishes for the third member, replaced by "Removed by a facilitator".
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Page, expect

from groups.models import Membership, Message
from tests.chat.conftest import session_cookie
from tests.live_server import LiveServer
from tests.moderation.conftest import CLAUSE, World, build_world

pytestmark = pytest.mark.e2e
SAID = "I think everyone here should just try harder."


@pytest.fixture
def circle(server: LiveServer) -> World:
    """The world, built in a thread of its own: Playwright's loop runs in this one, and
    the write path's events (sent after commit) need a thread without a running loop."""

    def build() -> World:
        try:
            return build_world(("member", "facilitator", "bystander"))
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(build).result()


def signed_in(new_page: Callable[..., Page], server: LiveServer, user: Any) -> Page:
    page = new_page()
    cookie = session_cookie(user).decode().split("=", 1)[1]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": server.url}]
    )
    return page


def in_room(page: Page, slug: str) -> Page:
    page.goto(f"/groups/{slug}/")
    expect(page.locator("#connection")).to_contain_text("Connected")
    # A mark that only survives as long as the page is not reloaded.
    page.evaluate("window.notReloaded = true")
    return page


def still_same_page(page: Page) -> bool:
    return bool(page.evaluate("window.notReloaded === true"))


def test_a_facilitator_mutes_a_member_and_hides_a_message_live(
    server: LiveServer,
    new_page: Callable[..., Page],
    browser_errors: list[str],
    circle: World,
) -> None:
    slug = circle.group.slug
    member = in_room(signed_in(new_page, server, circle.people["member"]), slug)
    third = in_room(signed_in(new_page, server, circle.people["bystander"]), slug)
    facilitator_room = in_room(signed_in(new_page, server, circle.people["facilitator"]), slug)

    # The member says something; everyone sees it live.
    box = member.get_by_label("Your message")
    box.fill(SAID)
    box.press("Enter")
    said_for_third = third.locator("#messages .msg").filter(has_text=SAID)
    expect(said_for_third).to_have_count(1)
    expect(facilitator_room.locator("#messages .msg").filter(has_text=SAID)).to_have_count(1)
    expect(member.locator("#messages .msg-pending")).to_have_count(0)

    # The facilitator, in their own browser, pauses the member's posting for an hour.
    membership = Membership.objects.get(group=circle.group, user=circle.people["member"])
    moderation = facilitator_room.context.new_page()
    moderation.goto(f"/moderation/members/{membership.pk}/")
    mute_form = moderation.locator("form[action$='/mute/']")
    mute_form.get_by_label("Which part of the agreement does it touch?").select_option(CLAUSE)
    mute_form.get_by_label("For how long").select_option("60")
    mute_form.get_by_label("A short reason (for the log)").fill("Talking over people")
    mute_form.get_by_role("button", name="Pause posting").click()
    expect(moderation.locator(".message-success")).to_contain_text("Their posting is paused.")

    # The member's composer closes at once, saying why and until when.
    expect(box).to_be_disabled()
    expect(member.get_by_role("button", name="Send", exact=True)).to_be_disabled()
    status = member.locator("#composer-status")
    expect(status).to_contain_text("You are paused from posting until")
    expect(status).to_contain_text(f"“{CLAUSE}”")
    assert still_same_page(member)
    # The third member can still post.
    expect(third.get_by_label("Your message")).to_be_enabled()

    # The facilitator hides the member's message; it vanishes for the third member.
    message = Message.objects.get(group=circle.group, body=SAID)
    moderation.goto(f"/moderation/messages/{message.pk}/")
    moderation.get_by_label("Which part of the agreement does it touch?").select_option(CLAUSE)
    moderation.get_by_role("button", name="Hide the message").click()
    expect(moderation.locator(".message-success")).to_contain_text("Hidden.")

    hidden = third.locator(f"#m-{message.pk}")
    expect(hidden).to_contain_text("Removed by a facilitator")
    expect(hidden).to_contain_text(CLAUSE)
    expect(hidden).not_to_contain_text(SAID)
    expect(third.locator("#messages")).not_to_contain_text(SAID)
    assert still_same_page(third)
    # The facilitators can still read it, marked as hidden.
    kept = facilitator_room.locator(f"#m-{message.pk}")
    expect(kept).to_contain_text(SAID)
    expect(kept).to_contain_text("Only facilitators see this.")
    assert browser_errors == []
