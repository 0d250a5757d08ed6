"""The room as a screen reader meets it: what is announced, and what every control is called.

Two members, each in their own browser. What one sends is announced to the other
once, politely; a burst becomes one short summary; typing is shown to sighted
members but never announced; one's own messages are not announced back. The
composer, the reactions, the message menu and the content-warning control have
names that say what they are, and times read as times.
"""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from groups.actions import chat
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from tests.e2e import tour
from tests.e2e.seeded import off_the_loop, sign_in
from tests.factories import make_organizer, make_user
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e

# Every text the announcer region has held, in order (recorded in the page).
RECORD_ANNOUNCEMENTS = """() => {
  window.announced = [];
  const region = document.getElementById("announcer");
  new MutationObserver(() => {
    const text = region.textContent.trim();
    if (text) window.announced.push(text);
  }).observe(region, {childList: true, subtree: true, characterData: true});
}"""


def make_circle() -> dict[str, Any]:
    organizer = make_organizer(email="olive@hearth.test", display_name="Olive")
    group = group_actions.create_group(actor=organizer, name="Evening Circle")
    people = {}
    for name in ("Mara", "Sam"):
        person = make_user(email=f"{name.lower()}@hearth.test", display_name=name)
        member_actions.join_group(user=person, group=group, agreement_version=1)
        people[name] = person
    chat.send_message(
        user=people["Sam"],
        group=group,
        client_id="warned",
        body="The anniversary is next week and I keep replaying the hospital.",
        content_warning="hospital, death",
    )
    return {"group": group, **people}


@pytest.fixture
def circle(server: LiveServer) -> dict[str, Any]:
    return off_the_loop(make_circle)


@pytest.fixture
def room(
    server: LiveServer, new_page: Callable[..., Page], circle: dict[str, Any]
) -> Callable[[str], Page]:
    """`room("mara")`: that member's browser, in the room, connected, recording announcements."""

    def enter(name: str) -> Page:
        page = new_page()
        sign_in(page, f"{name}@hearth.test", server.url)
        page.goto(f"/groups/{circle['group'].slug}/")
        expect(page.locator("#connection")).to_contain_text("Connected")
        page.evaluate(RECORD_ANNOUNCEMENTS)
        return page

    return enter


def announced(page: Page) -> list[str]:
    return list(page.evaluate("window.announced"))


def composer(page: Page) -> Locator:
    return page.get_by_label("Your message")


def send(page: Page, text: str) -> None:
    composer(page).fill(text)
    composer(page).press("Enter")


def test_a_message_from_someone_else_is_announced_once_and_typing_never(
    room: Callable[[str], Page],
) -> None:
    mara, sam = room("mara"), room("sam")

    # Sam starts writing: Mara sees it, her screen reader hears nothing.
    composer(sam).press_sequentially("Thinking of")
    expect(mara.locator("#typing")).to_have_text("Sam is writing…")
    expect(mara.locator("#typing")).to_have_attribute("aria-hidden", "true")
    mara.wait_for_timeout(1000)
    assert announced(mara) == []

    composer(sam).press_sequentially(" you all tonight.")
    composer(sam).press("Enter")
    said = mara.locator("#messages .msg").filter(has_text="Thinking of you all tonight.")
    expect(said).to_be_visible()
    region = mara.locator("#announcer")
    expect(region).to_have_text("Sam: Thinking of you all tonight.")
    expect(region).to_have_attribute("aria-live", "polite")
    mara.wait_for_timeout(1000)
    assert announced(mara) == ["Sam: Thinking of you all tonight."]
    # Sam is not told about his own words.
    assert announced(sam) == []


