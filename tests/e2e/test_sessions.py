"""A facilitated session in four real browsers (issue 17 items 2 to 4).

Farah facilitates; Priya, Wren and Sam are members, Sam on a phone with the
keyboard alone (Tab, Shift+Tab, Enter and Space; nothing clicked, filled or
checked for him) and less motion. Farah starts a session and opens a check-in:
each member answers or passes and every screen shows the answers as they come,
while only Farah sees who is still waiting and the round's aggregate. Then a
talking-piece round in the order people joined, with a time box: the holder
posts, a member out of turn is told whose turn it is and their message is
refused and never stored (coming back, they find the round as it is), and each
pass moves the piece on every screen; Farah moves it back and on, a member asks
for a turn, Farah adds someone, that person skips, and the round ends. A
check-out, and the session ends. On Sam's phone the session bar stays on screen
and clear of the composer.
"""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from groups.actions import membership as member_actions
from groups.models import Message
from tests.chat.conftest import make_room
from tests.e2e import room as live_room
from tests.e2e.keyboard import tab_to, type_here
from tests.e2e.seeded import off_the_loop
from tests.factories import make_user
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e

PHONE = ViewportSize(width=390, height=844)
LAPTOP = ViewportSize(width=1280, height=800)
NAMES = ("Farah", "Priya", "Wren", "Sam")


def make_circle() -> dict[str, Any]:
    """A group whose facilitator Farah joined first, then Priya, Wren and Sam."""
    room = make_room(members=0, facilitators=0)
    group, organizer = room["group"], room["organizer"]
    people: dict[str, Any] = {"group": group}
    for name in NAMES:
        person = make_user(display_name=name)
        member_actions.join_group(user=person, group=group, agreement_version=1)
        people[name] = person
    member_actions.set_facilitator(
        actor=organizer, group=group, user=people["Farah"], facilitator=True
    )
    return people


def open_room(
    server: LiveServer,
    new_page: Callable[..., Page],
    user: Any,
    slug: str,
    viewport: ViewportSize,
    **options: Any,
) -> Page:
    return live_room.open_room(new_page, server, user, slug, viewport=viewport, **options)


def session(page: Page) -> Locator:
    return page.get_by_role("region", name="Session")


def stored(body: str) -> bool:
    return off_the_loop(lambda: Message.objects.filter(body=body).exists())


def within_phone_and_above_composer(page: Page) -> None:
    """With the room filling the phone's screen (as it opens there), the session bar is wholly
    on screen, and the session leaves room for the conversation and the whole composer."""
    page.evaluate(
        "() => scrollTo(0, document.getElementById('room').getBoundingClientRect().top + scrollY)"
    )
    bar = page.locator("#session .session-bar").bounding_box()
    whole = page.locator("#session").bounding_box()
    composer = page.locator("#composer").bounding_box()
    conversation = page.locator("#conversation").bounding_box()
    assert bar and whole and composer and conversation
    assert bar["x"] >= 0 and bar["x"] + bar["width"] <= PHONE["width"], bar
    assert bar["y"] >= 0 and bar["y"] + bar["height"] <= PHONE["height"], bar
    assert whole["y"] + whole["height"] <= conversation["y"] + 1, (whole, conversation)
    assert conversation["height"] >= 80, conversation  # the conversation still shows
    assert whole["y"] + whole["height"] <= composer["y"], (whole, composer)
    assert composer["y"] + composer["height"] <= PHONE["height"] + 1, composer


def press(page: Page, target: Locator, key: str = "Enter", *, backwards: bool = False) -> None:
    tab_to(page, target, backwards=backwards)
    page.keyboard.press(key)


