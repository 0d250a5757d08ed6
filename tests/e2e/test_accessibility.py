"""Every page, for every role, in both colour schemes: accessible, small, self-contained.

One tour per role (tests/e2e/tour.py) visits each page once and records what
axe-core finds in light and dark mode, sideways scrolling on a phone and at
200 % zoom, the JavaScript and CSS downloaded, and any request to another host.
The tests below judge those records; the last ones show that each measurement
can fail.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.e2e import tour
from tests.e2e.conftest import open_page
from tests.e2e.seeded import (
    GRIEF,
    Demo,
    db_open_fixture,
    off_the_loop,
    seeded_fixture,
    sign_in,
)
from tests.e2e.seeded import (
    ROLES as PEOPLE,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.e2e

demo = seeded_fixture()
db_open = db_open_fixture()

# The weight budget, per page, uncompressed (README.md states it too).
# 40 until the room carried issue 14's three scripts; 46 until it folded muted people's
# messages and offered mute and block in each message's menu (issue 16; README); 48
# until live messages on a theme the reader keeps folded said so (issue 16 item 2); 50
# until a member could ask the facilitators privately for a pause, and they could answer
# or pause the room from its card (issue 17 item 5).
# 56 until every word of the client went through the JavaScript catalogue (issue 19:
# room.js grew 6.2 KB, and the page loads the catalogue, 3.3 KB in English).
SCRIPT_BUDGET = 68 * 1024
STYLE_BUDGET = 24 * 1024
# The session's own script and styles (issue 17 items 2 to 4), which the room loads only
# while a session runs or for its keepers, have budgets of their own.
SESSION_SCRIPT_BUDGET = 20 * 1024  # 16 until its words went through gettext (issue 19)
SESSION_STYLE_BUDGET = 4 * 1024

ROLES = ["visitor", "member", "facilitator", "organizer"]
FACILITATING = ("facilitator", "organizer")


@pytest.fixture(scope="module")
def tours(browser: Any, asgi_server: LiveServer, demo: Demo) -> Callable[[str], list[tour.Report]]:
    """Return `tours(role)`: that role's tour, taken once per module on first use."""
    taken: dict[str, list[tour.Report] | Exception] = {}

    def get(role: str) -> list[tour.Report]:
        if role not in taken:
            try:
                taken[role] = tour.tour(browser, asgi_server.url, demo, role)
            except Exception as error:  # every test of this role reports it; none retries
                taken[role] = error
        result = taken[role]
        if isinstance(result, Exception):
            raise result
        return result

    return get


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_nothing_serious_on_any_page(
    tours: Callable[[str], list[tour.Report]], role: str, scheme: str
) -> None:
    reports = tours(role)
    assert len(reports) == len(tour.stops_for(role))
    found = [f"{r.name} ({r.url}): {line}" for r in reports for line in r.violations[scheme]]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_on_a_phone_or_at_200_percent_zoom(
    tours: Callable[[str], list[tour.Report]], role: str
) -> None:
    wide = [
        f"{r.name} at {where}: {px} px too wide"
        for r in tours(role)
        for where, px in r.overflow.items()
        if px > 0
    ]
    assert wide == [], "\n".join(wide)


@pytest.mark.parametrize("role", ROLES)
def test_each_page_stays_within_the_script_and_style_budget(
    tours: Callable[[str], list[tour.Report]], role: str
) -> None:
    reports = tours(role)
    heavy = [
        f"{r.name}: {r.script_bytes} B of JavaScript, {r.style_bytes} B of CSS"
        for r in reports
        if r.script_bytes > SCRIPT_BUDGET or r.style_bytes > STYLE_BUDGET
    ]
    assert heavy == [], "\n".join(heavy)
    assert within_session_budget(reports) == []
    # The measurement itself: every page has its stylesheet; the room its client; a
    # keeper's room the session's client too (for its "Start a session"), a member's not.
    assert all(r.style_bytes > 0 for r in reports)
    room = [r for r in reports if r.name == "group home with chat"]
    assert all(r.script_bytes > 0 for r in room)
    keeping = role in FACILITATING
    assert all((r.session_script_bytes > 0) == keeping for r in room)
    assert all((r.session_style_bytes > 0) == keeping for r in room)


