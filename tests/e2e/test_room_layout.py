"""The room as a person meets it, on a phone (375 x 740) and a laptop (1280 x 800),
measured in real pixels: what is on screen is judged by bounding boxes against the
viewport and against the conversation's own scrolling region.

- It opens at the newest message, or at "Unread since you were last here".
- Someone else's message arriving while the reader is at the bottom comes into view;
  while they have scrolled up to read, nothing moves and "1 new message" offers it.
- Your own message comes into view when you send it.
- After a crisis phrase, the crisis card follows the message, wholly on screen, with
  lines that call (tel:) and text (sms:, the keyword already written), announced once.
- "Need help now?" in the room's header opens the same lines at any moment.
- "Leave quickly" (or Escape three times) replaces the page with an ordinary one, and
  Back does not return.
- Without JavaScript the page reads top to bottom, with the form at the end.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from community.models import Region
from groups.actions import chat
from groups.models import Membership, Message
from moderation.actions import filters
from tests.chat.conftest import chat_limits, fast_chat, make_room  # noqa: F401  (fixtures)
from tests.e2e import tour
from tests.e2e.seeded import off_the_loop, sign_in
from tests.live_server import LiveServer

# The history is written faster than a person could type it.
pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("fast_chat")]

PHONE = ViewportSize(width=375, height=740)
LAPTOP = ViewportSize(width=1280, height=800)
SIZES = {"phone": PHONE, "laptop": LAPTOP}
HISTORY = 60  # more than a page (50): earlier ones load on scrolling to the top
CRISIS = "Some nights I just want to end it all."
NEUTRAL = "https://weather.example/today"


def make_circle() -> dict[str, Any]:
    """A group with a history, a crisis phrase, and the demo's crisis lines."""
    people = make_room(members=2, facilitators=1)
    group = people["group"]
    mara, sam = people["members"]
    for user in (mara, sam):
        user.region = Region.US
        user.save(update_fields=["region"])
    filters.add_crisis_phrase(actor=people["organizer"], phrase="end it all")
    from community import demo

    demo.seed(StringIO())  # its crisis lines (and demo people, unused here)
    for number in range(1, HISTORY + 1):
        author = (mara, sam, people["facilitators"][0])[number % 3]
        sent = chat.send_message(
            user=author,
            group=group,
            client_id=f"history-{number}",
            body=f"Message {number}: " + "a few words of an evening " * (1 + number % 4),
        )
    # Mara's newest message is answered with the two longest reactions.
    for user, kind in ((sam, "care"), (people["facilitators"][0], "thanks")):
        chat.toggle_reaction(user=user, group=group, message_id=sent.message.pk, kind=kind)
    return {"group": group, "mara": mara, "sam": sam, "people": people}


@pytest.fixture
def circle(server: LiveServer) -> dict[str, Any]:
    return off_the_loop(make_circle)


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> ViewportSize:
    return SIZES[request.param]


@pytest.fixture
def enter(
    server: LiveServer, new_page: Callable[..., Page], circle: dict[str, Any], size: ViewportSize
) -> Callable[..., Page]:
    """`enter(user)`: that person's browser at this size, in the room, connected."""

    def open_room(user: Any, **options: Any) -> Page:
        page = new_page(viewport=size, **options)
        sign_in(page, user.email, server.url)
        page.goto(f"/groups/{circle['group'].slug}/")
        if options.get("java_script_enabled", True):
            expect(page.locator("#connection")).to_contain_text("Connected")
        return page

    return open_room


# --- Geometry ------------------------------------------------------------------------


def box(target: Locator) -> dict[str, float]:
    found = target.bounding_box()
    assert found is not None, f"{target} has no box (not displayed)"
    return {key: float(found[key]) for key in ("x", "y", "width", "height")}


