"""Every moderation action, over the socket and over the site's forms, takes effect live.

Each test runs twice: once with the facilitator sending a `moderation.*` frame,
once with them posting the moderation page's form. Either way the same action
runs, and the people in the room see the effect at once on their open sockets.
"""

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from community.models import Notice
from groups import events, selectors
from groups.actions import chat
from groups.actions import membership as member_actions
from groups.models import Group, Membership, MembershipStatus, Message
from moderation.models import Report, WordFilter
from tests.chat.conftest import Socket
from tests.moderation.conftest import CLAUSE, World
from tests.moderation.live import VIAS, Outcome, act, acts, events_until, post_form, sockets

pytestmark = pytest.mark.django_db(transaction=True)
FORBIDDEN = "You can't take that action here."
Connect = Callable[..., Any]
ROOM = ("facilitator", "member", "bystander")  # who acts, who is acted on, who looks on


@pytest.fixture
def ids(live_world: World) -> dict[str, int]:
    """Each person's membership id in group A (what frames and member pages name)."""
    return {key: live_world.membership(key).pk for key in live_world.people if key != "owner"}


@database_sync_to_async
def membership(world: World, key: str) -> Membership:
    return world.membership(key)


@database_sync_to_async
def notices(world: World, key: str) -> list[tuple[str, str]]:
    return list(Notice.objects.filter(user=world.people[key]).values_list("kind", "text"))


async def send(socket: Socket, body: str, client_id: str) -> dict[str, Any]:
    """Send a chat message; return the ack or the error."""
    await socket.send({"type": "message.send", "client_id": client_id, "body": body})
    while True:
        event = await socket.receive()
        if event["type"] in {"message.ack", "error"}:
            return event


async def facilitator_does(
    via: str, world: World, socket: Socket, kind: str, **fields: Any
) -> None:
    """The facilitator takes the action `kind` over `via`, and it works."""
    outcome = await acts(via, world, "facilitator", socket, kind, **fields)
    assert outcome.worked, outcome


