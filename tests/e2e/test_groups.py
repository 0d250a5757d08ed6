"""Groups in a real browser: joining through the agreement, and consenting again to a new one."""

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import Consent, Group, Membership
from tests.e2e.seeded import off_the_loop
from tests.factories import PASSWORD, make_user
from tests.groups.conftest import (
    V2_ADDED,
    V2_DROPPED_TITLE,
    V2_NOTE,
    V2_REWORDED_TITLE,
    grief_group,
    join_open,
    v2_clauses,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def circle(server: LiveServer) -> dict[str, Any]:
    return off_the_loop(make_circle)


def make_circle() -> dict[str, Any]:
    """An open, listed group with a facilitator, and Mara, a verified person not yet in it."""
    organizer, group = grief_group(
        "Carrying Grief", "For anyone living with the loss of someone they love."
    )
    facilitator = make_user(email="farah@hearth.test", display_name="Farah")
    join_open(facilitator, group)
    member_actions.set_facilitator(actor=organizer, group=group, user=facilitator, facilitator=True)
    mara = make_user(email="mara@hearth.test", display_name="Mara")
    return {"organizer": organizer, "group": group, "facilitator": facilitator, "mara": mara}


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome back")


def composer(page: Page) -> Any:
    return page.get_by_label("Your message")


def test_join_an_open_group_through_the_agreement(page: Page, circle: dict[str, Any]) -> None:
    group: Group = circle["group"]
    sign_in(page, "mara@hearth.test")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Groups").click()
    card = page.locator(".group-card").filter(has_text="Carrying Grief")
    expect(card).to_contain_text("1 of 12 seats taken")
    expect(card).to_contain_text("Open to join")
    card.get_by_role("link", name="Carrying Grief").click()

    # The landing page: the description, the whole agreement, then how to join.
    expect(page).to_have_url(re.compile(rf"/groups/{group.slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Carrying Grief")
    expect(page.get_by_role("heading", name="The group's agreement")).to_be_visible()
    expect(page.get_by_role("heading", name="Listen without judgment")).to_be_visible()
    expect(page.get_by_role("heading", name="Repair is possible")).to_be_visible()
    join = page.get_by_role("button", name="Join the group")

    # Not without saying yes to the agreement: the browser keeps the form here.
    join.click()
    expect(page).to_have_url(re.compile(rf"/groups/{group.slug}/$"))
    assert not Membership.objects.filter(user=circle["mara"]).exists()

    page.get_by_label("I have read this agreement and I will keep it.").check()
    page.get_by_label("Name in this group").fill("Willow")
    join.click()

    # The group home: welcomed, free to write.
    expect(page).to_have_url(re.compile(rf"/groups/{group.slug}/$"))
    expect(page.get_by_role("status").first).to_contain_text(
        "Welcome. You are part of this group now."
    )
    expect(page.get_by_role("navigation", name="This group")).to_be_visible()
    expect(composer(page)).to_be_enabled()
    membership = Membership.objects.get(group=group, user=circle["mara"])
    assert (membership.pseudonym, membership.consented_version) == ("Willow", 1)
    assert Consent.objects.filter(user=circle["mara"], agreement__version=1).exists()

    page.get_by_role("navigation", name="This group").get_by_role("link", name="Members").click()
    members = page.locator(".member-list")
    expect(members).to_contain_text("Willow")
    expect(members).to_contain_text("(you)")
    expect(members).to_contain_text("Farah")


def test_consent_again_after_the_agreement_changes(page: Page, circle: dict[str, Any]) -> None:
    group: Group = circle["group"]
    mara = circle["mara"]
    off_the_loop(lambda: join_open(mara, group))
    sign_in(page, "mara@hearth.test")
    page.goto(f"/groups/{group.slug}/")
    expect(composer(page)).to_be_enabled()

    # An organizer publishes version 2 while Mara is away.
    group.refresh_from_db()
    off_the_loop(
        lambda: group_actions.publish_agreement(
            actor=circle["organizer"], group=group, clauses=v2_clauses(group), note=V2_NOTE
        )
    )

    # Her home page lists the group under the agreements that changed.
    page.goto("/")
    changed = page.locator("section").filter(
        has=page.get_by_role("heading", name="Agreements that changed")
    )
    expect(changed).to_be_visible()
    review = changed.get_by_role("link", name="Review the new agreement of Carrying Grief")
    expect(review).to_be_visible()

    # She can still read the room, but not write in it.
    page.goto(f"/groups/{group.slug}/")
    expect(page.get_by_text("This group's agreement changed.")).to_be_visible()
    expect(composer(page)).to_be_disabled()
    # (The page and the live client word it a little differently; both name the agreement.)
    expect(page.locator("#composer-status")).to_contain_text("agreement")

    # What changed, clause by clause, with the words taken out and put in.
    page.goto("/")
    review.click()
    expect(page).to_have_url(re.compile(rf"/groups/{group.slug}/agreement/$"))
    expect(page.get_by_role("heading", name="What changed")).to_be_visible()
    expect(page.get_by_text(V2_NOTE)).to_be_visible()
    reworded = page.locator(".change-changed")
    expect(reworded).to_contain_text(f"Changed: {V2_REWORDED_TITLE}")
    expect(reworded.locator("del")).to_have_text("attention,")
    expect(reworded.locator("ins")).to_have_text("patience and care,")
    expect(page.locator(".change-added")).to_contain_text(f"New: {V2_ADDED[0]}")
    expect(page.locator(".change-removed")).to_contain_text(f"Removed: {V2_DROPPED_TITLE}")

    page.get_by_label("I have read this agreement and I will keep it.").check()
    page.get_by_role("button", name="I agree").click()

    # Back in the room, and her words reach it again.
    expect(page).to_have_url(re.compile(rf"/groups/{group.slug}/$"))
    expect(
        page.get_by_text("Thank you. You can take part in the conversation again.")
    ).to_be_visible()
    expect(page.get_by_text("This group's agreement changed.")).to_have_count(0)
    expect(composer(page)).to_be_enabled()
    expect(page.locator("#connection")).to_contain_text("Connected")
    composer(page).fill("Thank you for the new clause about breaks.")
    composer(page).press("Enter")
    expect(page.locator("#messages .msg").filter(has_text="new clause about breaks")).to_have_count(
        1
    )
    assert sorted(
        Consent.objects.filter(user=mara).values_list("agreement__version", flat=True)
    ) == [1, 2]