def within(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["y"] >= outer["y"] - 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
        and inner["x"] >= outer["x"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
    )


def screen(page: Page) -> dict[str, float]:
    size = page.viewport_size
    assert size is not None
    return {"x": 0, "y": 0, "width": size["width"], "height": size["height"]}


def seen(page: Page, target: Locator) -> bool:
    """Wholly on screen: inside the viewport and inside the conversation's visible region.

    Not yet, when the element has no box: the room replaces a message's element when
    the server's copy arrives, and a box asked for at that instant is of a detached one.
    """
    found = target.bounding_box()
    if found is None:
        return False
    where = {key: float(found[key]) for key in ("x", "y", "width", "height")}
    region = box(page.locator("#conversation"))
    return within(where, screen(page)) and within(where, region)


def settle(page: Page, check: Callable[[], bool], timeout_ms: int = 3000) -> bool:
    """Whether `check` holds within the time (scrolling and layout take a frame or two)."""
    for _ in range(timeout_ms // 50):
        if check():
            return True
        page.wait_for_timeout(50)
    return check()


def assert_seen(page: Page, target: Locator) -> None:
    expect(target).to_be_visible()
    assert settle(page, lambda: seen(page, target)), (
        f"not wholly on screen: {box(target)}, conversation {box(page.locator('#conversation'))},"
        f" viewport {page.viewport_size}"
    )


def messages(page: Page) -> Locator:
    return page.locator("#messages .msg")


def saying(page: Page, text: str) -> Locator:
    return messages(page).filter(has_text=text)


def send(page: Page, text: str) -> None:
    box_ = page.get_by_label("Your message")
    box_.fill(text)
    box_.press("Enter")


def say_as(user: Any, group: Any, text: str) -> None:
    off_the_loop(
        lambda: chat.send_message(user=user, group=group, client_id=uuid.uuid4().hex, body=text)
    )


def scroll_up(page: Page, by: int = 400) -> None:
    page.locator("#conversation").evaluate(f"c => {{ c.scrollTop -= {by}; }}")
    page.wait_for_timeout(150)


# --- Opening -------------------------------------------------------------------------


def test_the_room_opens_at_the_newest_message_with_the_composer_on_screen(
    enter: Callable[..., Page], circle: dict[str, Any]
) -> None:
    page = enter(circle["mara"])
    newest = saying(page, f"Message {HISTORY}:")
    assert_seen(page, newest)
    assert within(box(page.get_by_label("Your message")), screen(page))
    assert within(box(page.get_by_role("button", name="Send", exact=True)), screen(page))
    assert within(box(page.get_by_role("button", name="Need help now?")), screen(page))
    # Quiet controls: the reactions given and one "React", on one row; the rest in a menu.
    row = newest.locator(".reaction-row > button:visible")
    expect(row).to_have_text(
        [re.compile("^Sending care"), re.compile("^Thank you"), re.compile("^React")]
    )
    assert len({round(box(b)["y"]) for b in row.all()}) == 1, "the controls wrap"
    expect(newest.get_by_role("button", name="More options for your message")).to_be_visible()
    assert within(box(newest.locator(".msg-foot")), box(newest))
    # The oldest is out of view, up the conversation's own scroll.
    assert not seen(page, saying(page, "Message 11:"))
    assert page.locator("#unread").count() == 0  # nothing unread


def test_it_opens_at_the_unread_divider_when_there_are_unread_messages(
    enter: Callable[..., Page], circle: dict[str, Any]
) -> None:
    first_unread = HISTORY - 8
    Membership.objects.filter(user=circle["mara"]).update(last_read_seq=first_unread - 1)
    page = enter(circle["mara"])
    divider = page.locator("#unread")
    expect(divider).to_have_text("Unread since you were last here")
    assert_seen(page, divider)
    # The divider sits right before the first message she has not read.
    after = page.locator("#unread + .msg")
    expect(after).to_contain_text(f"Message {first_unread}:")
    assert box(after)["y"] >= box(divider)["y"]
    # Earlier messages wait above; the newest is further down.
    assert page.locator("#conversation").evaluate("c => c.scrollTop") > 0
    assert not seen(page, saying(page, f"Message {HISTORY}:"))


def test_earlier_messages_load_at_the_top_without_moving_what_is_being_read(
    enter: Callable[..., Page], circle: dict[str, Any]
) -> None:
    page = enter(circle["mara"])
    expect(saying(page, "Message 10:")).to_have_count(0)  # not on the first page
    oldest_shown = saying(page, "Message 11:")
    expect(oldest_shown).to_have_count(1)
    # Read upwards, to the top of what the page brought.
    page.locator("#conversation").evaluate("c => { c.scrollTop = 0; }")
    expect(saying(page, "Message 10:")).to_have_count(1)  # loaded, no click needed
    page.wait_for_timeout(200)
    where = box(oldest_shown)["y"]
    assert seen(page, oldest_shown) or where >= box(page.locator("#conversation"))["y"] - 1
    assert page.locator("#conversation").evaluate("c => c.scrollTop") > 0  # room above now
    expect(saying(page, "Message 1:")).to_have_count(1)
    expect(page.locator("#earlier-link")).to_have_count(0)  # nothing more to load
    page.wait_for_timeout(200)
    assert abs(box(oldest_shown)["y"] - where) <= 1  # what was read did not jump


# --- Arriving while reading ----------------------------------------------------------


def test_a_message_from_someone_else_arriving_at_the_bottom_comes_into_view(
    enter: Callable[..., Page], circle: dict[str, Any]
) -> None:
    page = enter(circle["mara"])
    say_as(circle["sam"], circle["group"], "Here with you tonight, everyone.")
    arrived = saying(page, "Here with you tonight, everyone.")
    assert_seen(page, arrived)
    expect(page.locator("#new-below")).to_be_hidden()


def test_scrolled_up_nothing_moves_and_a_button_offers_the_new_message(
    enter: Callable[..., Page], circle: dict[str, Any]
) -> None:
    page = enter(circle["mara"])
    scroll_up(page)
    reading = saying(page, f"Message {HISTORY - 3}:")
    assert settle(page, lambda: seen(page, reading))
    before = box(reading)["y"]

    say_as(circle["sam"], circle["group"], "A thought from further down.")
    arrived = saying(page, "A thought from further down.")
    expect(arrived).to_have_count(1)
    offer = page.get_by_role("button", name=re.compile(r"^1 new message"))
    expect(offer).to_be_visible()
    page.wait_for_timeout(300)
    assert box(reading)["y"] == before  # not moved
    assert not seen(page, arrived)
    assert within(box(offer), box(page.locator("#conversation")))

    offer.click()
    assert_seen(page, arrived)
    expect(offer).to_be_hidden()
    expect(arrived).to_be_focused()  # reading goes on from there


def test_your_sent_message_comes_into_view(
    enter: Callable[..., Page], circle: dict[str, Any]
) -> None:
    page = enter(circle["mara"])
    scroll_up(page, 800)
    send(page, "Thank you all for being here.")
    mine = saying(page, "Thank you all for being here.")
    expect(mine).not_to_have_class(re.compile("msg-pending"))
    assert_seen(page, mine)


# --- Care where the person looks -----------------------------------------------------


def test_after_a_crisis_phrase_the_card_follows_the_message_on_screen_and_can_be_tapped(
    enter: Callable[..., Page], circle: dict[str, Any]
) -> None:
    page = enter(circle["mara"])
    page.evaluate(
        """() => {
          window.alerted = [];
          const region = document.getElementById("alert");
          new MutationObserver(() => {
            const text = region.textContent.trim();
            if (text) window.alerted.push(text);
          }).observe(region, {childList: true, subtree: true, characterData: true});
        }"""
    )
    send(page, CRISIS)
    mine = saying(page, CRISIS)
    expect(mine).not_to_have_class(re.compile("msg-pending"))
    card = page.locator(".crisis-card")
    expect(card).to_have_count(1)
    # Directly after her own message, and wholly on screen.
    message_id = Message.objects.get(body=CRISIS).pk
    expect(page.locator(f"#m-{message_id} + .crisis-card")).to_have_count(1)
    assert_seen(page, card)
    expect(card.get_by_role("heading", name="You matter")).to_be_visible()

    # Numbers call, text lines open a text with the keyword written, names open websites.
    links = {a.inner_text(): a.get_attribute("href") for a in card.get_by_role("link").all()}
    assert links["Call 988"] == "tel:988"
    assert links["Text 988"] == "sms:988"
    assert links["Text HOME to 741741"] == "sms:741741?body=HOME"
    assert links["Find a Helpline"] == "https://findahelpline.com"  # "has no link" no more
    assert links["More ways to get help now"] == "/crisis/"
    assert "text Text" not in card.inner_text()

    # Announced once, at once; the card itself is not a live region.
    expect(page.locator("#alert")).to_have_attribute("aria-live", "assertive")
    page.wait_for_timeout(1000)
    alerted = page.evaluate("window.alerted")
    assert len(alerted) == 1 and alerted[0].startswith("You matter."), alerted
    assert card.get_attribute("aria-live") is None

    # Readable in both colour schemes.
    assert tour.axe_lines(page) == []
    page.emulate_media(color_scheme="dark")
    assert tour.axe_lines(page, tour.COLOUR_OPTIONS) == []


def test_need_help_now_opens_the_lines_at_any_moment(
    enter: Callable[..., Page], circle: dict[str, Any]
) -> None:
    page = enter(circle["mara"])
    help_now = page.get_by_role("button", name="Need help now?")
    help_now.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="If you need help right now")
    expect(dialog).to_be_visible()
    assert within(box(dialog), screen(page))
    expect(dialog.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    expect(dialog.get_by_role("link", name="Text HOME to 741741")).to_have_attribute(
        "href", "sms:741741?body=HOME"
    )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(help_now).to_be_focused()


# --- Leaving quickly -----------------------------------------------------------------


@pytest.fixture
def neutral(settings: Any) -> Iterator[str]:
    """Point "Leave quickly" at a neutral page the test serves (no real site is reached)."""
    settings.HEARTH_QUICK_EXIT_URL = NEUTRAL
    yield NEUTRAL


def serve_neutral(page: Page) -> None:
    page.context.route(
        f"{NEUTRAL}**",
        lambda route: route.fulfill(
            content_type="text/html", body="<!DOCTYPE html><title>Weather</title><p>Sunny."
        ),
    )


@pytest.mark.parametrize("how", ["button", "escape"])
def test_leave_quickly_replaces_the_page_and_back_does_not_return(
    enter: Callable[..., Page], server: LiveServer, circle: dict[str, Any], neutral: str, how: str
) -> None:
    page = enter(circle["mara"])
    serve_neutral(page)
    exit_ = page.get_by_role("link", name="Leave quickly")
    assert within(box(exit_), screen(page))
    composer = page.get_by_label("Your message")
    composer.fill("Something I was still writing")
    if how == "button":
        exit_.click()
    else:
        composer.focus()
        for _ in range(3):
            page.keyboard.press("Escape")
    page.wait_for_url(neutral)
    assert page.title() == "Weather"
    page.go_back()
    page.wait_for_timeout(300)
    # The room was replaced, not left: Back goes to what came before it (here the
    # browser's blank start page), never to the room.
    assert not page.url.startswith(server.url), page.url
    expect(page.locator("#room")).to_have_count(0)

    # The words being written were not kept.
    page.goto(f"/groups/{circle['group'].slug}/")
    expect(page.get_by_label("Your message")).to_have_value("")


def test_leave_quickly_is_on_every_page_and_reachable_by_keyboard(
    page: Page, server: LiveServer, neutral: str
) -> None:
    serve_neutral(page)
    page.goto("/crisis/")
    page.keyboard.press("Tab")  # the skip link first
    page.keyboard.press("Tab")
    exit_ = page.get_by_role("link", name="Leave quickly")
    expect(exit_).to_be_focused()
    expect(exit_).to_have_accessible_description(re.compile("Escape three times"))
    page.keyboard.press("Enter")
    page.wait_for_url(neutral)


# --- Without JavaScript, and with reduced motion -------------------------------------


def test_without_javascript_the_page_reads_top_to_bottom_with_the_form_at_the_end(
    enter: Callable[..., Page], circle: dict[str, Any]
) -> None:
    page = enter(circle["mara"], java_script_enabled=False)
    overflow = page.locator("#conversation").evaluate("c => getComputedStyle(c).overflowY")
    assert overflow == "visible"  # part of the page, not a region of its own
    last = box(messages(page).last)
    form = box(page.locator("#composer"))
    assert form["y"] >= last["y"] + last["height"]
    # Every message's actions are plain links and buttons, no menu to open.
    first = messages(page).filter(has_text="Message 59:")
    expect(first.get_by_role("link", name=re.compile("^Report"))).to_be_visible()
    expect(first.get_by_role("button", name="Sending care")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^More"))).to_have_count(0)
    expect(page.get_by_role("link", name="Need help now?").first).to_have_attribute(
        "href", "/crisis/"
    )


def test_with_reduced_motion_the_room_still_opens_at_the_newest_message(
    enter: Callable[..., Page], circle: dict[str, Any]
) -> None:
    page = enter(circle["mara"], reduced_motion="reduce")
    assert_seen(page, saying(page, f"Message {HISTORY}:"))
    say_as(circle["sam"], circle["group"], "Gently, no motion needed.")
    assert_seen(page, saying(page, "Gently, no motion needed."))