# --- Mute and unmute ----------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
async def test_a_mute_disables_the_member_at_once_and_says_why(
    via: str, live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    facilitator, member, other = await sockets(connect, live_world, *ROOM)
    assert member.hello["me"]["can_post"] is True

    await facilitator_does(
        via,
        live_world,
        facilitator,
        "moderation.mute",
        member=ids["member"],
        minutes=60,
        clause=CLAUSE,
        reason="Talked over people",
    )

    seen = await events_until(member, "me")
    assert [e["type"] for e in seen] == ["notice", "me"]
    notice, me = seen[0], seen[1]["me"]
    assert notice["kind"] == "mute" and "“Honor boundaries”" in notice["text"]
    assert me["can_post"] is False
    assert me["muted_until"] is not None
    until = datetime.fromisoformat(me["muted_until"])
    assert timedelta(minutes=59) < until - timezone.now() <= timedelta(minutes=60)
    assert "“Honor boundaries”" in me["mute_reason"]
    # The time is `muted_until`, shown by the client in the person's own zone: no clock in words.
    assert "post again when the pause lifts" in me["mute_reason"]
    assert "UTC" not in me["mute_reason"] and "UTC" not in notice["text"]
    assert notice["until"] == me["muted_until"]
    assert "Talked over people" not in me["mute_reason"]  # the log's reason stays in the log

    refusal = await send(member, "Can I still talk?", "after-mute")
    assert refusal["code"] == "muted" and refusal["until"] == me["muted_until"]
    assert me["mute_reason"] in refusal["detail"]
    assert await other.nothing()
    assert await facilitator.nothing()

    await facilitator_does(via, live_world, facilitator, "moderation.unmute", member=ids["member"])
    seen = await events_until(member, "me")
    assert [e["type"] for e in seen] == ["notice", "me"]
    assert seen[1]["me"]["can_post"] is True and seen[1]["me"]["muted_until"] is None
    assert (await send(member, "Thank you.", "after-unmute"))["type"] == "message.ack"


async def test_a_short_mute_lifts_by_itself_on_the_open_socket(
    live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    group = live_world.group
    facilitator, member = await sockets(connect, live_world, "facilitator", "member")
    await facilitator.send(
        {"type": "moderation.mute", "member": ids["member"], "minutes": 1, "clause": CLAUSE}
    )
    await facilitator.receive_type("moderation.ack")
    assert (await member.receive_type("me", skip=("notice",)))["me"]["can_post"] is False

    # Bring the end of the mute to two seconds from now, and tell the socket to re-read.
    @database_sync_to_async
    def shorten() -> None:
        Membership.objects.filter(pk=ids["member"]).update(
            muted_until=timezone.now() + timedelta(seconds=1.5)
        )
        events.recheck_user(live_world.people["member"].pk, group_id=group.pk)

    await shorten()
    await member.receive_type("me")  # the new end, still muted
    started = time.monotonic()
    lifted = await member.receive_type("me", timeout=4)
    assert lifted["me"]["can_post"] is True and lifted["me"]["muted_until"] is None
    assert time.monotonic() - started < 3
    assert (await send(member, "Back again.", "after-expiry"))["type"] == "message.ack"


# --- Remove and ban -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["moderation.remove", "moderation.ban"])
@pytest.mark.parametrize("via", VIAS)
async def test_removing_or_banning_closes_every_socket_of_the_member_at_once(
    via: str, kind: str, live_world: World, ids: dict[str, int], connect: Connect, refused: Any
) -> None:
    group = live_world.group
    facilitator, tab_one, tab_two, other = await sockets(
        connect, live_world, "facilitator", "member", "member", "bystander"
    )

    await facilitator_does(via, live_world, facilitator, kind, member=ids["member"], clause=CLAUSE)
    assert await tab_one.closed() == 4403
    assert await tab_two.closed() == 4403
    await other.send({"type": "ping"})
    await other.receive_type("pong")

    status = "removed" if kind == "moderation.remove" else "banned"
    assert (await membership(live_world, "member")).status == status
    assert await refused(live_world.people["member"], group) == 4403
    [(notice_kind, text)] = await notices(live_world, "member")
    assert notice_kind == status and "“Honor boundaries”" in text
    assert "Evening circle" not in text  # a notice never names the group


# --- Hide and restore -------------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
async def test_a_hidden_message_disappears_for_members_and_stays_readable_for_facilitators(
    via: str, live_world: World, connect: Connect
) -> None:
    message = live_world.messages["member"]
    facilitator, co_facilitator, author, other = await sockets(
        connect, live_world, "facilitator", "t_fac", "member", "bystander"
    )

    await facilitator_does(
        via,
        live_world,
        facilitator,
        "moderation.hide",
        id=message.pk,
        clause=CLAUSE,
        reason="Advice nobody asked for",
    )

    removed = {
        "type": "message.removed",
        "id": message.pk,
        "seq": message.seq,
        "reason": "facilitator",
        "clause": CLAUSE,
    }
    for socket in (other, author):
        event = await socket.receive_type("message.removed", skip=("notice",))
        assert {k: event[k] for k in removed} == removed
    assert await other.nothing()  # and never the text
    hide_notice = await author.receive_type("notice")
    assert hide_notice["kind"] == "hide" and message.body not in hide_notice["text"]

    for socket in (facilitator, co_facilitator):
        await socket.receive_type("message.removed")
        updated = (await socket.receive_type("message.updated"))["message"]
        assert updated["id"] == message.pk
        assert updated["body"] == message.body and updated["hidden"] == {"clause": CLAUSE}

    await facilitator_does(via, live_world, facilitator, "moderation.restore", id=message.pk)
    for socket in (other, author, co_facilitator):
        back = (await socket.receive_type("message.updated"))["message"]
        assert back["body"] == message.body and back["hidden"] is None


# --- Pause and slow mode -------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
async def test_pausing_the_room_reaches_everyone_and_only_facilitators_post(
    via: str, live_world: World, connect: Connect
) -> None:
    facilitator, member, other = await sockets(connect, live_world, *ROOM)

    await facilitator_does(
        via,
        live_world,
        facilitator,
        "moderation.pause",
        minutes=5,
        message="Let's take a breath together.",
    )
    for socket in (facilitator, member, other):
        state = await socket.receive_type("room.state")
        assert state["paused"] is True
        assert state["pause_message"] == "Let's take a breath together."
    for socket in (member, other):
        assert (await socket.receive_type("me"))["me"]["can_post"] is False
    assert await facilitator.nothing()  # no `me`: a facilitator may still post

    assert (await send(member, "Hello?", "during-pause"))["code"] == "paused"
    assert (await send(facilitator, "Breathe in.", "fac-pause"))["type"] == "message.ack"

    await facilitator_does(via, live_world, facilitator, "moderation.resume")
    for socket in (member, other):
        assert (await socket.receive_type("room.state", skip=("message.new",)))["paused"] is False
        assert (await socket.receive_type("me"))["me"]["can_post"] is True
    assert (await send(member, "Thank you.", "after-pause"))["type"] == "message.ack"


async def test_a_timed_pause_ends_by_itself_on_the_open_socket(
    live_world: World, connect: Connect
) -> None:
    group = live_world.group
    facilitator, member = await sockets(connect, live_world, "facilitator", "member")
    await facilitator.send({"type": "moderation.pause", "minutes": 1})
    await facilitator.receive_type("moderation.ack")
    await member.receive_type("room.state")
    assert (await member.receive_type("me"))["me"]["can_post"] is False

    @database_sync_to_async
    def shorten() -> None:
        Group.objects.filter(pk=group.pk).update(paused_until=timezone.now() + timedelta(seconds=1))
        events.room_state_changed(Group.objects.get(pk=group.pk))

    await shorten()
    await member.receive_type("room.state")
    opened = await member.receive_type("me", timeout=4)
    assert opened["me"]["can_post"] is True
    assert (await member.receive_type("room.state"))["paused"] is False


@pytest.mark.parametrize("via", VIAS)
async def test_slow_mode_reaches_everyone_and_paces_members_but_not_facilitators(
    via: str, live_world: World, connect: Connect
) -> None:
    facilitator, member = await sockets(connect, live_world, "facilitator", "bystander")

    await facilitator_does(via, live_world, facilitator, "moderation.slow_mode", seconds=30)
    for socket in (facilitator, member):
        assert (await socket.receive_type("room.state"))["slow_mode"] == 30
        assert await socket.nothing()  # posting is still allowed: no `me`

    # The member's hello message was just sent by the world: the next one must wait.
    refusal = await send(member, "One more thing", "slow-1")
    assert refusal["code"] == "slow_mode" and 0 < refusal["retry_after"] <= 30
    for n in range(2):
        assert (await send(facilitator, f"Welcome {n}", f"fac-slow-{n}"))["type"] == "message.ack"


# --- Nudge, held messages ----------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
async def test_a_nudge_reaches_only_its_person(
    via: str, live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    facilitator, member, other = await sockets(connect, live_world, *ROOM)
    text = "Hi. Could you leave a little space for quieter voices? Thank you for being here."
    await facilitator_does(
        via,
        live_world,
        facilitator,
        "moderation.nudge",
        member=ids["member"],
        clause="Take up space, leave space",
        text=text,
    )
    notice = await member.receive_type("notice")
    assert (notice["kind"], notice["text"]) == ("nudge", text)
    assert await member.nothing() and await other.nothing()


@database_sync_to_async
def hold_newcomers(group: Group) -> None:
    Group.objects.filter(pk=group.pk).update(hold_first_messages=5)


@pytest.mark.parametrize("decision", ["moderation.approve", "moderation.decline"])
@pytest.mark.parametrize("via", VIAS)
async def test_a_held_message_waits_for_a_facilitator(
    via: str, decision: str, live_world: World, connect: Connect
) -> None:
    group = live_world.group
    await hold_newcomers(group)
    facilitator, member, other = await sockets(connect, live_world, *ROOM)

    ack = await send(member, "My second message", "held-1")
    assert ack["held"] is True and ack["seq"] is None
    own = await member.receive_type("message.new")  # the author alone sees it, waiting
    assert own["message"]["held"] is True and own["message"]["seq"] is None
    assert await other.nothing() and await facilitator.nothing()

    await facilitator_does(via, live_world, facilitator, decision, id=ack["id"], clause=CLAUSE)
    if decision == "moderation.approve":
        for socket in (member, other, facilitator):
            published = (await socket.receive_type("message.new"))["message"]
            assert published["id"] == ack["id"] and published["held"] is False
            assert published["seq"] == group.last_seq + 1
    else:
        notice = await member.receive_type("notice")
        assert notice["kind"] == "declined" and "My second message" not in notice["text"]
        assert notice["declined_message"] == ack["id"]  # the client drops its waiting copy
        assert await other.nothing() and await facilitator.nothing()
        # On the page, too, the author no longer sees it waiting.
        author = await database_sync_to_async(Membership.objects.get)(
            group=group, user=live_world.people["member"]
        )
        page = await database_sync_to_async(selectors.latest_messages)(group, author)
        assert ack["id"] not in [m.pk for m in page]


# --- Refusals read the same both ways -------------------------------------------------


async def _both_ways(
    world: World, socket: Socket, actor: str, kind: str, **fields: Any
) -> tuple[Outcome, Outcome]:
    slug = world.group.slug
    by_socket = await act("socket", socket=socket, user=None, slug=slug, kind=kind, **fields)
    by_form = await act(
        "http", socket=None, user=world.people[actor], slug=slug, kind=kind, **fields
    )
    return by_socket, by_form


@pytest.mark.parametrize(
    ("kind", "fields", "code", "sentence"),
    [
        ("moderation.mute", {"member": "t_fac", "minutes": 10}, "forbidden", FORBIDDEN),
        ("moderation.ban", {"member": "t_fac"}, "forbidden", FORBIDDEN),
        ("moderation.nudge", {"member": "t_fac", "text": "Hi."}, "forbidden", FORBIDDEN),
        ("moderation.hide", {"id": "t_fac"}, "forbidden", FORBIDDEN),
        (
            "moderation.approve",
            {"id": "member"},
            "not_held",
            "That message is not waiting for approval.",
        ),
        (
            "moderation.mute",
            {"member": "removed", "minutes": 10},
            "not_member",
            "That person is no longer in the group.",
        ),
        (
            "report.message",
            {"id": "facilitator"},
            "own_message",
            "You can delete or edit your own message instead.",
        ),
    ],
)
async def test_a_refusal_reads_the_same_over_the_socket_and_the_form(
    kind: str,
    fields: dict[str, Any],
    code: str,
    sentence: str,
    live_world: World,
    ids: dict[str, int],
    connect: Connect,
) -> None:
    if fields.get("member") == "removed":
        await database_sync_to_async(
            lambda: Membership.objects.filter(pk=ids["t_member"]).update(
                status=MembershipStatus.REMOVED
            )
        )()
        fields = {**fields, "member": "t_member"}
    resolved = {
        name: (
            ids[value]
            if name == "member"
            else live_world.messages[value].pk
            if name == "id"
            else value
        )
        for name, value in fields.items()
    }
    facilitator, co_facilitator = await sockets(connect, live_world, "facilitator", "t_fac")
    before = await database_sync_to_async(
        lambda: (
            list(Membership.objects.order_by("pk").values_list()),
            list(Message.objects.order_by("pk").values_list()),
        )
    )()
    by_socket, by_form = await _both_ways(
        live_world, facilitator, "facilitator", kind, clause=CLAUSE, **resolved
    )
    assert (by_socket.worked, by_socket.code, by_socket.sentence) == (False, code, sentence)
    assert (by_form.worked, by_form.sentence) == (False, sentence)
    after = await database_sync_to_async(
        lambda: (
            list(Membership.objects.order_by("pk").values_list()),
            list(Message.objects.order_by("pk").values_list()),
        )
    )()
    assert after == before
    assert await co_facilitator.nothing()


async def test_a_member_cannot_moderate_and_the_pages_do_not_exist_for_them(
    live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    member, target = await sockets(connect, live_world, "member", "bystander")
    by_socket, by_form = await _both_ways(
        live_world,
        member,
        "member",
        "moderation.mute",
        member=ids["bystander"],
        minutes=10,
        clause=CLAUSE,
    )
    assert (by_socket.code, by_socket.sentence) == ("forbidden", FORBIDDEN)
    # Over HTTP the moderation pages answer as if missing, like every page a person may not see.
    assert (by_form.worked, by_form.status) == (False, 404)
    assert await target.nothing()
    assert not (await membership(live_world, "bystander")).is_muted


async def test_frames_with_bad_fields_are_refused_and_the_socket_stays_open(
    live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    facilitator = await connect(live_world.people["facilitator"], live_world.group)
    bad = [
        ({"type": "moderation.mute", "member": ids["member"], "minutes": "ten"}, "bad_field"),
        (
            {"type": "moderation.mute", "member": ids["member"], "minutes": 0, "clause": CLAUSE},
            "invalid",
        ),
        ({"type": "moderation.mute", "member": 10**9, "minutes": 5, "clause": CLAUSE}, "not_found"),
        ({"type": "moderation.hide", "id": 10**9, "clause": CLAUSE}, "not_found"),
        ({"type": "moderation.slow_mode", "seconds": 99999}, "invalid"),
        ({"type": "report.message", "id": "x", "clause": CLAUSE}, "bad_field"),
    ]
    for frame, code in bad:
        await facilitator.send(frame)
        error = await facilitator.receive_type("error")
        assert error["code"] == code, (frame, error)
        assert error["detail"]
    await facilitator.send({"type": "ping"})
    await facilitator.receive_type("pong")
    assert not (await membership(live_world, "member")).is_muted


async def test_a_rooms_socket_only_names_members_of_that_room(
    live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    """A room's socket acts on that room's members only: other ids are 'not found'."""
    await database_sync_to_async(member_actions.join_group)(
        user=live_world.people["facilitator"], group=live_world.other_group, agreement_version=1
    )
    facilitator = await connect(live_world.people["facilitator"], live_world.other_group)
    await facilitator.send(
        {"type": "moderation.mute", "member": ids["member"], "minutes": 5, "clause": CLAUSE}
    )
    error = await facilitator.receive_type("error")
    assert error["code"] in {"not_found", "forbidden"}
    assert not (await membership(live_world, "member")).is_muted


# --- Site-wide and room settings, over the forms ------------------------------------------


async def test_suspending_an_account_closes_its_sockets_at_once(
    live_world: World, connect: Connect, refused: Any
) -> None:
    tab, other = await sockets(connect, live_world, "bystander", "member")
    outcome = await post_form(
        live_world.people["organizer"],
        "/moderation/site/suspensions/",
        {
            "email": live_world.people["bystander"].email,
            "days": 3,
            "reason": "r",
        },
    )
    assert outcome.worked and outcome.sentence.startswith("The account is suspended."), outcome
    assert await tab.closed() == 4403
    assert await refused(live_world.people["bystander"], live_world.group) == 4403
    await other.send({"type": "ping"})
    await other.receive_type("pong")


async def test_room_settings_and_word_filters_set_on_the_room_page_apply_at_once(
    live_world: World, connect: Connect
) -> None:
    slug = live_world.group.slug
    facilitator = live_world.people["facilitator"]
    member = await connect(live_world.people["member"], live_world.group)

    added = await post_form(
        facilitator,
        f"/moderation/rooms/{slug}/filters/",
        {"phrase": "spoilers", "action": "block", "clause": "Confidentiality"},
    )
    assert added.worked, added
    blocked = await send(member, "No SP0ILERS please", "f-1")
    assert blocked["code"] == "blocked" and "“Confidentiality”" in blocked["detail"]

    word_filter = await database_sync_to_async(WordFilter.objects.get)(phrase="spoilers")
    removed = await post_form(
        facilitator, f"/moderation/rooms/{slug}/filters/remove/", {"filter": word_filter.pk}
    )
    assert removed.worked, removed
    assert (await send(member, "No SP0ILERS please", "f-2"))["held"] is False

    settings = await post_form(
        facilitator,
        f"/moderation/rooms/{slug}/settings/",
        {"slow_mode_seconds": 0, "hold_first_messages": 5},
    )
    assert settings.worked, settings
    assert (await send(member, "Is this held?", "f-3"))["held"] is True
    # A member of the room can't reach its controls at all.
    assert (
        await post_form(live_world.people["member"], f"/moderation/rooms/{slug}/", {})
    ).status == 404


async def test_an_organizer_can_mute_a_facilitator_and_it_holds(
    live_world: World, ids: dict[str, int], connect: Connect
) -> None:
    """Only organizers act on facilitators, and when they do, the mute is real."""
    co_facilitator = await connect(live_world.people["t_fac"], live_world.group)
    outcome = await post_form(
        live_world.people["organizer"],
        f"/moderation/members/{ids['t_fac']}/mute/",
        {"clause": CLAUSE, "minutes": 60, "reason": ""},
    )
    assert outcome.worked, outcome
    me = (await co_facilitator.receive_type("me", skip=("notice",)))["me"]
    assert me["can_post"] is False and me["muted_until"]
    assert (await send(co_facilitator, "Still here?", "fac-muted"))["code"] == "muted"


# --- A room's socket acts on its own room --------------------------------------------


async def test_a_rooms_socket_cannot_reach_a_message_of_another_group(
    live_world: World, connect: Connect
) -> None:
    """A facilitator of both groups, in room A, naming a message of group B: refused
    as missing, and nothing happens there (group B's own room is the place for it)."""

    def elsewhere() -> Message:
        owner, other = live_world.people["owner"], live_world.other_group
        for key in ("facilitator", "member"):
            member_actions.join_group(user=live_world.people[key], group=other, agreement_version=1)
        member_actions.set_facilitator(
            actor=owner, group=other, user=live_world.people["facilitator"], facilitator=True
        )
        return chat.send_message(
            user=live_world.people["member"], group=other, client_id="b-1", body="In B."
        ).message

    message = await database_sync_to_async(elsewhere)()
    room_a = await connect(live_world.people["facilitator"], live_world.group)
    for frame in (
        {"type": "moderation.hide", "id": message.pk, "clause": CLAUSE},
        {"type": "report.message", "id": message.pk, "clause": CLAUSE},
        {"type": "worry", "id": message.pk},
    ):
        await room_a.send(frame)
        error = await room_a.receive_type("error")
        assert (error["code"], error["detail"]) == ("not_found", "That message can't be found.")
    fresh = await Message.objects.aget(pk=message.pk)
    assert fresh.hidden_at is None
    assert not await Report.objects.filter(message=message).aexists()
