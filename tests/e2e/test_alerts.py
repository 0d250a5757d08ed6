"""Facilitators alerted live, notes put down, one clock: in two browsers at once.

A member, in the room, writes words that may mean they are in crisis. Their
facilitator, with only the home page open, sees "Safety queue · 1 urgent"
appear within a second, without a reload; in the room (another tab) a banner
links to the item. The same holds when the two people are served by two server
processes sharing PostgreSQL and Redis. A message held for review shows in
the facilitator's room as "1 message waiting for you" and is posted from there,
by keyboard. Notes put down stay down after a reload; a pause that lifted is
history. Times read in the person's own zone, whatever the browser's is.
"""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from community.models import Notice, User
from groups.models import Message
from tests.e2e import tour
from tests.e2e.conftest import open_page
from tests.e2e.seeded import off_the_loop, sign_in
from tests.live_server import LiveServer
from tests.moderation.conftest import World, build_world, watch_for_crisis
from tests.multiprocess import AsgiServer

pytestmark = pytest.mark.e2e
CRISIS = "Some nights I want to die."


def crisis_circle() -> World:
    """Built off the loop: the write path's events need a thread without a running loop."""
    from moderation import screening

    world = build_world(("member", "facilitator", "bystander"))
    watch_for_crisis(world)
    screening.forget_rules()
    return world


@pytest.fixture
def circle(server: LiveServer) -> World:
    return off_the_loop(crisis_circle)


def as_person(page: Page, world: World, key: str, url: str) -> Page:
    sign_in(page, world.people[key].email, url)
    return page


def in_room(page: Page, world: World) -> Page:
    page.goto(world.group.get_absolute_url())
    expect(page.locator("#connection")).to_contain_text("Connected")
    page.evaluate("window.notReloaded = true")
    return page


def say(page: Page, text: str) -> float:
    box = page.get_by_label("Your message")
    box.fill(text)
    started = time.monotonic()
    box.press("Enter")
    return started


def urgent_link(page: Page) -> Any:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name="Safety queue")


def test_a_crisis_phrase_reaches_the_facilitators_home_page_and_room_within_a_second(
    server: LiveServer, new_page: Callable[..., Page], circle: World
) -> None:
    member = in_room(as_person(new_page(), circle, "member", server.url), circle)
    home = as_person(new_page(), circle, "facilitator", server.url)
    home.goto("/")
    expect(urgent_link(home)).to_have_accessible_name("Safety queue")
    home.evaluate("window.notReloaded = true")
    room = in_room(home.context.new_page(), circle)
    home.wait_for_timeout(300)  # both personal sockets open (the page shows no sign of it)

    started = say(member, CRISIS)
    expect(urgent_link(home)).to_have_accessible_name("Safety queue 1 urgent", timeout=1000)
    assert time.monotonic() - started < 1.0
    expect(urgent_link(home)).to_have_text("Safety queue · 1 urgent")
    expect(home.locator("#nav-status")).to_have_text("Safety queue: 1 urgent item.")
    assert home.evaluate("window.notReloaded === true")

    banner = room.locator("#urgent-banner")
    expect(banner).to_contain_text("Someone in this room may need support now.")
    assert time.monotonic() - started < 1.5
    assert room.locator("#urgent-alert").get_attribute("aria-live") == "assertive"
    assert room.evaluate("window.notReloaded === true")
    # Accessible in both colour schemes, as every page is (tests/e2e/tour.py).
    assert tour.axe_lines(room) == []
    room.emulate_media(color_scheme="dark")
    assert tour.axe_lines(room, tour.COLOUR_OPTIONS) == []
    room.emulate_media(color_scheme="light")
    # Non-blocking: the room goes on; the banner links to the item and can be hidden.
    expect(room.get_by_label("Your message")).to_be_enabled()
    item = banner.get_by_role("link", name="Open it").get_attribute("href")
    assert item is not None and item.startswith("/moderation/#item-")
    banner.get_by_role("button", name="Hide this").click()
    expect(banner).to_have_count(0)
    # What the socket brought is numbers only: no words, no group name in the navigation.
    header = home.locator("header").inner_html()
    assert "want to die" not in header and circle.group.name not in header
    assert "want to die" not in home.content()
    # The member, who wrote it, is offered care; they see no safety queue at all.
    expect(urgent_link(member)).to_have_count(0)


def test_a_held_message_is_posted_from_the_room_by_keyboard(
    server: LiveServer, new_page: Callable[..., Page], circle: World
) -> None:
    member = in_room(as_person(new_page(), circle, "member", server.url), circle)
    room = in_room(as_person(new_page(), circle, "facilitator", server.url), circle)
    room.wait_for_timeout(300)
    say(member, "Happy to give my phone number to anyone.")
    bar = room.locator("#held-details")
    summary = bar.locator("summary")
    expect(summary).to_have_text("1 message waiting for you")
    expect(bar).to_contain_text("Held by a word filter")
    summary.focus()
    room.keyboard.press("Enter")
    expect(bar).to_contain_text("Happy to give my phone number to anyone.")
    room.keyboard.press("Tab")
    expect(room.get_by_role("button", name="Post it (Mara's message)", exact=True)).to_be_focused()
    room.keyboard.press("Enter")
    # Posted: it reaches the room (the room's own socket), the bar empties, focus stays near.
    expect(room.locator("#messages")).to_contain_text("Happy to give my phone number")
    expect(member.locator("#messages .msg").last).to_contain_text("Happy to give my phone")
    expect(room.locator("#held-details")).to_have_count(0)
    expect(room.locator("#held-status")).to_have_text("Posted to the room.")
    assert room.evaluate("window.notReloaded === true")


