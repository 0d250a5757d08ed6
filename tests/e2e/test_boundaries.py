"""Mute in two real browsers (issue 16 item 1): from a message's menu, the fold
live when the muted person writes again, and unmute from Settings, live in the room."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.room import both_in_the_room, heard_once, messages_saying, send
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e

FOLDED = "A message from someone you muted"


def test_mute_from_the_menu_folds_live_and_unmute_from_settings_restores(
    server: LiveServer,
    new_page: Callable[..., Page],
    browser_errors: list[str],
    circle: dict[str, Any],
) -> None:
    ben_user = circle["members"][1]
    ana, ben = both_in_the_room(new_page, server, circle)
    first = heard_once(ben, ana, "First from Ben.")

    # Ana mutes Ben from the message's own menu, without leaving the room.
    first.locator(".menu-button").click()
    ana.get_by_role("menuitem", name=f"Mute {ben_user.display_name}").click()
    expect(ana.locator("#composer-status")).to_contain_text(
        f"You've muted {ben_user.display_name} in this group."
    )
    folded = ana.locator("#messages .msg details.quiet")
    expect(folded).to_have_count(1)  # the message already there folds too
    # Keyboard focus stays in place: on the folded message's "Show".
    expect(first.locator("summary")).to_be_focused()
    expect(first.locator(".msg-body")).to_be_hidden()

    # Ben writes again: it arrives folded in Ana's open room, and plainly in his own.
    send(ben, "Second from Ben.")
    expect(messages_saying(ben, "Second from Ben.").locator(".msg-body")).to_be_visible()
    second = ana.locator("#messages .msg").nth(-1)
    expect(second).to_contain_text(FOLDED)
    expect(second.locator(".msg-body")).to_be_hidden()
    expect(folded).to_have_count(2)
    # "Show" opens it, for when Ana wants to.
    second.get_by_text("Show", exact=True).click()
    expect(second.locator(".msg-body")).to_have_text("Second from Ben.")
    expect(ben.locator("#messages")).not_to_contain_text("muted")

    # Settings, in another tab, lists Ben by the name this group knows him by; Unmute
    # unfolds his messages in the room still open in the first tab, live.
    settings_tab = ana.context.new_page()
    settings_tab.goto(f"{server.url}/settings/boundaries/")
    row = settings_tab.locator(".boundary").filter(has_text=ben_user.display_name)
    expect(row).to_contain_text(f"{ben_user.display_name} in {circle['group'].name}: muted")
    row.get_by_role("button", name=f"Unmute {ben_user.display_name}").click()
    expect(settings_tab.locator(".messages")).to_contain_text(
        f"{ben_user.display_name} is no longer muted or blocked for you."
    )
    expect(settings_tab.locator(".boundary")).to_have_count(0)

    expect(ana.locator("#messages details.quiet")).to_have_count(0)
    expect(messages_saying(ana, "First from Ben.").locator(".msg-body")).to_be_visible()
    send(ben, "Third from Ben.")
    expect(messages_saying(ana, "Third from Ben.").locator(".msg-body")).to_be_visible()
    # And from the database, as a reload renders it.
    ana.reload()
    expect(ana.locator("#connection")).to_contain_text("Connected")
    expect(ana.locator("#messages details.quiet")).to_have_count(0)
    assert browser_errors == []


def test_block_from_the_member_list_and_the_blocked_persons_reaction_is_refused_kindly(
    server: LiveServer,
    new_page: Callable[..., Page],
    browser_errors: list[str],
    circle: dict[str, Any],
) -> None:
    ana, ben = both_in_the_room(new_page, server, circle)
    ana_user, ben_user = circle["members"]
    mine = heard_once(ana, ben, "Thank you for tonight.")

    ana.goto(f"/groups/{circle['group'].slug}/members/")
    ana.get_by_role("button", name=f"Block {ben_user.display_name}").click()
    expect(ana.locator(".messages")).to_contain_text(
        f"You've blocked {ben_user.display_name} in this group. They won't be told."
    )
    expect(ana.get_by_role("button", name=f"Unblock {ben_user.display_name}")).to_be_visible()

    # Ben's room, open all along, says nothing of it; his reaction is refused, kindly.
    mine.get_by_role("button", name=f"React to {ana_user.display_name}'s message").click()
    mine.get_by_role("button", name="Heard you", exact=True).click()
    status = ben.locator("#composer-status")
    expect(status).to_have_text(
        "Reactions to this message aren't available to you. "
        "You're still welcome to read along and write in the room."
    )
    expect(ben.locator("body")).not_to_contain_text("blocked")
    assert browser_errors == []
