"""Who may do what: every page and action of a group against every role.

The world (tests/groups/conftest.py) is one by-request group on agreement v2 with
one person in each role. Each page below lists what every role gets; a page test
runs all thirteen roles, each inside a savepoint that is rolled back, so one
role's join or leave never changes what the next role meets.

Outcome codes:
    ok / page           200 (page: with the page's own template and content check)
    landing:<how>       200, the landing page, whose "How to join" offers <how>
    home / home:reconsent   200, the group home (with the "agreement changed" notice)
    agreement:<state>   200, the agreement page: agreed, changes (diff + form), first
    dash:<what>         200, the site home page
    to-agreement / to-group   302 to the group's agreement page / home
    login               302 to sign in, exactly as for a group that does not exist
    404                 byte-for-byte the response a group that does not exist gives
    done                302 and the action happened (the page's own effect check)
    refused:<why>       400, the page explains why, and nothing was written
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from groups import permissions
from groups.models import (
    Agreement,
    AuditEntry,
    CalendarFeed,
    Consent,
    Group,
    Invite,
    JoinPolicy,
    JoinRequest,
    LiveSession,
    Membership,
    MembershipStatus,
    RequestStatus,
    Role,
    Schedule,
)
from tests.groups.conftest import NAMES, ROLES, V2_ADDED, World
from tests.html import find, text_of, unmasked
from tests.matrix import assert_looks_missing, rolled_back
from tests.matrix import request_page as _request

# --- Predicates ----------------------------------------------------------------------

# X: the predicate is true for that role in the world's group; .: false.
PREDICATES = """
                          vis unv out pen inv wel unc mem ofa fac org rem ban