def test_notes_put_down_stay_down_and_a_lifted_pause_is_history(
    server: LiveServer, new_page: Callable[..., Page], circle: World
) -> None:
    def notes() -> None:
        from moderation.actions import members

        membership = circle.membership("member")
        members.nudge(
            actor=circle.people["facilitator"],
            membership=membership,
            clause="Honor boundaries",
            text="Thank you for tonight.",
        )
        members.mute(
            actor=circle.people["facilitator"],
            membership=membership,
            minutes=10,
            clause="Honor boundaries",
        )
        members.unmute(actor=circle.people["facilitator"], membership=membership)

    off_the_loop(notes)
    page = as_person(new_page(), circle, "member", server.url)
    page.goto("/")
    notes_list = page.get_by_role("region", name="Notes for you")
    expect(notes_list.get_by_role("heading", level=3)).to_have_text(
        ["You can post again", "A note from a facilitator"]
    )  # the pause itself lifted: not shown as current
    expect(page.get_by_role("link", name="Notes 2 unread")).to_be_visible()
    notes_list.get_by_role("button", name="Put it down (A note from a facilitator)").click()
    expect(page.locator(".message-success")).to_contain_text("Put down.")
    page.reload()
    expect(notes_list.get_by_role("heading", level=3)).to_have_text(["You can post again"])
    expect(page.get_by_role("link", name="Notes 1 unread")).to_be_visible()
    page.get_by_role("link", name="See all your notes").click()
    earlier = page.get_by_role("region", name="Earlier")
    expect(earlier).to_contain_text("Your posting was paused for a while")
    expect(earlier).to_contain_text("This ended")
    expect(earlier).to_contain_text("A note from a facilitator")


def test_times_read_in_the_persons_zone_not_the_browsers(
    server: LiveServer, new_page: Callable[..., Page], circle: World
) -> None:
    member = circle.people["member"]
    off_the_loop(lambda: User.objects.filter(pk=member.pk).update(time_zone="America/New_York"))
    page = in_room(
        as_person(new_page(timezone_id="Asia/Tokyo", locale="en-GB"), circle, "member", server.url),
        circle,
    )
    said = off_the_loop(lambda: Message.objects.get(client_id="hello-member"))
    local = said.created_at.astimezone(ZoneInfo("America/New_York"))
    stamp = page.locator(f"#m-{said.pk} time")
    expect(stamp).to_contain_text(f", {local.hour}:{local:%M}")  # en-GB: a 24-hour clock
    # A newcomer's zone is taken from their browser at their first page.
    fresh = circle.people["bystander"]
    off_the_loop(lambda: User.objects.filter(pk=fresh.pk).update(time_zone=""))
    other = as_person(new_page(timezone_id="Asia/Tokyo"), circle, "bystander", server.url)
    other.goto("/")
    deadline = time.monotonic() + 5
    while off_the_loop(lambda: User.objects.get(pk=fresh.pk).time_zone) != "Asia/Tokyo":
        assert time.monotonic() < deadline, "the browser's zone was not taken"
        other.wait_for_timeout(100)
    other.reload()
    assert other.locator("html").get_attribute("data-tz") == "Asia/Tokyo"


def test_a_stale_note_from_before_reads_in_the_past(
    server: LiveServer, new_page: Callable[..., Page], circle: World
) -> None:
    """A pause that ended by itself (not lifted by hand) leaves home too."""
    member = circle.people["member"]

    def ended() -> None:
        Notice.objects.create(
            user=member,
            kind="mute",
            title="Posting paused for a while",
            ended_title="Your posting was paused for a while",
            text="You can keep reading, and post again when the pause lifts.",
            until=timezone.now() - timedelta(minutes=1),
            created_at=timezone.now() - timedelta(minutes=11),
        )

    off_the_loop(ended)
    page = as_person(new_page(), circle, "member", server.url)
    page.goto("/")
    expect(page.get_by_role("region", name="Notes for you")).to_have_count(0)
    page.goto("/notes/")
    expect(page.get_by_role("region", name="Still open")).to_contain_text("Nothing waits")
    expect(page.get_by_role("region", name="Earlier")).to_contain_text(
        "Your posting was paused for a while"
    )


# --- Two server processes ------------------------------------------------------------


def test_the_alert_crosses_processes_member_on_one_facilitator_on_the_other(
    two_servers: list[AsgiServer],
    transactional_db: None,
    browser: Any,
    browser_errors: list[str],
) -> None:
    a, b = two_servers
    world = off_the_loop(crisis_circle)
    time.sleep(1.2)  # each process reads the changed screening rules within a second
    member = as_person(open_page(browser, a.url, browser_errors), world, "member", a.url)
    facilitator = as_person(open_page(browser, b.url, browser_errors), world, "facilitator", b.url)
    try:
        in_room(member, world)
        facilitator.goto("/")
        expect(urgent_link(facilitator)).to_have_accessible_name("Safety queue")
        room = in_room(facilitator.context.new_page(), world)
        facilitator.wait_for_timeout(300)
        started = say(member, CRISIS)
        expect(urgent_link(facilitator)).to_have_accessible_name(
            "Safety queue 1 urgent", timeout=1000
        )
        assert time.monotonic() - started < 1.0
        expect(room.locator("#urgent-banner")).to_contain_text("may need support now")
    finally:
        member.context.close()
        facilitator.context.close()
