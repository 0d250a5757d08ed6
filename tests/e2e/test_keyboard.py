"""Hearth with the keyboard alone: Tab, Shift+Tab, Enter, Space and Escape, never a click.

The journey: sign up, follow the verification link from the email, sign out and
in again, join a group through its agreement, send a message, react to one and
report one through the message's menu. At every step focus must be visible
(tests/e2e/keyboard.py), the skip link must work, and the room's dialogs
(deleting a message from its menu, the gentle check before advice) must keep
focus inside while open and give it back when closed.
"""

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from groups.actions import chat
from groups.actions import membership as member_actions
from groups.models import Membership, Message
from moderation.models import Report
from tests.e2e.keyboard import assert_focus_visible, has_focus, tab_to, type_here
from tests.e2e.seeded import off_the_loop, sign_in
from tests.factories import PASSWORD, make_user
from tests.groups.conftest import grief_group
from tests.live_server import LiveServer
from tests.mail import link_in, sent_to

pytestmark = pytest.mark.e2e

WELCOME = "Welcome, everyone. Share as much or as little as you like."
LISTENING = "Today was heavy. I don't need ideas, just company."


def make_circle() -> dict[str, Any]:
    """An open group with a facilitator's welcome and a member asking to be listened to."""
    organizer, group = grief_group("Evening Circle", "A small group that meets after dark.")
    farah = make_user(email="farah@hearth.test", display_name="Farah")
    member_actions.join_group(user=farah, group=group, agreement_version=1)
    member_actions.set_facilitator(actor=organizer, group=group, user=farah, facilitator=True)
    chat.send_message(user=farah, group=group, client_id="welcome", body=WELCOME)
    sam = make_user(email="sam@hearth.test", display_name="Sam")
    member_actions.join_group(user=sam, group=group, agreement_version=1)
    chat.send_message(user=sam, group=group, client_id="heavy", body=LISTENING, intent="listening")
    return {"group": group, "farah": farah, "sam": sam}


@pytest.fixture
def circle(server: LiveServer) -> dict[str, Any]:
    return off_the_loop(make_circle)


def press(page: Page, key: str) -> None:
    page.keyboard.press(key)


def follow(page: Page, key: str = "Enter") -> None:
    """Press a key that leads to another page, and wait for it."""
    with page.expect_navigation():
        page.keyboard.press(key)


def message(page: Page, text: str) -> Locator:
    return page.locator("#messages .msg").filter(has_text=text)