def test_a_check_in_and_a_talking_piece_round_run_to_the_end_in_four_browsers(
    server: LiveServer, new_page: Callable[..., Page], browser_errors: list[str]
) -> None:
    circle = off_the_loop(make_circle)
    slug = circle["group"].slug
    farah = open_room(server, new_page, circle["Farah"], slug, LAPTOP)
    priya = open_room(server, new_page, circle["Priya"], slug, LAPTOP)
    wren = open_room(server, new_page, circle["Wren"], slug, LAPTOP)
    # The keyboard alone, on a phone that asks for less motion.
    sam = open_room(server, new_page, circle["Sam"], slug, PHONE, reduced_motion="reduce")
    members = [priya, wren, sam]
    everyone = [farah, *members]

    # No session: members load no session script and see no bar; Farah may start one.
    for page in members:
        expect(session(page)).to_be_hidden()
        assert page.locator("script[src*='session.js']").count() == 0
    start = session(farah).get_by_text("Start a session")
    expect(start).to_be_visible()
    start.click()
    minutes = session(farah).get_by_label("Length in minutes")
    expect(minutes).to_have_value("60")
    minutes.fill("45")
    session(farah).get_by_role("button", name="Start the session").click()
    for page in everyone:
        expect(session(page).locator(".session-phase")).to_have_text("Opening")
        expect(session(page)).to_contain_text("45 minutes left")
    for page in members:
        expect(session(page)).to_contain_text("Farah is facilitating")
    expect(session(farah)).to_contain_text("You are facilitating")
    expect(sam.locator("#announcer")).to_contain_text("A session has begun.")
    within_phone_and_above_composer(sam)

    # Check-in: the prompt, and a form for each member.
    session(farah).get_by_role("button", name="Check-in").click()
    for page in everyone:
        expect(session(page).locator(".session-phase")).to_have_text("Check-in")
        expect(session(page)).to_contain_text("How is your weather today")
    expect(sam.locator("#announcer")).to_contain_text("Check-in is open.")
    within_phone_and_above_composer(sam)
    expect(session(farah).locator(".round-waiting")).to_have_text(
        "Waiting for: Priya, Wren and Sam"
    )

    # Priya answers with the mouse, Wren passes.
    form = session(priya).locator("form.round-form")
    form.get_by_label("4", exact=True).check()
    form.get_by_label("A word or a few (optional)").fill("foggy")
    form.get_by_role("button", name="Share").click()
    expect(form).to_be_hidden()
    session(wren).get_by_role("button", name="Pass").click()
    for page in everyone:
        answers = session(page).get_by_role("list", name="Answers")
        expect(answers.get_by_role("listitem")).to_have_text(["Priya 4 · foggy", "Wren passed"])
    expect(session(farah).locator(".round-waiting")).to_have_text("Waiting for: Sam")
    expect(session(farah).locator(".round-totals")).to_contain_text(
        "Average 4 · 1 answered, 1 passed"
    )
    # Members never see who is waiting, nor the aggregate.
    for page in members:
        expect(session(page).locator(".round-waiting")).to_be_hidden()
        expect(session(page).locator(".round-totals")).to_be_hidden()
        assert session(page).locator(".round-waiting, .round-totals").all_inner_texts() == ["", ""]

    # Sam answers by keyboard: Tab to the first number, Space, Tab to the words, Enter.
    press(sam, session(sam).get_by_role("radio", name="1", exact=True), "Space")
    expect(session(sam).get_by_role("radio", name="1", exact=True)).to_be_checked()
    tab_to(sam, session(sam).get_by_label("A word or a few (optional)"))
    type_here(sam, "steady")
    sam.keyboard.press("Enter")
    for page in everyone:
        expect(
            session(page).get_by_role("list", name="Answers").get_by_role("listitem")
        ).to_have_text(["Priya 4 · foggy", "Wren passed", "Sam 1 · steady"])
    expect(priya.locator("#announcer")).to_contain_text("Sam: 1, steady.")
    expect(session(farah).locator(".round-waiting")).to_have_text("Everyone here has answered.")
    expect(session(farah).locator(".round-totals")).to_contain_text(
        "Average 2.5 · 2 answered, 1 passed · 1: 1, 2: 0, 3: 0, 4: 1, 5: 0"
    )

    session(farah).get_by_role("button", name="End round").click()
    for page in everyone:
        expect(session(page).locator(".session-phase")).to_have_text("Open conversation")
        expect(session(page).get_by_role("list", name="Answers")).to_be_hidden()

    # The talking piece, in the order people joined, with five minutes a turn.
    session(farah).get_by_text("Talking piece", exact=True).click()
    session(farah).get_by_label("Order of turns").select_option(label="As people joined")
    session(farah).get_by_label("Minutes for each turn (optional)").fill("5")
    session(farah).get_by_role("button", name="Start the talking piece").click()
    for page in everyone:
        expect(session(page).locator(".session-phase")).to_have_text("Sharing: talking piece")
    expect(session(priya).locator(".piece-order")).to_have_text("You are sharing · then Wren, Sam")
    expect(session(wren).locator(".piece-order")).to_have_text("Priya is sharing · then you, Sam")
    expect(session(farah).locator(".piece-order")).to_have_text("Priya is sharing · then Wren, Sam")
    expect(session(sam).locator(".piece-place")).to_have_text("Your turn is second from now.")
    expect(session(priya).locator(".piece-time")).to_contain_text(
        "About 5 minutes left in this turn"
    )
    # The countdown is words and a still bar: it eases only where motion is welcome.
    expect(session(sam).locator(".piece-time")).to_contain_text("About 5 minutes left")
    still = "() => getComputedStyle(document.querySelector('.piece-meter span')).transitionDuration"
    assert sam.evaluate(still) == "0s"
    assert priya.evaluate(still) == "5s"
    assert sam.evaluate("() => document.getAnimations().length") == 0
    expect(sam.locator("#composer-turn")).to_have_text(
        "Priya is sharing; your turn is second from now."
    )
    expect(wren.locator("#composer-turn")).to_have_text("Priya is sharing; your turn is next.")
    for page in (wren, sam):
        expect(page.locator("#send")).to_be_disabled()
    for page in (priya, farah):
        expect(page.locator("#send")).to_be_enabled()
        expect(page.locator("#composer-turn")).to_be_hidden()
    within_phone_and_above_composer(sam)

    # The holder shares; it reaches every screen.
    priya.get_by_label("Your message").fill("Thank you for holding this for me.")
    priya.locator("#send").click()
    for page in everyone:
        expect(
            page.locator("#messages .msg").filter(has_text="Thank you for holding")
        ).to_have_count(1)
    # Wren, out of turn, may react but not post: the server refuses, nothing is stored.
    shared = wren.locator("#messages .msg").filter(has_text="Thank you for holding")
    expect(shared.locator(".reaction-more")).to_be_enabled()
    wren.get_by_label("Your message").fill("Can I jump in?")
    wren.get_by_label("Your message").press("Enter")
    refused = wren.locator("#messages .msg").filter(has_text="Can I jump in?")
    expect(refused).to_contain_text("Not sent: Priya is sharing just now. Your turn is next.")
    for page in (farah, priya, sam):
        expect(page.locator("#messages")).not_to_contain_text("Can I jump in?")
    assert not stored("Can I jump in?")
    # Coming back (a reload) shows the round as it is, from hello, before anything moves.
    wren.reload()
    expect(wren.locator("#connection")).to_contain_text("Connected")
    expect(session(wren).locator(".piece-order")).to_have_text("Priya is sharing · then you, Sam")
    expect(wren.locator("#composer-turn")).to_have_text("Priya is sharing; your turn is next.")
    expect(wren.locator("#send")).to_be_disabled()

    expect(sam.locator("#announcer")).to_contain_text("Priya: Thank you for holding")
    # Priya passes: the piece moves on every screen.
    session(priya).get_by_role("button", name="I'm done — pass the piece").click()
    expect(session(farah).locator(".piece-order")).to_have_text("Wren is sharing · then Sam")
    expect(session(wren).locator(".piece-order")).to_have_text("You are sharing · then Sam")
    expect(session(priya).locator(".piece-order")).to_have_text("Wren is sharing · then Sam")
    expect(sam.locator("#composer-turn")).to_have_text("Wren is sharing; your turn is next.")
    expect(sam.locator("#announcer")).to_contain_text("Wren is sharing.")
    expect(wren.locator("#send")).to_be_enabled()
    expect(priya.locator("#send")).to_be_disabled()
    session(wren).get_by_role("button", name="I'm done — pass the piece").click()

    # Sam's turn, by keyboard: he writes, sends with Enter, and passes the piece.
    expect(session(sam).locator(".piece-order")).to_have_text("You are sharing")
    expect(sam.locator("#send")).to_be_enabled()
    expect(sam.locator("#composer-turn")).to_be_hidden()
    expect(session(priya).locator(".piece-order")).to_have_text("Sam is sharing")
    tab_to(sam, sam.get_by_label("Your message"))
    type_here(sam, "It was a steady week, and I'm glad to be here.")
    sam.keyboard.press("Enter")
    for page in everyone:
        expect(page.locator("#messages .msg").filter(has_text="a steady week")).to_have_count(1)
    press(sam, session(sam).get_by_role("button", name="I'm done — pass the piece"), backwards=True)
    for page in everyone:
        expect(session(page).locator(".piece-order")).to_have_text(
            "Everyone has had a turn. The piece is resting in the middle."
        )
    expect(sam.locator("#composer-turn")).to_have_text(
        "The piece is resting in the middle; you can ask for a turn."
    )
    # Focus stayed in the session, where the button was.
    expect(session(sam).locator(".session-phase")).to_be_focused()

    # Farah moves it back to Sam, and on again.
    session(farah).get_by_role("button", name="Back").click()
    expect(session(sam).locator(".piece-order")).to_have_text("You are sharing")
    expect(session(wren).locator(".piece-order")).to_have_text("Sam is sharing")
    session(farah).get_by_role("button", name="Next person").click()
    expect(session(wren).locator(".piece-order")).to_contain_text("resting in the middle")

    # Wren asks for a turn: the resting piece comes to her. Farah adds Priya, who skips.
    session(wren).get_by_role("button", name="Ask for a turn").click()
    expect(session(wren).locator(".piece-order")).to_have_text("You are sharing")
    expect(session(sam).locator(".piece-order")).to_have_text("Wren is sharing")
    session(farah).get_by_label("Someone to add to the order").select_option(label="Priya")
    session(farah).get_by_role("button", name="Add someone").click()
    expect(session(sam).locator(".piece-order")).to_have_text("Wren is sharing · then Priya")
    expect(session(priya).locator(".piece-place")).to_have_text("Your turn is next.")
    session(priya).get_by_role("button", name="Skip my turn").click()
    expect(session(sam).locator(".piece-order")).to_have_text("Wren is sharing")
    expect(session(priya).get_by_role("button", name="Ask for a turn")).to_be_visible()

    # The round ends: everyone may post again. A check-out closes the session.
    session(farah).get_by_role("button", name="End round").click()
    for page in everyone:
        expect(session(page).locator(".session-phase")).to_have_text("Open conversation")
        expect(page.locator("#send")).to_be_enabled()
        expect(page.locator("#composer-turn")).to_be_hidden()
    session(farah).get_by_role("button", name="Check-out").click()
    for page in everyone:
        expect(session(page).locator(".session-phase")).to_have_text("Check-out")
        expect(session(page)).to_contain_text("What are you taking with you from today")
    press(sam, session(sam).get_by_role("button", name="Pass"))
    session(priya).locator("form.round-form").get_by_label("5", exact=True).check()
    session(priya).get_by_role("button", name="Share").click()
    expect(session(wren).get_by_role("list", name="Answers").get_by_role("listitem")).to_have_text(
        ["Sam passed", "Priya 5"]
    )
    expect(session(farah).locator(".round-waiting")).to_have_text("Waiting for: Wren")
    expect(session(farah).locator(".round-totals")).to_contain_text("Average 5 · 1 answered")
    session(farah).get_by_role("button", name="End round").click()
    expect(session(sam).locator(".session-phase")).to_have_text("Open conversation")
    session(farah).get_by_role("button", name="End session").click()
    for page in members:
        expect(session(page)).to_be_hidden()
    expect(sam.locator("#announcer")).to_contain_text("The session has ended.")
    expect(session(farah).get_by_text("Start a session")).to_be_visible()
    assert stored("It was a steady week, and I'm glad to be here.")