can_read                   .   .   .   .   .   .   X   X   .   X   .   .   .
can_post                   .   .   .   .   .   .   .   X   .   X   .   .   .
needs_consent              .   .   .   .   .   X   X   .   .   .   .   .   .
can_facilitate             .   .   .   .   .   .   .   .   .   X   .   .   .
can_invite                 .   .   .   .   .   .   .   .   .   X   X   .   .
can_manage_group           .   .   .   .   .   .   .   .   .   .   X   .   .
can_request                .   .   X   X   X   .   .   .   X   .   X   X   .
can_accept_invite          .   .   X   X   X   .   .   .   X   .   X   X   .
can_join_directly          .   .   .   .   .   .   .   .   .   .   .   .   .
can_join_directly(open)    .   .   X   X   X   .   .   .   X   .   X   .   .
can_request(open)          .   .   .   .   .   .   .   .   .   .   .   X   .
can_read(archived)         .   .   .   .   .   .   X   X   .   X   .   .   .
can_post(archived)         .   .   .   .   .   .   .   .   .   .   .   .   .
can_invite(archived)       .   .   .   .   .   .   .   .   .   .   .   .   .
can_accept_invite(arch.)   .   .   .   .   .   .   .   .   .   .   .   .   .
"""


def _predicate_rows() -> list[tuple[str, dict[str, bool]]]:
    rows = []
    for line in PREDICATES.strip().splitlines()[1:]:
        name, *marks = line.split()
        assert len(marks) == len(ROLES), line
        rows.append((name, {role: mark == "X" for role, mark in zip(ROLES, marks, strict=True)}))
    return rows


def _ask(name: str, user: Any, group: Group) -> bool:
    predicate, _, variant = name.partition("(")
    if variant.startswith("open"):
        group.join_policy = JoinPolicy.OPEN
    elif variant.startswith("arch"):
        group.archived = True
    membership = permissions.membership_for(user, group)
    if predicate == "can_manage_group":
        return permissions.can_manage_group(user)
    if predicate == "needs_consent":
        return permissions.needs_consent(group, membership)
    return bool(getattr(permissions, predicate)(user, group, membership))


@pytest.mark.parametrize(("predicate", "expected"), _predicate_rows(), ids=lambda v: v)
def test_predicate_for_every_role(world: World, predicate: str, expected: dict[str, bool]) -> None:
    from django.contrib.auth.models import AnonymousUser

    answers = {}
    for role in ROLES:
        group = Group.objects.get(pk=world.group.pk)
        user = world[role] or AnonymousUser()
        answers[role] = _ask(predicate, user, group)
    wrong = {role: answers[role] for role in ROLES if answers[role] != expected[role]}
    assert not wrong, f"{predicate} answered differently than the table for: {wrong}"


def test_suspended_or_deactivated_people_lose_every_right(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    member, facilitator, organizer = world["member"], world["facilitator"], world["organizer"]
    member.suspended_until = timezone.now() + timedelta(days=3)
    facilitator.is_active = False
    organizer.suspended_until = timezone.now() + timedelta(hours=1)
    group = world.group
    assert not permissions.can_read(member, group, world.membership("member"))
    assert not permissions.can_post(member, group, world.membership("member"))
    assert not permissions.can_facilitate(facilitator, group, world.membership("facilitator"))
    assert not permissions.can_manage_group(organizer)
    assert not permissions.can_invite(organizer, group, None)


# --- Pages ------------------------------------------------------------------------------


def everyone(default: str, **exceptions: str) -> dict[str, str]:
    """Every role gets `default` except those named."""
    unknown = set(exceptions) - set(ROLES)
    assert not unknown, unknown
    return {role: exceptions.get(role, default) for role in ROLES}


# The roles that are active members of the group.
MEMBERS = ("welcomed", "unconsented", "member", "facilitator")
# Members who have read some version of the agreement and may read the room.
READERS = ("unconsented", "member", "facilitator")
# People who may become members (eligible, not yet in, not banned).
NEWCOMERS = ("outsider", "pending", "invited", "other_fac", "organizer", "removed")
# Someone a facilitator removed comes back by request or invitation, not straight in.
OPEN_NEWCOMERS = tuple(role for role in NEWCOMERS if role != "removed")


def only(code: str, roles: tuple[str, ...]) -> dict[str, str]:
    return dict.fromkeys(roles, code)


def _membership(world: World, user: Any) -> Membership | None:
    return Membership.objects.filter(group=world.group, user=user).first()


def joined(world: World, user: Any) -> None:
    membership = _membership(world, user)
    assert membership is not None and membership.status == MembershipStatus.ACTIVE
    assert membership.role == Role.MEMBER
    assert membership.consented_version == world.group.agreement_version
    assert Consent.objects.filter(
        user=user, agreement__group=world.group, agreement__version=world.group.agreement_version
    ).exists()
    assert not JoinRequest.objects.filter(
        group=world.group, user=user, status=RequestStatus.PENDING
    ).exists()


def joined_by_invite(world: World, user: Any) -> None:
    joined(world, user)
    assert world.invite is not None
    assert Invite.objects.get(pk=world.invite.pk).uses == 1


def requested(world: World, user: Any) -> None:
    assert JoinRequest.objects.filter(
        group=world.group, user=user, status=RequestStatus.PENDING, note="Hello, I would like to"
    ).exists()
    assert _membership(world, user) is None or not _membership(world, user).is_active  # type: ignore[union-attr]


def consented(world: World, user: Any) -> None:
    membership = _membership(world, user)
    assert membership is not None
    assert membership.consented_version == world.group.agreement_version
    assert Consent.objects.filter(user=user, agreement__version=2, agreement__group=world.group)


def left(world: World, user: Any) -> None:
    membership = _membership(world, user)
    assert membership is not None and membership.status == MembershipStatus.LEFT
    assert membership.left_at is not None


def renamed(world: World, user: Any) -> None:
    membership = _membership(world, user)
    assert membership is not None and membership.pseudonym == "Someone New"


def approved(world: World, user: Any) -> None:
    pending = world["pending"]
    membership = _membership(world, pending)
    assert membership is not None and membership.is_active and membership.consented_version == 0
    assert JoinRequest.objects.get(pk=world.pending_request.pk).status == RequestStatus.APPROVED  # type: ignore[union-attr]
    assert AuditEntry.objects.filter(
        action="join_approved", actor=user, target_user=pending, group=world.group
    ).exists()


def invite_made(world: World, user: Any) -> None:
    made = Invite.objects.filter(group=world.group, created_by=user).latest("created_at")
    assert (made.max_uses, made.uses, made.revoked_at) == (3, 0, None)
    assert made.is_usable


def feed_made(world: World, user: Any) -> None:
    (feed,) = CalendarFeed.objects.filter(membership__user=user, membership__group=world.group)
    assert feed.revoked_at is None and len(feed.token) >= 32


def schedule_saved(world: World, user: Any) -> None:
    schedule = Schedule.objects.get(group=world.group)
    assert (schedule.days, schedule.start_time.hour, schedule.time_zone) == (
        [3],
        19,
        "Europe/London",
    )
    assert AuditEntry.objects.filter(action="schedule_set", actor=user).exists()


def invite_revoked(world: World, user: Any) -> None:
    assert world.invite is not None
    assert Invite.objects.get(pk=world.invite.pk).revoked_at is not None


def details_saved(world: World, user: Any) -> None:
    group = Group.objects.get(pk=world.group.pk)
    assert (group.name, group.capacity, group.join_policy) == ("Living with Loss", 10, "open")
    assert list(group.topics.values_list("name", flat=True)) == ["Grief", "Loss"]


def archived(world: World, user: Any) -> None:
    assert Group.objects.get(pk=world.group.pk).archived


def appointed(world: World, user: Any) -> None:
    membership = _membership(world, world["member"])
    assert membership is not None and membership.role == Role.FACILITATOR


def published(world: World, user: Any) -> None:
    group = Group.objects.get(pk=world.group.pk)
    assert group.agreement_version == 3
    titles = list(
        Agreement.objects.get(group=group, version=3).clauses.values_list("title", flat=True)
    )
    assert titles == ["Listen without judgment", "Be gentle"]


def created(world: World, user: Any) -> None:
    group = Group.objects.get(name="Night Owls")
    assert group.created_by == user and group.agreement_version == 1


def withdrawn(world: World, user: Any) -> None:
    assert JoinRequest.objects.get(pk=world.pending_request.pk).status == RequestStatus.WITHDRAWN  # type: ignore[union-attr]


def join_data(world: World) -> dict[str, Any]:
    return {"agreement_version": world.group.agreement_version, "consent": "on"}


def group_form(world: World) -> dict[str, Any]:
    return {
        "name": "Living with Loss",
        "description": "Still here.",
        "topics": "Grief, Loss",
        "join_policy": "open",
        "capacity": 10,
        "listed": "on",
        "pseudonyms_allowed": "on",
    }


def agreement_form(world: World) -> dict[str, Any]:
    return {
        "clauses-TOTAL_FORMS": 2,
        "clauses-INITIAL_FORMS": 0,
        "clauses-MIN_NUM_FORMS": 0,
        "clauses-MAX_NUM_FORMS": 1000,
        "clauses-0-title": "Listen without judgment",
        "clauses-0-body": "We listen.",
        "clauses-1-title": "Be gentle",
        "clauses-1-body": "With others and yourself.",
        "note": "Shorter.",
    }


def hold_a_session(world: World) -> None:
    """A session of the group that ran and ended, with the member there."""
    from django.utils import timezone

    now = timezone.now()
    session = LiveSession.objects.create(
        group=world.group, started_at=now, ends_at=now, ended_at=now
    )
    member = _membership(world, world["member"])
    assert member is not None
    session.attendance.create(membership=member)


def make_open(world: World) -> None:
    Group.objects.filter(pk=world.group.pk).update(join_policy=JoinPolicy.OPEN)


@dataclass(frozen=True)
class Page:
    name: str
    method: str
    path: str  # formatted with slug, token, invite (pk) and request (pk)
    expect: dict[str, str]
    data: Callable[[World], dict[str, Any]] | None = None
    setup: Callable[[World], None] | None = None
    done: Callable[[World, Any], None] | None = None
    done_to: str = ""  # where "done" redirects to (formatted like path)
    template: str = ""  # for "page"
    shows: tuple[str, ...] = ()  # text a "page" shows
    hides: tuple[str, ...] = ()  # text a "page" must not show

    def __str__(self) -> str:
        return self.name


G = "/groups/{slug}"

PAGES = [
    Page(
        "site home",
        "get",
        "/",
        everyone(
            "dash:none",
            visitor="dash:visitor",
            pending="dash:waiting",
            welcomed="dash:first-visit",
            unconsented="dash:reconsent",
            member="dash:mine",
            facilitator="dash:mine",
        ),
    ),
    Page("directory", "get", "/groups/", everyone("directory")),
    Page(
        "group page",
        "get",
        G + "/",
        everyone(
            "landing:ask",
            visitor="landing:signin",
            unverified="landing:verify",
            pending="landing:waiting",
            welcomed="to-agreement",
            unconsented="home:reconsent",
            member="home",
            facilitator="home",
            banned="landing:banned",
        ),
    ),
    Page(
        "join POST (open group)",
        "post",
        G + "/join/",
        everyone(
            "to-group",
            visitor="login",
            unverified="refused:unverified",
            banned="refused:banned",
            removed="refused:policy",
            **only("done", OPEN_NEWCOMERS),
        ),
        data=join_data,
        setup=make_open,
        done=joined,
        done_to=G + "/",
    ),
    Page(
        "join POST (by-request group)",
        "post",
        G + "/join/",
        everyone(
            "refused:policy",
            visitor="login",
            unverified="refused:unverified",
            pending="refused:requested",
            banned="refused:banned",
            **only("to-group", MEMBERS),
        ),
        data=join_data,
    ),
    Page(
        "request POST",
        "post",
        G + "/request/",
        everyone(
            "done",
            visitor="login",
            unverified="refused:unverified",
            pending="refused:requested",
            banned="refused:banned",
            **only("to-group", MEMBERS),
        ),
        data=lambda w: {"note": "Hello, I would like to"},
        done=requested,
        done_to="/",
    ),
    Page(
        "withdraw request POST",
        "post",
        "/groups/requests/{request}/withdraw/",
        everyone("404", visitor="login", pending="done"),
        done=withdrawn,
        done_to="/",
    ),
    Page(
        "agreement",
        "get",
        G + "/agreement/",
        everyone(
            "404",
            visitor="login",
            welcomed="agreement:first",
            unconsented="agreement:changes",
            member="agreement:agreed",
            facilitator="agreement:agreed",
        ),
    ),
    Page(
        "agreement POST (consent)",
        "post",
        G + "/agreement/",
        everyone("404", visitor="login", **only("done", MEMBERS)),
        data=join_data,
        done=consented,
        done_to=G + "/",
    ),
    Page(
        "leave",
        "get",
        G + "/leave/",
        everyone("404", visitor="login", **only("page", MEMBERS)),
        template="groups/leave.html",
        shows=("Leave Carrying Grief?",),
    ),
    Page(
        "leave POST",
        "post",
        G + "/leave/",
        everyone("404", visitor="login", **only("done", MEMBERS)),
        done=left,
        done_to="/",
    ),
    Page(
        "members",
        "get",
        G + "/members/",
        everyone("404", visitor="login", **only("page", READERS)),
        template="groups/members.html",
        shows=("Mara", "Farah", "Uma", "Wren", "Facilitator"),
        hides=("Rowan", "Bex", "Pia", "Olive", "Felix"),
    ),
    Page(
        "rename",
        "get",
        G + "/name/",
        everyone("404", visitor="login", **only("page", READERS)),
        template="groups/rename.html",
        shows=("Your name in this group",),
    ),
    Page(
        "rename POST",
        "post",
        G + "/name/",
        # A stale consent reads why not (the page again, nothing written).
        everyone("404", visitor="login", unconsented="page", member="done", facilitator="done"),
        data=lambda w: {"pseudonym": "Someone New"},
        done=renamed,
        done_to=G + "/members/",
        template="groups/rename.html",
    ),
    Page(
        "requests",
        "get",
        G + "/requests/",
        everyone("404", visitor="login", facilitator="page", organizer="page"),
        template="groups/requests.html",
        shows=("Pia", "I lost my father in spring.", "Welcome Pia"),
    ),
    Page(
        "messages waiting for review (the room's bar)",
        "get",
        G + "/messages/held/",
        # For those who keep the room from inside it: an organizer outside the group
        # reads held messages through the queue's items (docs/security.md).
        everyone("404", visitor="login", facilitator="page"),
        template="groups/_held_bar.html",
    ),
    Page(
        "requests POST (approve)",
        "post",
        G + "/requests/",
        everyone("404", visitor="login", facilitator="done", organizer="done"),
        data=lambda w: {"request": w.pending_request.pk, "decision": "approve"},  # type: ignore[union-attr]
        done=approved,
        done_to=G + "/requests/",
    ),
    Page(
        "invites",
        "get",
        G + "/invites/",
        everyone("404", visitor="login", facilitator="page", organizer="page"),
        template="groups/invites.html",
        shows=("Invitation links", "0 of 1"),
    ),
    Page(
        "meeting times",
        "get",
        G + "/calendar/",
        everyone("404", visitor="login", **only("page", READERS)),
        template="groups/calendar.html",
        shows=("In your calendar", "Make my calendar link"),
    ),
    Page(
        "meeting times POST (calendar link)",
        "post",
        G + "/calendar/",
        everyone("404", visitor="login", **only("done", READERS)),
        done=feed_made,
        done_to=G + "/calendar/",
    ),
    Page(
        "schedule",
        "get",
        G + "/schedule/",
        everyone("404", visitor="login", facilitator="page", organizer="page"),
        template="groups/schedule.html",
        shows=("When the group meets", "Save the meeting times"),
    ),
    Page(
        "schedule POST",
        "post",
        G + "/schedule/",
        everyone("404", visitor="login", facilitator="done", organizer="done"),
        data=lambda w: {
            "repeat": "weekly",
            "weekdays": ["3"],
            "first_date": "2026-12-03",
            "start_time": "19:00",
            "duration_minutes": 90,
            "time_zone": "Europe/London",
            "reminder_minutes": 60,
        },
        done=schedule_saved,
        done_to=G + "/schedule/",
    ),
    Page(
        "past sessions",
        "get",
        G + "/sessions/",
        everyone("404", visitor="login", facilitator="page", organizer="page"),
        setup=hold_a_session,
        template="groups/sessions.html",
        shows=("Past sessions", "Nothing anyone wrote is copied here"),
    ),
    Page(
        "a past session",
        "get",
        G + "/sessions/{session}/",
        everyone("404", visitor="login", facilitator="page", organizer="page"),
        setup=hold_a_session,
        template="groups/session.html",
        shows=("When it ran", "Who came (1)", NAMES["member"], "Rounds held (0)"),
    ),
    Page(
        "invites POST (create)",
        "post",
        G + "/invites/",
        everyone("404", visitor="login", facilitator="done", organizer="done"),
        data=lambda w: {"days": 7, "max_uses": 3},
        done=invite_made,
        done_to=G + "/invites/",
    ),
    Page(
        "invite revoke POST",
        "post",
        G + "/invites/{invite}/revoke/",
        everyone("404", visitor="login", facilitator="done", organizer="done"),
        done=invite_revoked,
        done_to=G + "/invites/",
    ),
    Page(
        "invite accept",
        "get",
        "/groups/invite/{token}/",
        everyone(
            "landing:join",
            visitor="landing:signin",
            unverified="landing:verify",
            banned="landing:banned",
            **only("to-group", MEMBERS),
        ),
    ),
    Page(
        "invite accept POST",
        "post",
        "/groups/invite/{token}/",
        everyone(
            "done",
            visitor="login",
            unverified="refused:unverified",
            banned="refused:banned",
            **only("to-group", MEMBERS),
        ),
        data=join_data,
        done=joined_by_invite,
        done_to=G + "/",
    ),
    Page(
        "manage",
        "get",
        G + "/manage/",
        everyone("404", visitor="login", organizer="page"),
        template="groups/manage.html",
        shows=("Farah", "Version 2", "Archive the group"),
    ),
    Page(
        "manage POST",
        "post",
        G + "/manage/",
        everyone("404", visitor="login", organizer="done"),
        data=group_form,
        done=details_saved,
        done_to=G + "/manage/",
    ),
    Page(
        "archive POST",
        "post",
        G + "/manage/archive/",
        everyone("404", visitor="login", organizer="done"),
        data=lambda w: {"archived": "1"},
        done=archived,
        done_to=G + "/manage/",
    ),
    Page(
        "facilitators POST (appoint)",
        "post",
        G + "/manage/facilitators/",
        everyone("404", visitor="login", organizer="done"),
        data=lambda w: {"appoint": "1", "email": w["member"].email},
        done=appointed,
        done_to=G + "/manage/",
    ),
    Page(
        "edit agreement",
        "get",
        G + "/manage/agreement/",
        everyone("404", visitor="login", organizer="page"),
        template="groups/agreement_form.html",
        shows=("Write version 3 of the agreement", V2_ADDED[0]),
    ),
    Page(
        "edit agreement POST",
        "post",
        G + "/manage/agreement/",
        everyone("404", visitor="login", organizer="done"),
        data=agreement_form,
        done=published,
        done_to=G + "/manage/",
    ),
    Page(
        "new group",
        "get",
        "/groups/new/",
        everyone("404", visitor="login", organizer="page"),
        template="groups/group_form.html",
        shows=("Open a new group",),
    ),
    Page(
        "new group POST",
        "post",
        "/groups/new/",
        everyone("404", visitor="login", organizer="done"),
        data=lambda w: {**group_form(w), "name": "Night Owls"},
        done=created,
    ),
]


def _format(path: str, world: World, *, missing: bool = False) -> str:
    assert world.invite is not None and world.pending_request is not None
    if missing:
        return path.format(
            slug=secrets.token_hex(5),
            token=secrets.token_urlsafe(18),
            invite=987654,
            request=987654,
            session=987654,
        )
    session = LiveSession.objects.filter(group=world.group).first() if "{session" in path else None
    return path.format(
        slug=world.group.slug,
        token=world.invite.token,
        invite=world.invite.pk,
        request=world.pending_request.pk,
        session=session.pk if session else 0,
    )


def _missing_path(page: Page, world: World) -> str:
    """The same request, aimed at a group (or object) that does not exist."""
    if "{" not in page.path:  # /groups/new/: compare with a missing group's page
        return _format(G + "/manage/", world, missing=True)
    return _format(page.path, world, missing=True)


def snapshot(world: World) -> tuple[Any, ...]:
    """Everything the pages could write, so a refusal can be shown to write nothing."""
    return (
        sorted(
            Membership.objects.values_list(
                "group_id", "user_id", "status", "role", "consented_version", "pseudonym"
            )
        ),
        sorted(JoinRequest.objects.values_list("id", "status", "note")),
        sorted(Invite.objects.values_list("id", "uses", "revoked_at")),
        sorted(
            Group.objects.values_list(
                "id", "name", "archived", "agreement_version", "join_policy", "capacity"
            )
        ),
        Consent.objects.count(),
        Agreement.objects.count(),
        AuditEntry.objects.count(),
    )


def _text(response: Any) -> str:
    return text_of(response.content.decode())


def _templates(response: Any) -> list[str]:
    return [t.name for t in response.templates]


# What the page says to someone who was refused.
REFUSALS = {
    "unverified": "Please confirm your email address first; then you can join groups.",
    "banned": "You can't rejoin this group.",
    "requested": "Your request is with the facilitators.",
    "policy": "The facilitators welcome each new member.",
}


def check(code: str, response: Any, page: Page, world: World, role: str, client: Client) -> None:
    kind, _, how = code.partition(":")
    html = response.content.decode() if response.status_code != 302 else ""
    text = text_of(html)
    slug = world.group.slug
    if kind == "404":
        assert response.status_code == 404
        assert_looks_missing(response, _request(client, page, _missing_path(page, world), world))
        return
    if kind == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
        missing_path = _missing_path(page, world)
        missing = _request(client, page, missing_path, world)
        if "{slug}" in page.path:
            # Same answer for a missing group, apart from the address it sends you back to.
            real = _format(page.path, world)
            assert missing.status_code == 302
            assert (
                missing["Location"].replace(_quoted(missing_path), _quoted(real))
                == (response["Location"])
            )
        return
    if kind == "done":
        assert response.status_code == 302, text
        if page.done_to:
            assert response["Location"].split("#")[0] == _format(page.done_to, world)
        assert page.done is not None
        page.done(world, world[role])
        return
    if kind == "refused":
        assert response.status_code == 400
        assert REFUSALS[how] in text
        return
    if kind in {"to-agreement", "to-group"}:
        assert response.status_code == 302
        target = f"/groups/{slug}/agreement/" if kind == "to-agreement" else f"/groups/{slug}/"
        assert response["Location"] == target
        return
    assert response.status_code == 200, (response.status_code, text[:300])
    templates = _templates(response)
    if kind == "ok":
        return
    if kind == "directory":
        assert find(html, "a", href=f"/groups/{slug}/")
        assert "Carrying Grief" in text and "Join by request" in text
        return
    if kind == "page":
        assert page.template in templates
        for shown in page.shows:
            assert shown in html, shown
        for hidden in page.hides:
            assert hidden not in html, hidden
        return
    if kind == "landing":
        assert "groups/landing.html" in templates
        assert "groups/group_home.html" not in templates
        # The agreement is public; the member list and conversation are not.
        assert V2_ADDED[0] in text
        assert not find(html, "a", href=f"/groups/{slug}/members/")
        assert "Mara" not in text and "Farah" not in text
        forms = {f.attrs.get("action") for f in find(html, "form") if f.attrs.get("action")}
        join_actions = {f"/groups/{slug}/join/", f"/groups/invite/{world.invite.token}/"}  # type: ignore[union-attr]
        has_join_form = bool(forms & join_actions)
        has_request_form = f"/groups/{slug}/request/" in forms
        assert has_join_form == (how == "join"), forms
        assert has_request_form == (how == "ask"), forms
        if how == "join":
            assert find(html, "input", name="consent", type="checkbox")
        wording = {
            "signin": "Create an account or sign in to join.",
            "verify": "Please confirm your email address first; then you can join groups.",
            "ask": "Ask to join",
            "join": "I have read this agreement and I will keep it.",
            "waiting": "Your request is with the facilitators.",
            "banned": "You can't rejoin this group.",
        }[how]
        assert wording in text
        return
    if kind == "home":
        assert "groups/group_home.html" in templates
        notice = "This group's agreement changed."
        assert (notice in text) == (how == "reconsent")
        if how == "reconsent":
            assert find(html, "a", href=f"/groups/{slug}/agreement/")
        return
    if kind == "agreement":
        assert "groups/agreement.html" in templates
        consent_box = find(html, "input", name="consent", type="checkbox")
        assert bool(consent_box) == (how in {"changes", "first"})
        assert bool(find(html, "input", name="pseudonym")) == (how == "first")
        assert ("What changed" in text) == (how == "changes")
        if how == "agreed":
            assert "You agreed to this version." in text
        if how == "changes":
            assert "<ins>" in html and "<del>" in html
            assert f"New: {V2_ADDED[0]}" in text
        if how == "first":
            assert "Before you join the conversation" in text
        return
    if kind == "dash":
        if how == "visitor":
            assert "community/home.html" in templates and "My groups" not in text
            return
        assert "groups/home.html" in templates
        mine = bool(find(html, "a", href=f"/groups/{slug}/"))
        reconsent = bool(find(html, "a", href=f"/groups/{slug}/agreement/"))
        assert mine == (how in {"mine", "reconsent", "first-visit"})
        assert reconsent == (how == "reconsent")
        assert ("waiting for the facilitators" in text) == (how == "waiting")
        assert ("Please read the agreement" in text) == (how == "first-visit")
        return
    raise AssertionError(f"unknown outcome code {code!r}")


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path)


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page_for_every_role(world: World, page: Page, subtests: Any) -> None:
    for role in ROLES:
        with subtests.test(role=role, expect=page.expect[role]), rolled_back():
            client = Client()
            if world[role] is not None:
                client.force_login(world[role])
            if page.setup:
                page.setup(world)
            writes = page.method == "post" and page.expect[role] != "done"
            before = snapshot(world) if writes else None
            response = _request(client, page, _format(page.path, world), world)
            check(page.expect[role], response, page, world, role, client)
            if writes:
                assert snapshot(world) == before, "a refused or denied request wrote something"


# The chat's pages (issue 4) and the group library's (issue 6, tests/resources/) have their
# own permission matrices.
CHAT_PAGES = {"history", "post", "react", "delete"}
# Mute and block (issue 16 item 1): every role in tests/groups/test_boundaries.py.
BOUNDARY_PAGES = {"boundary"}
# The calendar feed has no signed-in person: its token is the credential, tested
# (live, revoked, after leaving) in tests/groups/test_schedules.py.
FEED_PAGES = {"calendar_feed"}
RESOURCE_PAGES = {
    "resources",
    "resource_new",
    "resource_suggestions",
    "resource",
    "resource_edit",
    "resource_pin",
    "resource_unpin",
    "resource_archive",
    "resource_restore",
    "resource_approve",
    "resource_helped",
    "resource_share",
}


def test_matrix_covers_every_group_url() -> None:
    from django.urls import resolve

    from groups.urls import urlpatterns

    sample = {"slug": "abcdefghjk", "token": "a-token", "invite": 1, "request": 1, "session": 1}
    covered = {resolve(page.path.format(**sample)).url_name for page in PAGES}
    covered |= CHAT_PAGES | RESOURCE_PAGES | BOUNDARY_PAGES | FEED_PAGES
    missing = {pattern.name for pattern in urlpatterns} - covered
    assert not missing, f"group pages without a row in PAGES: {missing}"


def test_unlisted_group_is_not_in_the_directory_and_denies_like_a_missing_group(
    world: World,
) -> None:
    Group.objects.filter(pk=world.group.pk).update(listed=False)
    client = Client()
    client.force_login(world["outsider"])
    directory = client.get("/groups/")
    assert "Carrying Grief" not in _text(directory)
    assert "Quiet Minds" in _text(directory)
    for suffix in ("members/", "agreement/", "leave/", "requests/", "invites/", "manage/"):
        real = client.get(f"/groups/{world.group.slug}/{suffix}")
        missing = client.get(f"/groups/{secrets.token_hex(5)}/{suffix}")
        assert real.status_code == missing.status_code == 404
        assert unmasked(real.content) == unmasked(missing.content)
    assert NAMES["member"] not in _text(client.get(f"/groups/{world.group.slug}/"))


def test_member_pages_are_never_cached(world: World) -> None:
    client = Client()
    client.force_login(world["member"])
    for suffix in ("", "members/", "agreement/"):
        response = client.get(f"/groups/{world.group.slug}/{suffix}")
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        assert "noindex" in response["X-Robots-Tag"]
