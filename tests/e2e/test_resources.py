"""Resources in a real browser.

A facilitator writes a Markdown resource through the form, previews it once (the
preview is rendered by the server's pipeline) and publishes it; a member finds it by
search and reads it rendered, its `javascript:` link inert. A member's suggestion
reaches the library only once the facilitator approves it. And a hostile resource
shared into a live room is drawn by the room's script as plain text.

The browser itself judges the links: `a.protocol` is the scheme Chromium would follow.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Dialog, Page, expect

from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import JoinPolicy, Resource
from tests.chat.conftest import session_cookie
from tests.e2e.seeded import off_the_loop
from tests.factories import make_organizer, make_user
from tests.live_server import LiveServer
from tests.resources.conftest import publish
from tests.resources.hostile import HOSTILE, SUMMARY, TITLE

pytestmark = pytest.mark.e2e
DIALOGS: list[str] = []

BODY = """Try this when the evening feels heavy:

- breathe in for **four**
- hold for *four*

Read more in [the guide](https://guide.example/box).
Please don't click [this one](javascript:alert(document.domain)).
"""


def make_circle() -> dict[str, Any]:
    organizer = make_organizer(email="olive@hearth.test", display_name="Olive")
    group = group_actions.create_group(
        actor=organizer, name="Evening circle", join_policy=JoinPolicy.OPEN
    )
    people: dict[str, Any] = {"group": group, "organizer": organizer}
    for role, name in (("facilitator", "Farah"), ("member", "Mara"), ("friend", "Bo")):
        person = make_user(email=f"{role}@hearth.test", display_name=name)
        member_actions.join_group(user=person, group=group, agreement_version=1)
        people[role] = person
    member_actions.set_facilitator(
        actor=organizer, group=group, user=people["facilitator"], facilitator=True
    )
    return people


@pytest.fixture
def circle(server: LiveServer) -> dict[str, Any]:
    return off_the_loop(make_circle)


def signed_in(new_page: Callable[..., Page], server: LiveServer, user: Any) -> Page:
    """A page in its own browser context, signed in as `user`; any dialog fails the test."""
    page = new_page()
    cookie = off_the_loop(lambda: session_cookie(user)).decode().split("=", 1)[1]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": server.url}]
    )
    page.on("dialog", _record_dialog)
    return page


def _record_dialog(dialog: Dialog) -> None:
    """An alert() from user text would land here: recorded, dismissed, and failed on."""
    DIALOGS.append(dialog.message)
    dialog.dismiss()


@pytest.fixture(autouse=True)
def _no_dialogs() -> Iterator[None]:
    DIALOGS.clear()
    yield
    assert DIALOGS == [], "user text ran code in the browser"


def schemes(page: Page, selector: str) -> list[str]:
    """The scheme Chromium resolved for every link under `selector` that has an href."""
    return page.eval_on_selector_all(f"{selector} a[href]", "links => links.map(a => a.protocol)")


def test_a_facilitator_publishes_with_a_preview_and_a_member_finds_it_rendered_and_inert(
    server: LiveServer, new_page: Callable[..., Page], circle: dict[str, Any]
) -> None:
    slug = circle["group"].slug
    farah = signed_in(new_page, server, circle["facilitator"])
    farah.goto(f"/groups/{slug}/resources/")
    farah.get_by_role("link", name="Add a resource").click()
    expect(farah.get_by_role("heading", level=2, name="Add a resource")).to_be_visible()
    farah.get_by_label("Title").fill("Box breathing for heavy evenings")
    farah.get_by_label("Summary").fill("Four counts each way, for when the day won't let go.")
    farah.get_by_label("Kind").select_option("exercise")
    farah.get_by_label("Link (optional)").fill("https://www.breathe.example/box")
    farah.get_by_label("Text:", exact=True).fill(BODY)
    farah.get_by_label("Tags").fill("Breathing, Evenings")

    # The preview: the server's rendering, above the form, with nothing saved yet.
    farah.get_by_role("button", name="Preview").click()
    preview = farah.locator("section.preview")
    expect(preview.get_by_role("heading", name="Preview")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("four")
    expect(preview.locator("em")).to_have_text("four")
    expect(preview.locator("li")).to_have_count(2)
    expect(preview.get_by_role("link", name="the guide")).to_have_attribute(
        "href", "https://guide.example/box"
    )
    assert schemes(farah, "section.preview") == ["https:"]
    expect(farah.get_by_label("Text:", exact=True)).to_have_value(BODY)  # kept for editing
    assert off_the_loop(lambda: Resource.objects.count()) == 0

    farah.get_by_role("button", name="Publish").click()
    expect(
        farah.get_by_role("heading", level=2, name="Box breathing for heavy evenings")
    ).to_be_visible()
    expect(farah.get_by_role("status")).to_contain_text("Published.")

    # Mara searches her group's library and opens what she finds.
    mara = signed_in(new_page, server, circle["member"])
    mara.goto(f"/groups/{slug}/resources/")
    mara.get_by_role("searchbox", name="Search").fill("evening")
    mara.get_by_role("button", name="Search").click()
    results = mara.locator("li.resource-card")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("breathe.example")
    expect(results).to_contain_text("Breathing")
    results.get_by_role("link", name="Box breathing for heavy evenings").click()

    article = mara.locator("article.resource")
    expect(article.locator(".prose strong")).to_have_text("four")
    expect(article.locator(".prose li")).to_have_count(2)
    guide = article.get_by_role("link", name="the guide")
    expect(guide).to_have_attribute("rel", "nofollow noopener ugc")
    opener = article.get_by_role("link", name="Open the link")
    expect(opener).to_have_attribute("href", "https://www.breathe.example/box")
    expect(article).to_contain_text("(breathe.example)")
    assert sorted(schemes(mara, "article.resource")) == ["https:", "https:"]
    # The javascript: link is left as the words that were typed: nothing to click.
    expect(article.get_by_role("link", name="this one")).to_have_count(0)
    expect(article.locator(".prose")).to_contain_text(
        "[this one](javascript:alert(document.domain))"
    )


def test_a_members_suggestion_appears_only_after_a_facilitator_approves_it(
    server: LiveServer, new_page: Callable[..., Page], circle: dict[str, Any]
) -> None:
    slug = circle["group"].slug
    mara = signed_in(new_page, server, circle["member"])
    mara.goto(f"/groups/{slug}/resources/")
    mara.get_by_role("link", name="Suggest a resource").click()
    expect(mara.get_by_role("heading", level=2, name="Suggest a resource")).to_be_visible()
    mara.get_by_label("Title").fill("The listening walk")
    mara.get_by_label("Text:", exact=True).fill("Walk slowly and *name* five sounds.")
    mara.get_by_role("button", name="Send suggestion").click()
    expect(mara.get_by_role("status")).to_contain_text("A facilitator will look at your suggestion")
    expect(mara.locator("li.resource-card")).to_have_count(0)

    bo = signed_in(new_page, server, circle["friend"])
    bo.goto(f"/groups/{slug}/resources/?q=listening")
    expect(bo.get_by_text("Nothing matches that yet.")).to_be_visible()

    farah = signed_in(new_page, server, circle["facilitator"])
    farah.goto(f"/groups/{slug}/resources/")
    farah.get_by_role("link", name="Suggestions waiting (1)").click()
    farah.get_by_role("button", name="Publish “The listening walk”").click()
    expect(farah.get_by_role("status")).to_contain_text("Published.")
    expect(farah.get_by_text("No suggestions are waiting.")).to_be_visible()

    for page in (bo, mara):
        page.goto(f"/groups/{slug}/resources/?q=listening")
        card = page.locator("li.resource-card")
        expect(card).to_have_count(1)
        card.get_by_role("link", name="The listening walk").click()
        expect(page.locator(".prose em")).to_have_text("name")


def test_a_hostile_resource_shared_into_a_live_room_is_drawn_as_text(
    server: LiveServer,
    new_page: Callable[..., Page],
    circle: dict[str, Any],
) -> None:
    """A CSP violation or a dialog would also fail it (see browser_errors and DIALOGS)."""
    slug = circle["group"].slug
    hostile = off_the_loop(lambda: publish(circle["facilitator"], circle["group"], **HOSTILE))
    bo = signed_in(new_page, server, circle["friend"])
    bo.goto(f"/groups/{slug}/")
    expect(bo.locator("#connection")).to_contain_text("Connected")

    mara = signed_in(new_page, server, circle["member"])
    mara.goto(hostile.get_absolute_url())
    mara.get_by_label("A note with it (optional)").fill("<b>this</b> helped")
    mara.get_by_role("button", name="Share").click()

    # Bo's room draws the card from the socket's message.new, with room.js.
    card = bo.locator("#messages .resource-share")
    expect(card).to_have_count(1)
    expect(card.locator(".resource-share-title a")).to_have_text(" ".join(TITLE.split()))
    expect(card).to_contain_text(SUMMARY)
    expect(card).to_contain_text("ok.example")
    assert card.locator("script, img, svg, iframe").count() == 0
    assert schemes(bo, "#messages .resource-share") == ["http:"]
    expect(bo.locator("#messages .msg-body").last).to_have_text("<b>this</b> helped")
    # And the room Mara was sent to, rendered by the server, says the same.
    expect(mara.locator("#messages .resource-share .resource-share-title a")).to_have_text(
        " ".join(TITLE.split())
    )
    for page in (bo, mara):
        assert (
            page.evaluate("document.querySelectorAll('#messages script, #messages img').length")
            == 0
        )