def test_the_whole_journey_by_keyboard(page: Page, circle: dict[str, Any]) -> None:
    page.goto("/")

    # The first Tab shows the skip link; Enter moves focus to the main content.
    press(page, "Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert_focus_visible(page)
    assert skip.bounding_box()["y"] >= 0  # type: ignore[index]
    press(page, "Enter")
    expect(page.locator("main#main")).to_be_focused()

    # Sign up.
    tab_to(page, page.get_by_role("main").get_by_role("link", name="Join Hearth"))
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign Up")
    for label, text in [
        ("Email", "river@hearth.test"),
        ("Display name", "River"),
        ("Password:", PASSWORD),
        ("Password (again)", PASSWORD),
    ]:
        tab_to(page, page.get_by_label(label, exact=label == "Password:"))
        type_here(page, text)
    tab_to(page, page.get_by_role("button", name="Sign Up"))
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify")

    # The link from the captured email, then its one button.
    (email,) = sent_to("river@hearth.test")
    page.goto(link_in(email, "/accounts/confirm-email/"))
    tab_to(page, page.get_by_role("button", name="Confirm"))
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, River")

    # Sign out, and in again.
    tab_to(page, page.get_by_role("button", name="Sign out"))
    follow(page)
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in"))
    follow(page)
    tab_to(page, page.get_by_label("Email"))
    type_here(page, "river@hearth.test")
    tab_to(page, page.get_by_label("Password"))
    type_here(page, PASSWORD)
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, River")

    # Find the group and join it through its agreement.
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Groups"))
    follow(page)
    tab_to(page, page.get_by_role("link", name="Evening Circle"))
    follow(page)
    expect(page.get_by_role("heading", name="The group's agreement")).to_be_visible()
    consent = page.get_by_label("I have read this agreement and I will keep it.")
    tab_to(page, consent)
    press(page, "Space")
    expect(consent).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Join the group"))
    follow(page)
    expect(page.get_by_text("Welcome. You are part of this group now.")).to_be_visible()
    expect(page.locator("#connection")).to_contain_text("Connected")

    # Straight to the message box, and send.
    tab_to(page, page.get_by_role("link", name="Write a message"))
    press(page, "Enter")
    composer = page.get_by_label("Your message")
    expect(composer).to_be_focused()
    assert_focus_visible(page)
    type_here(page, "Hello. I'm new, and glad to be here.")
    press(page, "Enter")
    mine = message(page, "I'm new, and glad to be here.")
    expect(mine).to_have_count(1)
    expect(mine).not_to_have_class(re.compile("msg-pending"))
    expect(composer).to_be_focused()
    expect(composer).to_have_value("")

    # React to the facilitator's welcome, going back up the page: "React" shows the
    # reactions nobody has given yet, and the chosen one stays.
    welcome = message(page, WELCOME)
    react = welcome.get_by_role("button", name="React to Farah's message")
    tab_to(page, react, backwards=True)
    press(page, "Enter")
    expect(react).to_have_attribute("aria-expanded", "true")
    heard = welcome.get_by_role("button", name="Heard you")
    expect(heard).to_be_focused()
    assert_focus_visible(page)
    press(page, "Space")
    expect(heard).to_have_attribute("aria-pressed", "true")
    expect(heard).to_have_accessible_name("Heard you, 1")
    expect(react).to_have_attribute("aria-expanded", "false")
    expect(welcome.get_by_role("button", name="Me too")).to_be_hidden()

    # Report it (for the sake of the journey) from the message's menu, choosing the
    # clause with the arrow keys.
    more = welcome.get_by_role("button", name="More options for Farah's message")
    tab_to(page, more)
    press(page, "Enter")
    report_item = welcome.get_by_role("menu").get_by_role("menuitem", name="Report Farah's message")
    expect(report_item).to_be_focused()
    assert_focus_visible(page)
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a message")
    clause = page.get_by_label("Which part of the agreement does it touch?")
    tab_to(page, clause)
    press(page, "ArrowDown")
    chosen = clause.input_value()
    tab_to(page, page.get_by_role("button", name="Send the report"))
    follow(page)
    expect(page.get_by_text("Thank you for speaking up.")).to_be_visible()
    farahs = Message.objects.get(client_id="welcome")
    report = Report.objects.get(message=farahs)
    assert report.clause == chosen
    assert Membership.objects.get(user__email="river@hearth.test").consented_version == 1


def open_room(page: Page, server: LiveServer, email: str, slug: str) -> Locator:
    sign_in(page, email, server.url)
    page.goto(f"/groups/{slug}/")
    expect(page.locator("#connection")).to_contain_text("Connected")
    return page.get_by_label("Your message")


def focus_inside(page: Page, dialog: Locator) -> bool:
    return bool(dialog.evaluate("d => d.contains(document.activeElement)"))


def test_deleting_asks_in_a_dialog_that_holds_and_returns_focus(
    page: Page, server: LiveServer, circle: dict[str, Any]
) -> None:
    composer = open_room(page, server, "sam@hearth.test", circle["group"].slug)
    more = message(page, LISTENING).get_by_role("button", name="More options for your message")
    delete = message(page, LISTENING).get_by_role("menuitem", name="Delete my message")
    dialog = page.get_by_role("dialog", name="Delete this message?")
    expect(dialog).to_be_hidden()
    tab_to(page, more)
    assert not has_focus(composer)

    # The menu: Enter opens it on its first item (Edit, while it may be edited); End
    # reaches "Delete my message", the last.
    press(page, "Enter")
    expect(message(page, LISTENING).get_by_role("menuitem", name="Edit")).to_be_focused()
    press(page, "End")
    expect(delete).to_be_focused()
    assert_focus_visible(page)

    # Enter opens the dialog; the safe choice has focus; Tab and Shift+Tab stay inside.
    press(page, "Enter")
    expect(dialog).to_be_visible()
    keep = dialog.get_by_role("button", name="Keep it")
    confirm = dialog.get_by_role("button", name="Delete my message")
    expect(keep).to_be_focused()
    for key in ["Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"]:
        press(page, key)
        assert focus_inside(page, dialog), f"focus left the dialog after {key}"
        assert_focus_visible(page)

    # Escape closes it and gives focus back to the menu's button; nothing changed.
    press(page, "Escape")
    expect(dialog).to_be_hidden()
    expect(more).to_be_focused()
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(message(page, LISTENING).locator(".msg-body")).to_have_text(LISTENING)

    # Again, and this time delete: the message says so, and keeps the reader's place.
    press(page, "Enter")
    press(page, "End")
    press(page, "Enter")
    expect(keep).to_be_focused()
    press(page, "Tab")
    expect(confirm).to_be_focused()
    press(page, "Enter")
    expect(dialog).to_be_hidden()
    gone = page.locator("#messages .msg").filter(has_text="Removed by its author.")
    expect(gone).to_have_count(1)
    expect(gone).to_be_focused()
    assert_focus_visible(page)
    assert Message.objects.get(client_id="heavy").deleted_at is not None


def test_the_gentle_check_before_advice_is_a_dialog_that_returns_focus(
    page: Page, server: LiveServer, circle: dict[str, Any]
) -> None:
    composer = open_room(page, server, "farah@hearth.test", circle["group"].slug)
    tab_to(page, page.get_by_role("link", name="Write a message"))
    press(page, "Enter")
    expect(composer).to_be_focused()
    advice = "You should try going for a walk."
    type_here(page, advice)
    press(page, "Enter")

    dialog = page.get_by_role("dialog", name="A gentle check")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("listened to rather than advised")
    edit = dialog.get_by_role("button", name="Edit my message")
    expect(edit).to_be_focused()
    assert_focus_visible(page)
    for key in ["Tab", "Tab", "Shift+Tab"]:
        press(page, key)
        assert focus_inside(page, dialog)

    # Escape: back in the message box, the words still there, nothing sent.
    press(page, "Escape")
    expect(dialog).to_be_hidden()
    expect(composer).to_be_focused()
    expect(composer).to_have_value(advice)
    expect(message(page, advice)).to_have_count(0)

    # "Edit my message" does the same.
    press(page, "Enter")
    expect(edit).to_be_focused()
    press(page, "Enter")
    expect(dialog).to_be_hidden()
    expect(composer).to_be_focused()

    # Sending it as it is sends it once and returns to an empty box.
    press(page, "Enter")
    tab_to(page, dialog.get_by_role("button", name="Send it as it is"))
    press(page, "Enter")
    expect(dialog).to_be_hidden()
    expect(message(page, advice)).to_have_count(1)
    expect(message(page, advice)).not_to_have_class(re.compile("msg-pending"))
    expect(composer).to_be_focused()
    expect(composer).to_have_value("")