def test_a_burst_is_summed_up_and_a_warned_message_is_not_read_out(
    room: Callable[[str], Page], circle: dict[str, Any]
) -> None:
    mara, sam = room("mara"), room("sam")
    for number in range(1, 6):
        send(sam, f"Line {number} of a long thought.")
    expect(mara.locator("#messages .msg").filter(has_text="Line 5 of")).to_be_visible()
    mara.wait_for_timeout(1500)
    heard = announced(mara)
    # Fewer announcements than messages, each message in exactly one of them: a summary
    # ("5 new messages from Sam.") or Sam's own words for a small batch.
    covered = [
        int(summary.group(1))
        if (summary := re.fullmatch(r"(\d+) new messages from Sam\.", text))
        else text.count("Sam: Line ")
        for text in heard
    ]
    assert sum(covered) == 5 and len(heard) < 5, heard

    # A message behind a content warning is announced by its warning, not its words.
    composer(sam).fill("Some days the grief is louder.")
    sam.get_by_text("Add a label or content warning").click()
    sam.get_by_label("Content warning").fill("grief")
    composer(sam).press("Enter")
    expect(mara.locator("#announcer")).to_have_text(
        "Sam shared a message with a content warning: grief."
    )
    assert "louder" not in mara.locator("#announcer").inner_text()


def test_controls_are_named_and_times_read_as_times(
    room: Callable[[str], Page], circle: dict[str, Any]
) -> None:
    mara = room("mara")

    box = composer(mara)
    expect(box).to_be_editable()
    expect(box).to_have_accessible_description(re.compile("Enter sends"))

    # The content warning: a control named by its warning, saying what it will do.
    warned = mara.locator("#messages .msg").filter(has_text="Content warning: hospital, death")
    reveal = warned.locator("summary")
    expect(reveal).to_have_text("Content warning: hospital, death. Show the message")
    body = warned.locator(".msg-body")
    expect(body).to_be_hidden()
    reveal.focus()
    mara.keyboard.press("Enter")
    expect(body).to_be_visible()
    expect(reveal).to_have_text("Content warning: hospital, death. Hide the message")

    # Reactions: a group named for whom they answer; the ones nobody gave wait behind
    # "React", a button that says whether it is open; each its own name and state.
    answers = warned.get_by_role("group", name="Respond to Sam")
    react = answers.get_by_role("button", name="React to Sam's message")
    expect(react).to_have_attribute("aria-expanded", "false")
    heard = answers.get_by_role("button", name="Heard you", exact=True)
    expect(heard).to_be_hidden()
    react.focus()
    mara.keyboard.press("Enter")
    expect(react).to_have_attribute("aria-expanded", "true")
    expect(heard).to_have_attribute("aria-pressed", "false")
    expect(heard).to_be_focused()
    mara.keyboard.press("Enter")
    expect(answers.get_by_role("button", name="Heard you, 1")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Report, worry and the rest: a real menu behind a named button, by keyboard.
    more = warned.get_by_role("button", name="More options for Sam's message")
    expect(more).to_have_attribute("aria-haspopup", "menu")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(warned.get_by_role("link", name="Report Sam's message")).to_be_hidden()
    more.focus()
    mara.keyboard.press("Enter")
    menu = warned.get_by_role("menu", name="More options for Sam's message")
    expect(menu).to_be_visible()
    expect(more).to_have_attribute("aria-expanded", "true")
    items = menu.get_by_role("menuitem")
    expect(items).to_have_text(
        ["Report Sam's message", "I'm worried about Sam", "Mute Sam", "Block Sam"]
    )
    expect(items.first).to_be_focused()
    mara.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="I'm worried about Sam")).to_be_focused()
    mara.keyboard.press("ArrowUp")
    mara.keyboard.press("ArrowUp")  # round to the bottom: mute and block (issue 16)
    expect(menu.get_by_role("menuitem", name="Block Sam")).to_be_focused()
    mara.keyboard.press("ArrowDown")  # round to the top again
    expect(items.first).to_be_focused()
    assert tour.axe_lines(mara) == []  # with the menu open, too
    mara.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(more).to_be_focused()
    expect(more).to_have_attribute("aria-expanded", "false")

    # Times: the exact moment for machines, plain words for people.
    send(mara, "Here with you.")
    mine = mara.locator("#messages .msg").filter(has_text="Here with you.")
    expect(mine).not_to_have_class(re.compile("msg-pending"))
    for stamp in (warned.locator("time"), mine.locator("time")):
        moment = stamp.get_attribute("datetime")
        assert moment and datetime.fromisoformat(moment)
        expect(stamp).to_have_text(re.compile(r"^today, \d{1,2}:\d{2}"))