def within_session_budget(reports: list[tour.Report]) -> list[str]:
    return [
        f"{r.name}: {r.session_script_bytes} B of session JavaScript, "
        f"{r.session_style_bytes} B of session CSS"
        for r in reports
        if r.session_script_bytes > SESSION_SCRIPT_BUDGET
        or r.session_style_bytes > SESSION_STYLE_BUDGET
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_reaches_another_host_or_reports_an_error(
    tours: Callable[[str], list[tour.Report]], role: str
) -> None:
    problems = [f"{r.name} ({r.url}): {p}" for r in tours(role) for p in r.problems]
    assert problems == [], "\n".join(problems)


# --- The measurements can fail ---------------------------------------------------


@pytest.fixture
def watched(browser: Any, asgi_server: LiveServer) -> Iterator[tuple[Page, list[str]]]:
    """A page and the problems it reports (requests to other hosts, console errors)."""
    problems: list[str] = []
    page = open_page(browser, asgi_server.url, problems, viewport=tour.DESKTOP)
    yield page, problems
    page.context.close()


def test_the_guard_refuses_a_request_to_another_host(
    watched: tuple[Page, list[str]], demo: Demo
) -> None:
    page, problems = watched
    page.goto("/crisis/")
    assert problems == []
    with pytest.raises(PlaywrightError, match="ERR_BLOCKED_BY_CLIENT"):
        page.goto("http://203.0.113.7/tracker.js")
    assert problems == ["request to another host: http://203.0.113.7/tracker.js"]


def test_axe_and_the_overflow_check_notice_a_broken_page(
    watched: tuple[Page, list[str]], demo: Demo
) -> None:
    bare_page = watched[0]
    bare_page.goto("/crisis/")
    assert tour.axe_lines(bare_page) == []
    assert tour.overflow(bare_page, tour.PHONE) == 0
    # Built through the DOM: the site's CSP refuses inline style attributes in markup.
    bare_page.evaluate(
        """() => {
          const main = document.querySelector("main");
          main.append(document.createElement("input"));
          const faint = document.createElement("p");
          faint.textContent = "faint";
          Object.assign(faint.style, {color: "#bbb", background: "#fff"});
          const wide = document.createElement("div");
          wide.textContent = "wide";
          wide.style.width = "900px";
          main.append(faint, wide);
        }"""
    )
    found = "\n".join(tour.axe_lines(bare_page))
    assert "label (critical)" in found
    assert "color-contrast (serious)" in found
    assert tour.overflow(bare_page, tour.PHONE) > 0


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_reduced_motion_stops_transitions_and_smooth_scrolling(
    browser: Any, asgi_server: LiveServer, demo: Demo, motion: str
) -> None:
    problems: list[str] = []
    page = open_page(browser, asgi_server.url, problems, reduced_motion=motion)
    try:
        page.goto("/")
        button = page.get_by_role("main").get_by_role("link", name="Join Hearth")
        duration = button.evaluate("b => getComputedStyle(b).transitionDuration")
        scrolling = page.evaluate("getComputedStyle(document.documentElement).scrollBehavior")
        if motion == "reduce":
            assert (duration, scrolling) == ("0s", "auto")
        else:  # the same page moves gently when motion is welcome
            assert duration != "0s"
            assert scrolling == "smooth"
        assert problems == []
    finally:
        page.context.close()


# --- The room in session -----------------------------------------------------------


def hold_a_session(kind: str) -> None:
    """In the grief group: a session, with a round of `kind` open (Mara and Sam in it)."""
    from community.demo import person
    from groups.actions import sessions
    from groups.models import Group, Membership

    grief = Group.objects.get(name=GRIEF)
    here = list(
        Membership.objects.filter(
            group=grief, user__email__in=["mara@hearth.example", "sam@hearth.example"]
        ).values_list("pk", flat=True)
    )
    farah = person("farah@hearth.example")
    # The demo's weekly meeting may be running just now (its hour is real time): end it,
    # so the room holds only this test's session.
    end_the_session()
    grief.refresh_from_db()
    sessions.start_session(actor=farah, group=grief, minutes=60, present=here)
    sessions.open_round(actor=farah, group=grief, kind=kind, present=here, turn_seconds=300)
    if kind == "check_in":
        sessions.answer_round(member=person("sam@hearth.example"), group=grief, score=3, words="ok")


def end_the_session() -> None:
    from community.demo import person
    from groups.actions import sessions
    from groups.models import Group

    grief = Group.objects.get(name=GRIEF)
    if grief.live_session_id is not None:
        sessions.end_session(actor=person("farah@hearth.example"), group=grief)


@pytest.mark.parametrize("kind", ["check_in", "talking_piece"])
def test_the_room_in_session_is_clean_for_members_and_keepers_in_both_schemes(
    browser: Any, asgi_server: LiveServer, demo: Demo, kind: str
) -> None:
    off_the_loop(lambda: hold_a_session(kind))
    try:
        for role in ("member", "facilitator"):
            problems: list[str] = []
            page = open_page(browser, asgi_server.url, problems, viewport=tour.DESKTOP)
            try:
                sign_in(page, PEOPLE[role], asgi_server.url)
                report = tour.visit(
                    page,
                    demo,
                    role,
                    tour.Stop(
                        "group home in session",
                        lambda d: d.group(GRIEF),
                        (role,),
                        prepare=in_session(kind),
                    ),
                )
                lines = [
                    f"{scheme}: {line}"
                    for scheme, found in report.violations.items()
                    for line in found
                ]
                assert lines == [], f"{role}, {kind}:\n" + "\n".join(lines)
                assert report.overflow == {"375 px": 0, "200 % zoom": 0}
                assert report.script_bytes <= SCRIPT_BUDGET
                assert 0 < report.session_script_bytes <= SESSION_SCRIPT_BUDGET
                assert 0 < report.session_style_bytes <= SESSION_STYLE_BUDGET
                assert report.problems == [] and problems == []
                # At 200 % zoom the session takes its share of the room and scrolls:
                # the keyboard can still reach all of it.
                page.set_viewport_size(tour.ZOOMED)
                assert tour.axe_lines(page) == [], f"{role}, {kind}, 200 % zoom"
            finally:
                page.context.close()
    finally:
        off_the_loop(end_the_session)


def in_session(kind: str) -> Callable[[Page], None]:
    """Wait for the room's session to be drawn, its round open."""
    phase = {"check_in": "Check-in", "talking_piece": "Sharing: talking piece"}[kind]

    def prepare(page: Page) -> None:
        tour.live(page)
        region = page.get_by_role("region", name="Session")
        expect(region.locator(".session-phase")).to_have_text(phase)
        if kind == "talking_piece":
            expect(region.locator(".piece-time")).to_contain_text("left in this turn")
        else:
            expect(region.get_by_role("list", name="Answers")).to_contain_text("Sam")

    return prepare
