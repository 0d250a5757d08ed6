"""A group's live room in a browser: open it signed in as someone, send, find messages."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from tests.chat.conftest import session_cookie
from tests.live_server import LiveServer


def open_room(
    new_page: Callable[..., Page],
    server: LiveServer,
    user: Any,
    slug: str,
    route: Callable[[Any], None] | None = None,
    **options: Any,
) -> Page:
    """A browser context (`options` as for `new_page`) signed in as `user`, showing the
    group's room, connected live (through `route`, a Playwright WebSocket route
    handler, if given)."""
    page = new_page(**options)
    if route is not None:
        page.route_web_socket(lambda url: "/ws/groups/" in url, route)
    cookie = session_cookie(user).decode().split("=", 1)[1]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": server.url}]
    )
    page.goto(f"/groups/{slug}/")
    expect(page.locator("#connection")).to_contain_text("Connected")
    return page


def both_in_the_room(
    new_page: Callable[..., Page], server: LiveServer, circle: dict[str, Any]
) -> tuple[Page, Page]:
    """The rooms of the circle's two members, each in a browser context of their own."""
    slug = circle["group"].slug
    first, second = circle["members"]
    return open_room(new_page, server, first, slug), open_room(new_page, server, second, slug)


def messages_saying(page: Page, text: str) -> Any:
    return page.locator("#messages .msg").filter(has_text=text)


def send(page: Page, text: str) -> None:
    box = page.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")


def heard_once(sender: Page, hearer: Page, text: str) -> Locator:
    """`sender` sends `text`; it shows once in `hearer`'s room (returned)."""
    send(sender, text)
    heard = messages_saying(hearer, text)
    expect(heard).to_have_count(1)
    return heard
