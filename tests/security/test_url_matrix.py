"""Every URL pattern, every role: the status each role gets, and no private words
where they must not be (docs/security.md, "What the matrix covers").

The table is the access model written as data. The resolver is walked, so a new
view of ours without a row fails `test_every_url_pattern_has_a_row`. (allauth's
and the admin's own pages are theirs; the admin is held to suspension and roles in
test_findings.py.) Each request runs in a savepoint that is rolled back, so every
role meets the same world. This is the net under the apps' own tests, not a
replacement for them.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from community.language_views import catalogue_url
from groups.models import (
    Attendance,
    Boundary,
    BoundaryKind,
    CalendarFeed,
    LiveSession,
    Membership,
    Round,
    RoundAnswer,
    RoundKind,
)
from moderation.models import CrisisPhrase, WordFilter
from tests.groups.conftest import built_once
from tests.security.roles import (
    ACCOUNT_NAME,
    GOOD_STANDING,
    HELD_WORDS,
    HIDDEN_WORDS,
    MODERATORS,
    NOTE,
    ORGANIZERS,
    POSTERS,
    PSEUDONYM,
    QUEUE_USERS,
    READERS,
    REPORTED_WORDS,
    RESOURCE_TITLE,
    ROLES,
    SIGNED_IN,
    WORDS,
    Roles,
    build_roles,
)

pytestmark = pytest.mark.django_db

EVERYONE = frozenset(ROLES)
MEMBERS = frozenset({"never_consented", "suspended", "unverified"}) | READERS  # status active
LOGIN = "login"  # a visitor is sent to sign in

# Who may ever see each private word, on any page of the matrix.
MARKERS: dict[str, frozenset[str]] = {
    WORDS: READERS,
    REPORTED_WORDS: READERS | MODERATORS,  # the queue shows it through its report
    HELD_WORDS: frozenset({"facilitator"}) | MODERATORS,
    HIDDEN_WORDS: frozenset({"facilitator"}),  # in the room, marked; nobody else
    PSEUDONYM: READERS | MODERATORS,
    RESOURCE_TITLE: READERS,
    NOTE: MODERATORS,
    ACCOUNT_NAME: frozenset(),  # only through the organizers' logged look-up (its row)
}


@dataclass(frozen=True)
class Row:
    """One request, and who gets through (`ok` statuses) while others get `refused`."""

    path: Callable[[Roles], str]
    allowed: frozenset[str]
    method: str = "GET"
    data: Callable[[Roles], dict[str, Any]] = lambda w: {}
    ok: frozenset[int] = frozenset({200})
    refused: int = 404
    visitor: int | str = LOGIN
    # Roles that reach the page but whose action is refused there, with a message (302).
    told: frozenset[str] = frozenset()
    reveals: dict[str, frozenset[str]] = field(default_factory=dict)


def slug(w: Roles) -> str:
    return w.a.slug


def G(name: str, *args: Callable[[Roles], Any]) -> Callable[[Roles], str]:
    """The path of `name` with its arguments read from the world."""
    return lambda w: reverse(name, args=[arg(w) for arg in args])


def words(w: Roles) -> int:
    return w.words.pk


def author(w: Roles) -> int:
    return w.author.pk


def members_mute(w: Roles) -> int:
    """A boundary the member set on the pseudonymous author (made inside the visit's
    savepoint, so every role meets the same world)."""
    owner = Membership.objects.get(group=w.a, user=w.people["member"])
    return Boundary.objects.create(owner=owner, target=w.author, kind=BoundaryKind.MUTE).pk


def members_feed(w: Roles) -> str:
    """The member's calendar link (made inside the visit's savepoint)."""
    owner = Membership.objects.get(group=w.a, user=w.people["member"])
    return CalendarFeed.objects.create(membership=owner).token


def stopped_feed(w: Roles) -> str:
    owner = Membership.objects.get(group=w.a, user=w.people["member"])
    return CalendarFeed.objects.create(membership=owner, revoked_at=timezone.now()).token


def past_session(w: Roles, *, group: str = "a") -> int:
    """An ended session of A (or B) that the pseudonymous author came to and answered in
    with the room's words (made inside the visit's savepoint)."""
    now = timezone.now()
    the_group = w.a if group == "a" else w.b
    session = LiveSession.objects.create(group=the_group, started_at=now, ends_at=now, ended_at=now)
    if group == "a":
        Attendance.objects.create(session=session, membership=w.author)
        check_in = Round.objects.create(session=session, kind=RoundKind.CHECK_IN)
        RoundAnswer.objects.create(round=check_in, membership=w.author, score=3, words=WORDS)
    return session.pk


def room_filter(w: Roles, *, group: str | None = "a") -> int:
    """A word filter of A (or site-wide) to take off (made inside the visit's savepoint)."""
    return WordFilter.objects.create(group=w.a if group else None, phrase="matrix").pk


POSTED = frozenset({302, 400})
REDIRECT = frozenset({302})
RESOURCE_STEPS = ("pin", "unpin", "archive", "restore", "approve")
ANYONE = dict(visitor=200)

ROWS: dict[str, list[Row]] = {
    "home": [Row(lambda w: "/", EVERYONE, visitor=200)],
    "crisis": [Row(lambda w: "/crisis/", EVERYONE, visitor=200)],
    "healthz": [Row(lambda w: "/healthz", EVERYONE, ok=frozenset({200, 503}), visitor=200)],
    # No role opens it: only the operator's bearer token (none is set here, so 404;
    # with one, 401: tests/community/test_metrics.py).
    "metrics": [Row(lambda w: "/metrics", frozenset(), visitor=404)],
    "profile": [Row(lambda w: "/settings/profile/", SIGNED_IN)],
    # The chat client's words, for anyone, in a language Hearth is written in.
    "javascript-catalog": [
        Row(lambda w: catalogue_url(), EVERYONE, visitor=200),
        Row(lambda w: "/jsi18n/xx/1.js", frozenset(), visitor=404),
    ],
    # Anyone may choose the language they read in (a visitor's is kept in a cookie).
    "set_language": [
        Row(
            lambda w: "/settings/language/",
            EVERYONE,
            method="POST",
            data=lambda w: {"language": "es", "next": "/"},
            ok=REDIRECT,
            visitor=302,
        )
    ],
    "data_export": [
        Row(lambda w: "/settings/my-data/", SIGNED_IN),
        Row(lambda w: "/settings/my-data/", SIGNED_IN, method="POST", ok=REDIRECT),
    ],
    # Nobody gets another's file; here everyone is first asked to confirm it's them
    # (302), and tests/community/test_data_export.py shows the 404 after that.
    # Everyone reads what deleting does; asking for it first needs a fresh sign-in (302).
    "delete_account": [
        Row(lambda w: "/settings/delete-account/", SIGNED_IN),
        Row(lambda w: "/settings/delete-account/", frozenset(), method="POST", refused=302),
    ],
    "download_export": [
        Row(G("download_export", lambda w: 999_999), frozenset(), refused=302),
    ],
    "avoided_themes": [
        Row(lambda w: "/settings/themes/", SIGNED_IN),
        Row(
            lambda w: "/settings/themes/", SIGNED_IN, method="POST", data=lambda w: {}, ok=REDIRECT
        ),
    ],
    "detected_time_zone": [
        Row(
            lambda w: "/settings/time-zone/",
            SIGNED_IN,
            method="POST",
            data=lambda w: {"time_zone": "Europe/Madrid"},
            ok=frozenset({204}),
        )
    ],
    # A person's own boundaries: every signed-in account has the page (suspended too).
    "boundaries": [Row(lambda w: "/settings/boundaries/", SIGNED_IN)],
    # Only its owner may take a boundary back; to anyone else it is not there.
    "boundary_remove": [
        Row(
            G("boundary_remove", members_mute),
            frozenset({"member"}),
            method="POST",
            ok=REDIRECT,
        )
    ],
    "notes": [Row(lambda w: "/notes/", SIGNED_IN)],
    "dismiss_notes": [Row(lambda w: "/notes/put-down/", SIGNED_IN, method="POST", ok=REDIRECT)],
    # Someone else's note is simply not there to put down: the page comes back, unchanged.
    "dismiss_note": [
        Row(
            lambda w: reverse("dismiss_note", args=[w.people["muted"].notices.get(kind="mute").pk]),
            SIGNED_IN,
            method="POST",
            ok=REDIRECT,
        )
    ],
    "groups:directory": [Row(lambda w: "/groups/", EVERYONE, visitor=200)],
    "groups:new": [Row(lambda w: "/groups/new/", ORGANIZERS)],
    "groups:withdraw": [
        Row(
            G("groups:withdraw", lambda w: w.join_request.pk),
            frozenset({"applicant"}),
            method="POST",
            ok=REDIRECT,
        )
    ],
    # The landing page (members are taken to the room, or to the agreement first).
    "groups:invite": [
        Row(lambda w: w.invite.get_absolute_url(), EVERYONE, ok=frozenset({200, 302}), visitor=200)
    ],
    "groups:group": [Row(G("groups:group", slug), EVERYONE, ok=frozenset({200, 302}), visitor=200)],
    "groups:history": [Row(G("groups:history", slug), READERS)],
    # The room's bar of held messages: for those who keep the room from inside it.
    "groups:held": [Row(G("groups:held", slug), frozenset({"facilitator"}))],
    "groups:post": [
        Row(
            G("groups:post", slug),
            READERS,
            method="POST",
            data=lambda w: {"client_id": "matrix", "body": "Hello."},
            ok=POSTED,
        )
    ],
    "groups:react": [
        Row(
            G("groups:react", slug, words),
            READERS,
            method="POST",
            data=lambda w: {"reaction": "heard"},
            ok=REDIRECT,
        )
    ],
    "groups:delete": [Row(G("groups:delete", slug, words), READERS, method="POST", ok=REDIRECT)],
    "groups:rename": [
        Row(G("groups:rename", slug), READERS),  # a stale consent and a pause read why not
    ],
    "groups:resources": [Row(G("groups:resources", slug), READERS)],
    "groups:resource_new": [Row(G("groups:resource_new", slug), POSTERS)],
    "groups:resource_suggestions": [
        Row(G("groups:resource_suggestions", slug), frozenset({"facilitator"}))
    ],
    "groups:resource": [
        Row(G("groups:resource", slug, lambda w: w.resource.pk), READERS),
        # "shared by" names the pseudonym, never the account (ACCOUNT_NAME's marker).
        Row(G("groups:resource", slug, lambda w: w.shared.pk), READERS),
    ],
    "groups:resource_edit": [
        Row(G("groups:resource_edit", slug, lambda w: w.resource.pk), frozenset({"facilitator"}))
    ],
    # Each button of a resource's page has its own address (resource_views.step_urls).
    **{
        f"groups:resource_{step}": [
            Row(
                G(f"groups:resource_{step}", slug, lambda w: w.resource.pk),
                frozenset({"facilitator"}),
                method="POST",
                ok=REDIRECT,
                told=READERS - {"facilitator"},
            )
        ]
        for step in RESOURCE_STEPS
    },
    "groups:resource_helped": [
        Row(
            G("groups:resource_helped", slug, lambda w: w.resource.pk),
            READERS,
            method="POST",
            ok=REDIRECT,
        )
    ],
    "groups:resource_share": [
        Row(
            G("groups:resource_share", slug, lambda w: w.resource.pk),
            READERS,
            method="POST",
            data=lambda w: {"group": w.a.slug, "client_id": "share", "body": ""},
            ok=REDIRECT,
        )
    ],
    # Anyone signed in may try; the action says why not (a by-request group, banned...).
    "groups:join": [
        Row(
            G("groups:join", slug),
            SIGNED_IN,
            method="POST",
            data=lambda w: {"agreement_version": w.a.agreement_version},
            ok=POSTED,
        )
    ],
    "groups:request": [
        Row(
            G("groups:request", slug),
            SIGNED_IN,
            method="POST",
            data=lambda w: {"note": "Hello"},
            ok=POSTED,
        )
    ],
    "groups:agreement": [Row(G("groups:agreement", slug), MEMBERS)],
    "groups:leave": [Row(G("groups:leave", slug), MEMBERS)],
    "groups:members": [Row(G("groups:members", slug), READERS)],
    # Mute someone of the room: its readers (the author, muting themselves, is told no).
    "groups:boundary": [
        Row(
            G("groups:boundary", slug, author),
            READERS,
            method="POST",
            data=lambda w: {"kind": "mute"},
            ok=REDIRECT,
        )
    ],
    "groups:requests": [Row(G("groups:requests", slug), MODERATORS)],
    "groups:schedule": [
        Row(G("groups:schedule", slug), MODERATORS),
        Row(G("groups:schedule", slug), MODERATORS, method="POST", data=lambda w: {}, ok=POSTED),
    ],
    # The record of past sessions: the group's keepers; another group's session is not here.
    "groups:sessions": [Row(G("groups:sessions", slug), MODERATORS)],
    "groups:session": [
        Row(G("groups:session", slug, past_session), MODERATORS),
        Row(G("groups:session", slug, lambda w: past_session(w, group="b")), frozenset()),
    ],
    "groups:calendar": [
        Row(G("groups:calendar", slug), READERS),
        Row(G("groups:calendar", slug), READERS, method="POST", ok=REDIRECT),
    ],
    # The token is the credential (calendar apps cannot sign in): anyone holding it
    # reads the sessions, titled "Hearth session"; a stopped one is 404 for everyone.
    "groups:calendar_feed": [
        Row(G("groups:calendar_feed", members_feed), EVERYONE, visitor=200),
        Row(G("groups:calendar_feed", stopped_feed), frozenset(), visitor=404),
    ],
    "groups:invites": [Row(G("groups:invites", slug), MODERATORS)],
    "groups:revoke_invite": [
        Row(
            G("groups:revoke_invite", slug, lambda w: w.invite.pk),
            MODERATORS,
            method="POST",
            ok=REDIRECT,
        )
    ],
    "groups:manage": [Row(G("groups:manage", slug), ORGANIZERS)],
    "groups:archive": [
        Row(
            G("groups:archive", slug),
            ORGANIZERS,
            method="POST",
            data=lambda w: {"archived": "1"},
            ok=REDIRECT,
        )
    ],
    "groups:facilitators": [
        Row(
            G("groups:facilitators", slug),
            ORGANIZERS,
            method="POST",
            data=lambda w: {"user": w.people["member"].pk, "appoint": "1"},
            ok=REDIRECT,
        )
    ],
    "groups:edit_agreement": [Row(G("groups:edit_agreement", slug), ORGANIZERS)],
    "moderation:queue": [Row(lambda w: "/moderation/", QUEUE_USERS)],
    "moderation:resolve": [
        Row(
            G("moderation:resolve", lambda w: w.report.pk),
            MODERATORS,
            method="POST",
            data=lambda w: {"outcome": "dismiss"},
            ok=REDIRECT,
        )
    ],
    "moderation:message": [
        # By its id alone: only someone who reads the room and moderates it.
        Row(G("moderation:message", words), frozenset({"facilitator"})),
        # Through the open report that names it: every moderator of A.
        Row(
            lambda w: f"{reverse('moderation:message', args=[w.reported.pk])}?report={w.report.pk}",
            MODERATORS,
        ),
    ],
    "moderation:restore": [
        Row(G("moderation:restore", words), MODERATORS, method="POST", ok=REDIRECT)
    ],
    "moderation:decide_held": [
        Row(
            G("moderation:decide_held", lambda w: w.held.pk),
            MODERATORS,
            method="POST",
            data=lambda w: {"decision": "decline"},
            ok=REDIRECT,
        )
    ],
    "moderation:member": [Row(G("moderation:member", author), MODERATORS)],
    "moderation:member_account": [
        Row(
            G("moderation:member_account", author),
            ORGANIZERS,
            method="POST",
            reveals={ACCOUNT_NAME: ORGANIZERS},
        )
    ],
    "moderation:member_action": [
        Row(
            lambda w: reverse("moderation:member_action", args=[author(w), "nudge"]),
            MODERATORS,
            method="POST",
            data=lambda w: {"clause": "Honor boundaries", "text": "A gentle word."},
            ok=REDIRECT,
        )
    ],
    "moderation:room": [Row(G("moderation:room", slug), MODERATORS)],
    # Each form of the room's controls posts to its own action: who may open the page
    # may post them (and is sent back to it); to everyone else they are not there.
    "moderation:room_settings": [
        Row(
            G("moderation:room_settings", slug),
            MODERATORS,
            method="POST",
            data=lambda w: {"slow_mode_seconds": 5, "hold_first_messages": 1},
            ok=REDIRECT,
        )
    ],
    "moderation:room_pause": [
        Row(G("moderation:room_pause", slug), MODERATORS, method="POST", ok=REDIRECT)
    ],
    "moderation:room_resume": [
        Row(G("moderation:room_resume", slug), MODERATORS, method="POST", ok=REDIRECT)
    ],
    "moderation:room_add_filter": [
        Row(
            G("moderation:room_add_filter", slug),
            MODERATORS,
            method="POST",
            data=lambda w: {"phrase": "matrix", "action": "flag", "clause": ""},
            ok=REDIRECT,
        )
    ],
    "moderation:room_remove_filter": [
        Row(
            G("moderation:room_remove_filter", slug),
            MODERATORS,
            method="POST",
            data=lambda w: {"filter": room_filter(w)},
            ok=REDIRECT,
        )
    ],
    "moderation:site": [Row(lambda w: "/moderation/site/", ORGANIZERS)],
    # Likewise the forms of site safety: organizers only.
    "moderation:site_add_filter": [
        Row(
            lambda w: "/moderation/site/filters/",
            ORGANIZERS,
            method="POST",
            data=lambda w: {"phrase": "matrix", "action": "flag", "clause": ""},
            ok=REDIRECT,
        )
    ],
    "moderation:site_remove_filter": [
        Row(
            lambda w: "/moderation/site/filters/remove/",
            ORGANIZERS,
            method="POST",
            data=lambda w: {"filter": room_filter(w, group=None)},
            ok=REDIRECT,
        )
    ],
    "moderation:site_add_phrase": [
        Row(
            lambda w: "/moderation/site/phrases/",
            ORGANIZERS,
            method="POST",
            data=lambda w: {"phrase": "matrix phrase"},
            ok=REDIRECT,
        )
    ],
    "moderation:site_remove_phrase": [
        Row(
            lambda w: "/moderation/site/phrases/remove/",
            ORGANIZERS,
            method="POST",
            data=lambda w: {"phrase": CrisisPhrase.objects.create(phrase="matrix phrase").pk},
            ok=REDIRECT,
        )
    ],
    "moderation:site_suspend": [
        Row(
            lambda w: "/moderation/site/suspensions/",
            ORGANIZERS,
            method="POST",
            data=lambda w: {"email": w.people["member"].email, "days": 1, "reason": "r"},
            ok=REDIRECT,
        )
    ],
    "moderation:site_unsuspend": [
        Row(
            lambda w: "/moderation/site/suspensions/lift/",
            ORGANIZERS,
            method="POST",
            data=lambda w: {"user": w.people["suspended"].pk},
            ok=REDIRECT,
        )
    ],
    "moderation:log": [Row(lambda w: "/moderation/log/", QUEUE_USERS)],
    "moderation:log_csv": [Row(lambda w: "/moderation/log.csv", QUEUE_USERS)],
    "moderation:record": [Row(lambda w: "/moderation/record/", SIGNED_IN)],
    "moderation:appeals": [Row(lambda w: "/moderation/appeals/", ORGANIZERS)],
    "moderation:report_message": [
        Row(G("moderation:report_message", words), READERS),
        # A hidden message can still be reported; its words stay out of the page.
        Row(G("moderation:report_message", lambda w: w.hidden.pk), READERS),
    ],
    "moderation:report_member": [Row(G("moderation:report_member", author), READERS)],
    "moderation:worry": [
        Row(G("moderation:worry", words), READERS),
        Row(G("moderation:worry", lambda w: w.hidden.pk), READERS),
    ],
    # "I need a pause" without the room's script: open to whoever reads the room.
    "moderation:pause_request": [Row(G("moderation:pause_request", slug), READERS)],
    "resources:library": [Row(lambda w: "/resources/", GOOD_STANDING)],
    "resources:new": [Row(lambda w: "/resources/new/", ORGANIZERS)],
    "resources:detail": [
        Row(G("resources:detail", lambda w: w.community_resource.pk), GOOD_STANDING)
    ],
    "resources:edit": [Row(G("resources:edit", lambda w: w.community_resource.pk), ORGANIZERS)],
    **{
        f"resources:{step}": [
            Row(
                G(f"resources:{step}", lambda w: w.community_resource.pk),
                ORGANIZERS,
                method="POST",
                ok=REDIRECT,
                told=GOOD_STANDING - ORGANIZERS,
            )
        ]
        for step in RESOURCE_STEPS
    },
    "resources:helped": [
        Row(
            G("resources:helped", lambda w: w.community_resource.pk),
            GOOD_STANDING,
            method="POST",
            ok=REDIRECT,
        )
    ],
    "resources:share": [
        Row(
            G("resources:share", lambda w: w.community_resource.pk),
            GOOD_STANDING,
            method="POST",
            data=lambda w: {"group": w.a.slug, "client_id": "share", "body": ""},
            ok=REDIRECT,
        )
    ],
}


def own_patterns() -> Iterator[tuple[str, str]]:
    """(name, route) of every URL pattern whose view is Hearth's own."""

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                yield from walk(
                    pattern,
                    prefix + str(pattern.pattern),
                    f"{namespace}:{inner}".strip(":") if inner else namespace,
                )
            elif isinstance(pattern, URLPattern):
                module = getattr(pattern.callback, "__module__", "")
                if module.split(".")[0] in {"community", "groups", "moderation"}:
                    name = f"{namespace}:{pattern.name}".strip(":")
                    yield name, prefix + str(pattern.pattern)

    yield from walk(get_resolver(), "", "")


def test_every_url_pattern_has_a_row() -> None:
    missing = sorted(name for name, _ in own_patterns() if name not in ROWS)
    assert missing == [], f"add a row to the matrix for: {missing}"
    stale = sorted(set(ROWS) - {name for name, _ in own_patterns()})
    assert stale == [], f"rows for URLs that no longer exist: {stale}"


def clients(world: Roles) -> dict[str, Client]:
    signed: dict[str, Client] = {"visitor": Client()}
    for role in SIGNED_IN:
        signed[role] = Client()
        signed[role].force_login(world.people[role])
    return signed


@pytest.fixture(scope="module")
def roles(django_db_setup: None, django_db_blocker: Any) -> Iterator[Roles]:
    """The world, and a signed-in browser for each role (`roles.clients`), built once."""

    def build() -> Roles:
        world = build_roles()
        world.clients = clients(world)
        return world

    with built_once(django_db_blocker, build) as built:
        yield built


@pytest.fixture
def signed_in(roles: Roles) -> dict[str, Client]:
    """The roles' browsers, signed in again where the session was lost (on Redis, the
    cache that holds sessions starts every test empty)."""
    for role, client in roles.clients.items():
        if role != "visitor" and not client.session.exists(client.session.session_key):
            client.force_login(roles.people[role])
    return roles.clients


def visit(client: Client, row: Row, world: Roles) -> tuple[int, str, str]:
    """The status, the body and the redirect target, with nothing kept afterwards."""
    with transaction.atomic():
        path = row.path(world)
        post = row.method == "POST"
        response = client.post(path, row.data(world)) if post else client.get(path)
        transaction.set_rollback(True)
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    else:
        body = response.content.decode()
    return response.status_code, body, response.get("Location", "")


CASES = [(name, index) for name, rows in ROWS.items() for index in range(len(rows))]


@pytest.mark.parametrize(("name", "index"), CASES, ids=[f"{n}[{i}]" for n, i in CASES])
def test_each_role_gets_what_the_model_says(
    name: str, index: int, roles: Roles, signed_in: dict[str, Client]
) -> None:
    row = ROWS[name][index]
    wrong: list[str] = []
    for role, client in signed_in.items():
        status, body, location = visit(client, row, roles)
        if role in row.allowed:
            fine = status in row.ok and "/accounts/login/" not in location
        elif role in row.told:
            fine = status == 302 and "/accounts/login/" not in location
        elif role == "visitor":
            if row.visitor == LOGIN:
                fine = status == 302 and "/accounts/login/" in location
            else:
                fine = status == row.visitor
        else:
            fine = status == row.refused
        if not fine:
            wrong.append(f"{role}: {status} {location}")
        for marker, may_see in MARKERS.items():
            if marker in body and role not in may_see | row.reveals.get(marker, frozenset()):
                wrong.append(f"{role} saw {marker!r}")
    assert wrong == [], f"{row.method} {row.path(roles)}"
