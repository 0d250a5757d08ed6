"""First journeys through a real browser: joining, verifying, signing in, finding help."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from community.models import CrisisLine
from tests.factories import PASSWORD, make_user
from tests.mail import link_in, sent_to

pytestmark = pytest.mark.e2e


@pytest.fixture
def crisis_lines(server):
    CrisisLine.objects.create(name="988 Suicide & Crisis Lifeline", region="US", phone="988")
    CrisisLine.objects.create(name="Samaritans", region="GB", phone="116 123")
    CrisisLine.objects.create(
        name="Find a Helpline", region="INTL", website="https://findahelpline.com"
    )


def main_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()


def test_sign_up_verify_sign_in_and_find_help(page: Page, crisis_lines):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("A warm place to be heard")
    page.get_by_role("main").get_by_role("link", name="Join Hearth").click()

    page.get_by_label("Email").fill("river@hearth.test")
    page.get_by_label("Display name").fill("River")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify")

    # The verification link from the captured email, opened in the same browser.
    (message,) = sent_to("river@hearth.test")
    page.goto(link_in(message, "/accounts/confirm-email/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, River")

    # Sign out, then in again with the password.
    page.get_by_role("button", name="Sign out").click()
    expect(main_nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    sign_in(page, "river@hearth.test")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, River")
    expect(page.get_by_role("heading", name="My groups")).to_be_visible()

    # Help is one link away, from the footer of every page.
    page.get_by_role("contentinfo").get_by_role("link", name="Need help now?").click()
    expect(page).to_have_url(re.compile(r"/crisis/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("If you need help right now")
    expect(page.get_by_role("heading", name="988 Suicide & Crisis Lifeline")).to_be_visible()
    assert len(mail.outbox) == 1


def test_an_unverified_person_is_asked_to_verify_instead_of_signed_in(page: Page, server):
    make_user(email="waiting@hearth.test", display_name="Waiting", verified=False)
    sign_in(page, "waiting@hearth.test")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify")
    expect(main_nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    assert link_in(sent_to("waiting@hearth.test")[-1], "/accounts/confirm-email/")


def test_a_visitor_chooses_a_region_and_sees_its_lines_first(page: Page, crisis_lines):
    page.goto("/crisis/")
    page.get_by_label("Show lines for").select_option("GB")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/crisis/\?region=GB$"))
    names = page.get_by_role("list", name="Crisis lines").get_by_role("heading").all_inner_texts()
    assert names[0] == "Samaritans"
    assert names[1] == "Find a Helpline"


def test_the_skip_link_moves_focus_to_the_main_content(page: Page, server):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_the_server_can_restart_under_a_signed_in_browser(page: Page, server):
    make_user(email="steady@hearth.test", display_name="Steady")
    sign_in(page, "steady@hearth.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Steady")
    server.restart()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Steady")
