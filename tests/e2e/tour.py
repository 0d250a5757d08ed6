"""A tour of every page, as each role sees it, measuring what a person would notice.

For each role (visitor, member, facilitator, organizer) one browser context
visits every page that role can reach, and on each page records:

- axe-core's violations, in the light and in the dark colour scheme (the page
  is loaded once; `prefers-color-scheme` is emulated both ways);
- whether the page scrolls sideways at 375 px wide (a phone) and at 640 x 400
  CSS px (a 1280 x 800 screen zoomed to 200 %);
- the bytes of JavaScript and CSS it downloaded (uncompressed), the session's own
  script and stylesheet (static/js/session.js, static/css/session.css, which the room
  loads only in a session or for its keepers) counted apart, against their own budget;
- requests to any host but the live server, console errors and page errors;
- the page's `lang` and the text it shows or reads out (tests/e2e/test_languages.py
  takes the tour in Spanish and in a pseudo-locale).

axe-core comes from the axe-playwright-python package (its bundled axe.min.js,
evaluated in the page by the test); it is never served by the site nor fetched
from the network.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Page, Response, ViewportSize, expect

from tests.e2e.conftest import open_page
from tests.e2e.seeded import ANXIETY, CAREGIVERS, GRIEF, RECOVERY, ROLES, Demo, sign_in

AXE_SCRIPT = Axe().axe_script  # axe.min.js as the installed package bundles it
AXE_OPTIONS: dict[str, Any] = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
}
# The dark scheme changes colours only (custom properties under
# prefers-color-scheme), so in dark mode the rules about colour run again.
COLOUR_OPTIONS: dict[str, Any] = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]},
}
# Failing impacts, and rules that fail at any impact: page structure a screen
# reader user navigates by.
FAILING_IMPACTS = {"serious", "critical"}
STRUCTURE_RULES = {
    "heading-order",
    "page-has-heading-one",
    "region",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-main",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "duplicate-id",
    "duplicate-id-aria",
    "empty-heading",
}
# The session's client and its styles (hashed in production: session.<hash>.js).
SESSION_ASSET = re.compile(r"/static/(js|css)/session(\.[0-9a-f]+)?\.(js|css)$")
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=375, height=812)
ZOOMED = ViewportSize(width=640, height=400)  # 1280 x 800 at 200 % zoom


@dataclass(frozen=True)
class Stop:
    """A page of the tour."""

    name: str
    path: Callable[[Demo], str]
    roles: tuple[str, ...]
    status: int = 200
    prepare: Callable[[Page], None] | None = None


@dataclass
class Report:
    """What one page showed one role."""

    role: str
    name: str
    url: str
    violations: dict[str, list[str]] = field(default_factory=dict)  # scheme -> lines
    overflow: dict[str, int] = field(default_factory=dict)  # viewport -> px scrolled sideways
    script_bytes: int = 0
    style_bytes: int = 0
    session_script_bytes: int = 0  # static/js/session.js, counted apart from the page's
    session_style_bytes: int = 0  # static/css/session.css
    problems: list[str] = field(default_factory=list)
    lang: str = ""  # <html lang>
    text: str = ""  # what it shows and reads out (SHOWN_TEXT)
    other_languages: list[str] = field(default_factory=list)  # text inside another `lang`


# The text a person sees (rendered, so hidden text is left out) and hears: the
# accessible names and hints set in attributes, and the page's title.
SHOWN_TEXT = """() => {
  const parts = [document.title, document.body.innerText];
  for (const el of document.body.querySelectorAll("[aria-label],[title],[placeholder],[alt]")) {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      if (el.hasAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  for (const el of document.body.querySelectorAll("input[type=submit],input[type=button]")) {
    parts.push(el.value);
  }
  const others = [...document.body.querySelectorAll("[lang]")].map((el) => el.textContent.trim());
  return {lang: document.documentElement.lang, text: parts.join("\\n"), others};
}"""

# The language the tour reads in: its steps find buttons and fields by their names
# in that language (`say`).
reading = {"language": settings.LANGUAGE_CODE}


def named(english: str) -> re.Pattern[str]:
    """A name with someone's name in it (`%(name)s`), as the tour's language writes it."""
    before, _, after = say(english).partition("%(name)s")
    return re.compile(f"^{re.escape(before)}.+{re.escape(after)}$")


def say(english: str, *, client: bool = False, context: str = "") -> str:
    """`english` as the tour's language writes it (`client`: as the chat client does,
    from the JavaScript catalogue; `context`: the msgctxt it is marked with)."""
    if client:
        from django.utils.translation.trans_real import DjangoTranslation

        return DjangoTranslation(reading["language"], domain="djangojs").gettext(english)
    with translation.override(reading["language"]):
        return translation.pgettext(context, english) if context else translation.gettext(english)


ALL = ("visitor", "member", "facilitator", "organizer")
SIGNED_IN = ("member", "facilitator", "organizer")
MEMBERS = ("member", "facilitator")  # of the grief group
FACILITATING = ("facilitator", "organizer")


def live(page: Page) -> None:
    """Wait until the room's client is connected (and for keepers, their session controls
    are drawn), then open a content warning."""
    expect(page.locator("#connection")).to_contain_text(say("Connected.", client=True))
    if page.locator("#room[data-facilitator='true']").count():
        expect(
            page.get_by_role("region", name=say("Session", context="a live meeting of the group"))
        ).to_be_visible()
    warning = page.locator(".cw summary").first
    if warning.count():
        warning.click()


# What the tour itself writes on a page (a resource it previews): people's words.
TYPED = ["Square breathing", "Four counts in, hold, out, hold.", "Breathe in for four.", "hold"]
TYPED += ["breathe out"]


def preview_resource(page: Page) -> None:
    page.get_by_label(say("Title")).fill(TYPED[0])
    page.get_by_label(say("Summary")).fill(TYPED[1])
    page.locator("textarea[name=body]").fill("Breathe in for **four**.\n\n- hold\n- breathe out")
    page.get_by_role("button", name=say("Preview")).click()
    expect(page.get_by_role("heading", name=say("Preview"))).to_be_visible()


def ask_to_remove(page: Page) -> None:
    """Press "Remove …": the page that asks first (nothing is removed until confirmed)."""
    page.get_by_role("button", name=named("Remove %(name)s…")).click()
    expect(page.get_by_role("button", name=named("Yes, remove %(name)s"))).to_be_visible()


def make_calendar_link(page: Page) -> None:
    """Ask for the private calendar link, so the page is checked as it shows one."""
    make = page.get_by_role("button", name=say("Make my calendar link"))
    if make.count():
        make.click()
    expect(page.get_by_label(say("Your calendar link"))).to_be_visible()


def open_details(page: Page) -> None:
    """Open every disclosure, so what it hides is checked too."""
    for summary in page.locator("main details:not([open]) > summary").all():
        summary.click()


def open_held(page: Page) -> None:
    """The room's bar of messages waiting for review, opened (a facilitator's view)."""
    live(page)
    page.locator("#held-details > summary").click()
    expect(page.locator("#held-details .held-item").first).to_be_visible()


def stops() -> list[Stop]:
    g = Demo.group
    return [
        # Everyone
        Stop("home", lambda d: "/", ALL),
        Stop("directory", lambda d: "/groups/", ALL),
        Stop("directory by topic", lambda d: "/groups/?topic=grief", ("visitor",)),
        Stop("crisis lines", lambda d: "/crisis/?region=GB", ALL),
        Stop("missing page", lambda d: "/no-such-page/", ALL, status=404),
        # Landing pages, agreements and joining
        Stop("landing, open group", lambda d: g(d, GRIEF), ("visitor", "organizer")),
        Stop("landing, join by request", lambda d: g(d, ANXIETY), ("visitor", "member")),
        Stop("landing, by invitation", lambda d: g(d, RECOVERY), ("visitor", "facilitator")),
        Stop("invitation", lambda d: f"/groups/invite/{d.invite_token}/", ("visitor", "member")),
        Stop(
            "invitation withdrawn",
            lambda d: f"/groups/invite/{d.withdrawn_token}/",
            ("member",),
            status=410,
        ),
        Stop("agreement, re-consent", lambda d: g(d, CAREGIVERS) + "agreement/", MEMBERS),
        Stop("agreement", lambda d: g(d, GRIEF) + "agreement/", MEMBERS),
        # The group
        Stop("group home with chat", lambda d: g(d, GRIEF), MEMBERS, prepare=live),
        Stop(
            "group home, messages waiting for review",
            lambda d: g(d, GRIEF),
            ("facilitator",),
            prepare=open_held,
        ),
        Stop("members", lambda d: g(d, GRIEF) + "members/", MEMBERS),
        Stop("leave", lambda d: g(d, GRIEF) + "leave/", ("member",)),
        Stop("your name in the group", lambda d: g(d, GRIEF) + "name/", MEMBERS),
        Stop(
            "meeting times",
            lambda d: g(d, GRIEF) + "calendar/",
            MEMBERS,
            prepare=make_calendar_link,
        ),
        Stop("meeting times editor", lambda d: g(d, GRIEF) + "schedule/", FACILITATING),
        Stop("past sessions", lambda d: g(d, GRIEF) + "sessions/", FACILITATING),
        Stop(
            "a past session",
            lambda d: g(d, GRIEF) + f"sessions/{d.ids['session']}/",
            FACILITATING,
        ),
        Stop("requests (none)", lambda d: g(d, GRIEF) + "requests/", ("facilitator",)),
        Stop("requests", lambda d: g(d, ANXIETY) + "requests/", ("organizer",)),
        Stop("invitations", lambda d: g(d, GRIEF) + "invites/", ("facilitator",)),
        Stop("invitations (one open)", lambda d: g(d, RECOVERY) + "invites/", ("organizer",)),
        Stop("manage", lambda d: g(d, GRIEF) + "manage/", ("organizer",)),
        Stop("agreement editor", lambda d: g(d, GRIEF) + "manage/agreement/", ("organizer",)),
        Stop("new group", lambda d: "/groups/new/", ("organizer",)),
        # Resources
        Stop("community library", lambda d: "/resources/", SIGNED_IN),
        Stop("library search", lambda d: "/resources/?q=zzzz", ("member",)),
        Stop(
            "community resource",
            lambda d: f"/resources/{d.ids['community_resource']}/",
            SIGNED_IN,
        ),
        Stop("community resource form", lambda d: "/resources/new/", ("organizer",)),
        Stop(
            "community resource preview",
            lambda d: "/resources/new/",
            ("organizer",),
            prepare=preview_resource,
        ),
        Stop("group library", lambda d: g(d, GRIEF) + "resources/", MEMBERS),
        Stop(
            "group resource",
            lambda d: g(d, GRIEF) + f"resources/{d.ids['group_resource']}/",
            MEMBERS,
        ),
        Stop(
            "group resource form with preview",
            lambda d: g(d, GRIEF) + "resources/new/",
            MEMBERS,
            prepare=preview_resource,
        ),
        Stop("suggestions", lambda d: g(d, GRIEF) + "resources/suggestions/", ("facilitator",)),
        # Moderation
        Stop("moderation queue", lambda d: "/moderation/", FACILITATING, prepare=open_details),
        Stop(
            "hidden message", lambda d: f"/moderation/messages/{d.ids['hidden']}/", ("facilitator",)
        ),
        # An organizer outside the group reads a message only through the item that names it.
        Stop(
            "message, through its item",
            lambda d: f"/moderation/messages/{d.ids['held']}/?report={d.ids['held_item']}",
            ("organizer",),
        ),
        Stop(
            "member",
            lambda d: f"/moderation/members/{d.ids['jun']}/",
            FACILITATING,
            prepare=open_details,
        ),
        Stop(
            "remove, asking first",
            lambda d: f"/moderation/members/{d.ids['jun']}/",
            ("facilitator",),
            prepare=ask_to_remove,
        ),
        Stop("room controls", lambda d: f"/moderation/rooms/{d.slugs[GRIEF]}/", FACILITATING),
        Stop("site safety", lambda d: "/moderation/site/", ("organizer",)),
        Stop("moderation log", lambda d: "/moderation/log/", FACILITATING),
        Stop("appeals", lambda d: "/moderation/appeals/", ("organizer",)),
        Stop("my record", lambda d: "/moderation/record/", SIGNED_IN, prepare=open_details),
        Stop(
            "report a message",
            lambda d: f"/moderation/report/message/{d.ids['warning']}/",
            ("member",),
        ),
        Stop("report a member", lambda d: f"/moderation/report/member/{d.ids['jun']}/", MEMBERS),
        Stop("worried", lambda d: f"/moderation/worry/{d.ids['warning']}/", ("member",)),
        # Accounts
        Stop("notes", lambda d: "/notes/", SIGNED_IN),
        Stop("profile", lambda d: "/settings/profile/", SIGNED_IN),
        Stop("people you've muted or blocked", lambda d: "/settings/boundaries/", SIGNED_IN),
        Stop("themes I'd rather not see", lambda d: "/settings/themes/", SIGNED_IN),
        Stop("sign in", lambda d: "/accounts/login/", ("visitor",)),
        Stop("sign up", lambda d: "/accounts/signup/", ("visitor",)),
        Stop("password reset", lambda d: "/accounts/password/reset/", ("visitor",)),
        Stop("email addresses", lambda d: "/accounts/email/", SIGNED_IN),
        Stop("password change", lambda d: "/accounts/password/change/", ("member",)),
        Stop("two-step sign-in", lambda d: "/accounts/2fa/", SIGNED_IN),
        Stop("two-step sign-in setup", lambda d: "/accounts/2fa/totp/activate/", ("member",)),
        Stop("passkeys", lambda d: "/accounts/2fa/webauthn/", SIGNED_IN),
        Stop("add a passkey", lambda d: "/accounts/2fa/webauthn/add/", ("member",)),
    ]


def stops_for(role: str) -> list[Stop]:
    return [stop for stop in stops() if role in stop.roles]


def axe_lines(page: Page, options: dict[str, Any] = AXE_OPTIONS) -> list[str]:
    """axe's failing violations on the page as it is now, one line per rule."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate("options => axe.run(document, options)", options)
    lines = []
    for violation in results["violations"]:
        if violation["impact"] in FAILING_IMPACTS or violation["id"] in STRUCTURE_RULES:
            targets = [", ".join(map(str, node["target"])) for node in violation["nodes"][:4]]
            lines.append(
                f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"
            )
    return lines


