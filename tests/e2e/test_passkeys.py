"""Passkeys in Chromium, with a virtual authenticator driven through the DevTools protocol.

WebAuthn needs a secure context whose host is a domain (an IP address cannot be a
relying party), so these pages are opened at http://localhost, which browsers treat
as secure, instead of the live server's usual 127.0.0.1.
"""

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_page
from tests.e2e.seeded import off_the_loop
from tests.factories import PASSWORD, make_user
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def localhost_page(
    browser: Any, server: LiveServer, browser_errors: list[str]
) -> Iterator[Callable[[], Page]]:
    """Pages at http://localhost:PORT, each in its own context with its own authenticator."""
    base_url = server.url.replace("127.0.0.1", "localhost")
    contexts = []

    def factory() -> Page:
        page = open_page(browser, base_url, browser_errors)
        contexts.append(page.context)
        return page

    yield factory
    for context in contexts:
        context.close()


def add_authenticator(page: Page) -> tuple[Any, str]:
    """Plug a platform authenticator that holds passkeys and verifies its user into `page`."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    created = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, created["authenticatorId"]


def sign_in_with_password(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()


def add_key(page: Page, name: str, *, passkey: bool) -> None:
    page.goto("/accounts/2fa/webauthn/add/")
    # Adding a key asks for the password again, however recent the sign-in.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill(name)
    if passkey:
        page.get_by_label("Passwordless").check()
    # "Add" is a plain button until allauth's script gives it its handler, at
    # DOMContentLoaded: a click before that does nothing at all.
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Add").click()
    # The browser makes the key, then the form posts: wait for that page before the next
    # navigation, or it aborts this one (Chromium 156 on a loaded host takes seconds).
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"), timeout=20_000)


def sign_out(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()


def test_a_member_adds_a_passkey_and_signs_in_with_it_alone(localhost_page, server):
    off_the_loop(lambda: make_user(email="wren@hearth.test", display_name="Wren"))
    page = localhost_page()
    cdp, authenticator = add_authenticator(page)

    sign_in_with_password(page, "wren@hearth.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Wren")
    # The first key brings recovery codes, as TOTP does, so the member is never locked out.
    add_key(page, "My phone", passkey=True)
    key = Authenticator.objects.get(user__email="wren@hearth.test", type="webauthn")
    assert key.wrap().is_passwordless
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["isResidentCredential"] for c in credentials["credentials"]] == [True]
    page.goto("/accounts/2fa/webauthn/")
    expect(page.get_by_role("main")).to_contain_text("My phone")

    sign_out(page)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Wren")
    key.refresh_from_db()
    assert key.last_used_at is not None


def signed_out_with_a_key(localhost_page: Any, name: str, key: str, *, passkey: bool) -> Any:
    """A fresh browser where `name` (name@hearth.test, created here) added the security
    key or passkey `key` with a virtual authenticator, then signed out."""
    email = f"{name.lower()}@hearth.test"
    off_the_loop(lambda: make_user(email=email, display_name=name))
    page = localhost_page()
    add_authenticator(page)
    sign_in_with_password(page, email)
    add_key(page, key, passkey=passkey)
    sign_out(page)
    return page


def test_a_security_key_is_a_second_step_after_the_password(localhost_page, server):
    page = signed_out_with_a_key(localhost_page, "Ash", "Desk key", passkey=False)

    sign_in_with_password(page, "ash@hearth.test")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.wait_for_load_state("load")  # the button's handler comes with allauth's script
    page.get_by_role("button", name="Use a security key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back, Ash")


def test_a_passkey_from_another_browser_does_not_sign_anyone_in(
    localhost_page, server, browser_errors
):
    """Someone else's device holds no passkey for this site: nobody is signed in."""
    signed_out_with_a_key(localhost_page, "Fern", "Laptop", passkey=True)

    stranger = localhost_page()
    add_authenticator(stranger)  # empty: it has never met this site
    stranger.goto("/accounts/login/")
    stranger.get_by_role("button", name="Sign in with a passkey").click()
    # The browser finds no passkey and refuses; allauth's script reports it in the console.
    deadline = 50
    while not any("NotAllowedError" in e for e in browser_errors) and deadline:
        stranger.wait_for_timeout(100)
        deadline -= 1
    assert [e for e in browser_errors if "NotAllowedError" in e]
    browser_errors[:] = [e for e in browser_errors if "NotAllowedError" not in e]
    expect(stranger).to_have_url(re.compile(r"/accounts/login/$"))
    expect(stranger.get_by_role("link", name="Sign in").first).to_be_visible()
