"""Themes a member would rather not see, in real browsers: chosen in Settings, kept live."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from community.actions import add_default_themes
from community.models import Theme
from tests.chat.conftest import make_room
from tests.e2e.room import open_room
from tests.live_server import LiveServer
from tests.resources.conftest import publish

pytestmark = pytest.mark.e2e

NOTE = "A theme you keep folded."


def test_a_live_message_on_a_chosen_theme_stays_folded_and_says_why_for_that_reader(
    server: LiveServer, new_page: Callable[..., Page]
) -> None:
    add_default_themes()  # an earlier test may have emptied the migration's list
    circle: dict[str, Any] = make_room(members=2, facilitators=0)
    mara_user, sam_user = circle["members"]
    slug = circle["group"].slug

    # Mara chooses her themes on the settings page, as a member would.
    mara = open_room(new_page, server, mara_user, slug)
    mara.goto("/settings/themes/")
    mara.get_by_label("Suicide").check()
    mara.get_by_role("button", name="Save themes").click()
    expect(mara.get_by_text("Your themes are saved.")).to_be_visible()
    assert list(mara_user.avoided_themes.all()) == [Theme.objects.get(name="Suicide")]
    mara.goto(f"/groups/{slug}/")
    expect(mara.locator("#connection")).to_contain_text("Connected")

    sam = open_room(new_page, server, sam_user, slug)
    sam.get_by_label("Your message").fill("It was a year ago today.")
    sam.get_by_text("Add a label or content warning").click()
    sam.get_by_label("Content warning").fill("suicide")
    sam.get_by_label("Your message").press("Enter")

    warned = mara.locator("#messages .msg").filter(has_text="Content warning: suicide")
    expect(warned.locator("summary")).to_have_text(
        f"Content warning: suicide. {NOTE} Show the message"
    )
    expect(warned.locator(".msg-body")).to_be_hidden()
    # Sam chose no themes: the same message has its warning and nothing more.
    own = sam.locator("#messages .msg").filter(has_text="Content warning: suicide")
    expect(own.locator("summary")).to_have_text("Content warning: suicide. Show the message")


def test_a_live_shared_resource_on_a_chosen_theme_arrives_folded_for_that_reader(
    server: LiveServer, new_page: Callable[..., Page]
) -> None:
    add_default_themes()
    circle: dict[str, Any] = make_room(members=2, facilitators=1)
    mara_user, sam_user = circle["members"]
    mara_user.avoided_themes.set([Theme.objects.get(name="Self-harm")])
    slug = circle["group"].slug
    heavy = publish(
        circle["facilitators"][0],
        circle["group"],
        "When the urge comes",
        summary="Small things that helped us through.",
        themes=[Theme.objects.get(name="Self-harm")],
    )

    mara = open_room(new_page, server, mara_user, slug)
    sam = open_room(new_page, server, sam_user, slug)
    sam.goto(heavy.get_absolute_url())
    sam.get_by_label("A note with it (optional)").fill("This one is gentle.")
    sam.get_by_role("button", name="Share").click()

    card = (
        mara.locator("#messages .msg")
        .filter(has_text="This one is gentle.")
        .locator(".resource-share")
    )
    expect(card.locator("summary")).to_have_text(
        f"A shared resource that touches on Self-harm. {NOTE} Show it"
    )
    expect(card.get_by_text("Small things that helped us through.")).to_be_hidden()
    card.locator("summary").click()
    expect(card.get_by_text("Small things that helped us through.")).to_be_visible()
    # Sam keeps no theme folded: the same card is open, its themes named.
    own = sam.locator("#messages .msg").filter(has_text="This one is gentle.")
    expect(own.locator(".resource-themes")).to_have_text("Touches on: Self-harm")
    expect(own.get_by_text("Small things that helped us through.")).to_be_visible()