def overflow(page: Page, viewport: ViewportSize) -> int:
    """CSS pixels the page scrolls sideways at `viewport`."""
    page.set_viewport_size(viewport)
    return int(
        page.evaluate(
            "() => { const s = document.scrollingElement; return s.scrollWidth - s.clientWidth; }"
        )
    )


def visit(page: Page, demo: Demo, role: str, stop: Stop, *, measure: bool = True) -> Report:
    """Visit `stop`; with `measure` off, record only its text (no axe, no overflow)."""
    problems: list[str] = []
    responses: list[Response] = []

    def watch_console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    def watch_response(response: Response) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            responses.clear()  # a new page: count only what the page on screen loaded
        responses.append(response)

    page.on("console", watch_console)
    page.on("response", watch_response)
    try:
        response = page.goto(stop.path(demo))
        assert response is not None
        if response.status != stop.status:
            problems.append(f"status {response.status}, expected {stop.status}")
        if stop.prepare:
            stop.prepare(page)
        page.wait_for_load_state("load")
        report = Report(role=role, name=stop.name, url=page.url)
        for each in responses:
            kind = each.request.resource_type
            if kind in {"script", "stylesheet"} and each.ok:
                size = len(each.body())
                session = SESSION_ASSET.search(urlsplit(each.url).path)
                if session and kind == "script":
                    report.session_script_bytes += size
                elif session:
                    report.session_style_bytes += size
                elif kind == "script":
                    report.script_bytes += size
                else:
                    report.style_bytes += size
        if measure:
            page.emulate_media(color_scheme="light")
            report.violations["light"] = axe_lines(page)
            page.emulate_media(color_scheme="dark")
            report.violations["dark"] = axe_lines(page, COLOUR_OPTIONS)
            page.emulate_media(color_scheme="light")
            report.overflow["375 px"] = overflow(page, PHONE)
            report.overflow["200 % zoom"] = overflow(page, ZOOMED)
            page.set_viewport_size(DESKTOP)
        shown = page.evaluate(SHOWN_TEXT)
        report.lang, report.text, report.other_languages = (
            shown["lang"],
            shown["text"],
            shown["others"],
        )
    finally:
        page.remove_listener("console", watch_console)
        page.remove_listener("response", watch_response)
    # The missing page's own 404 is the one error its console is expected to show.
    expected = f"status of {stop.status}" if stop.status >= 400 else None
    report.problems = [p for p in problems if not (expected and expected in p)]
    return report


def tour(
    browser: Any,
    base_url: str,
    demo: Demo,
    role: str,
    language: str | None = None,
    *,
    measure: bool = True,
) -> list[Report]:
    """Visit every page `role` can reach (reading `language`, chosen with the footer's
    switcher's cookie, if given); return what each showed."""
    guard: list[str] = []
    page = open_page(browser, base_url, guard, viewport=DESKTOP)
    reading["language"] = language or settings.LANGUAGE_CODE
    try:
        sign_in(page, ROLES[role], base_url)
        if language:
            cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}
            page.context.add_cookies([cookie])
        reports = []
        for stop in stops_for(role):
            before = len(guard)
            report = visit(page, demo, role, stop, measure=measure)
            # Console errors are judged per page in visit(); keep the rest.
            report.problems += [p for p in guard[before:] if not p.startswith("console")]
            reports.append(report)
        return reports
    finally:
        reading["language"] = settings.LANGUAGE_CODE
        page.context.close()
