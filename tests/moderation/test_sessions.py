"""Sessions in the room, over the whole ASGI stack (issue 17, items 2 to 4).

Only the room's keepers start and end sessions and open rounds; members answer a
check-in once, or pass; during a talking-piece round only the holder (and the
keepers) may post, refused through the one write path with `not_your_turn`;
passing moves the piece for every open socket; a time box passes it by itself;
`hello` carries where the session is; crisis words out of turn still reach the
facilitators and bring the author the crisis card.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from groups.actions import sessions
from groups.models import (
    Attendance,
    Group,
    LiveSession,
    Message,
    Round,
    RoundAnswer,
    RoundKind,
    Schedule,
)
from moderation.models import CrisisPhrase, Report, WordFilter
from tests.chat import state
from tests.chat.conftest import Socket
from tests.moderation.conftest import World
from tests.moderation.live import sockets

pytestmark = pytest.mark.django_db(transaction=True)
Connect = Callable[..., Any]
KEEPERS = ("facilitator", "t_fac", "organizer")
NOT_KEEPERS = ("member", "t_member", "bystander")
FORBIDDEN = "Only the room's facilitators can run its sessions."


async def answer(socket: Socket, *kinds: str) -> dict[str, Any]:
    """The first event of one of `kinds`, or an error; the room's other events are skipped."""
    while True:
        event = await socket.receive()
        if event["type"] in {*kinds, "error"}:
            return event


async def ids(world: World) -> dict[str, int]:
    @database_sync_to_async
    def read() -> dict[str, int]:
        return {k: world.membership(k).pk for k in world.people if k != "owner"}

    return await read()


@database_sync_to_async
def start(world: World, key: str = "facilitator", **fields: Any) -> LiveSession | None:
    return sessions.start_session(actor=world.people[key], group=world.group, **fields)


@database_sync_to_async
def open_round(world: World, kind: str, **fields: Any) -> Round:
    return sessions.open_round(
        actor=world.people["facilitator"], group=world.group, kind=kind, **fields
    )


@database_sync_to_async
def stored_bodies(world: World) -> list[str]:
    return list(Message.objects.filter(group=world.group).values_list("body", flat=True))


# --- Who runs a session -------------------------------------------------------------


@pytest.mark.parametrize("key", NOT_KEEPERS)
async def test_only_the_rooms_keepers_start_end_and_open_rounds(
    live_world: World, connect: Connect, key: str
) -> None:
    socket = await connect(live_world.people[key], live_world.group)
    for frame in (
        {"type": "session.start"},
        {"type": "session.end"},
        {"type": "round.open", "kind": "check_in"},
        {"type": "round.close"},
        {"type": "piece.move", "step": "next"},
        {"type": "piece.add", "member": 1},
    ):
        await socket.send(frame)
        event = await answer(socket, "session.ack")
        assert (event["type"], event["code"], event["detail"]) == ("error", "forbidden", FORBIDDEN)
    assert not await database_sync_to_async(LiveSession.objects.exists)()


@pytest.mark.parametrize("key", KEEPERS)
async def test_a_keeper_starts_a_session_that_every_open_socket_hears(
    live_world: World, connect: Connect, key: str
) -> None:
    others = [
        await connect(live_world.people[k], live_world.group) for k in ("member", "bystander")
    ]
    keeper = await connect(live_world.people[key], live_world.group)
    await keeper.send({"type": "session.start", "minutes": 90})
    assert (await answer(keeper, "session.ack"))["action"] == "start"
    for socket in (*others, keeper):
        event = await answer(socket, "session.started")
        session = event["session"]
        assert session["phase"] == "opening"
        assert session["round"] is None
        ends = datetime.fromisoformat(session["ends_at"])
        started = datetime.fromisoformat(session["started_at"])
        assert ends - started == timedelta(minutes=90)
        assert {p["name"] for p in session["facilitators"]} == {"Farah", "Teodor"}
    await keeper.send({"type": "session.start"})
    assert (await answer(keeper, "session.ack"))["code"] == "session_running"
    await keeper.send({"type": "session.end"})
    assert (await answer(keeper, "session.ack"))["action"] == "end"
    for socket in others:
        assert (await answer(socket, "session.ended"))["session"] is None
    group = await database_sync_to_async(Group.objects.get)(pk=live_world.group.pk)
    assert group.live_session_id is None


async def test_a_session_out_of_range_or_ended_twice_is_refused(
    live_world: World, connect: Connect
) -> None:
    keeper = await connect(live_world.people["facilitator"], live_world.group)
    await keeper.send({"type": "session.start", "minutes": 5})
    event = await answer(keeper, "session.ack")
    assert (event["code"], event["field"]) == ("invalid_minutes", "minutes")
    await keeper.send({"type": "session.end"})
    assert (await answer(keeper, "session.ack"))["code"] == "no_session"
    await keeper.send({"type": "round.open", "kind": "check_in"})
    assert (await answer(keeper, "session.ack"))["code"] == "no_session"


async def test_a_late_joiner_and_a_returning_client_see_the_session_where_it_is(
    live_world: World, connect: Connect
) -> None:
    people = await ids(live_world)
    await start(live_world)
    await open_round(live_world, "talking_piece", present=[people["member"], people["bystander"]])
    late = await connect(live_world.people["bystander"], live_world.group)
    session = late.hello["session"]
    assert session["phase"] == "talking_piece"
    assert session["round"]["holder"] == {"id": people["member"], "name": "Mara"}
    assert [p["name"] for p in session["round"]["order"]] == ["Mara", "Bea"]
    # Coming to the room during the session counts as being there.
    attended = await database_sync_to_async(
        lambda: set(Attendance.objects.values_list("membership_id", flat=True))
    )()
    assert people["bystander"] in attended
    # A returning client's sync carries it too.
    await late.send({"type": "sync", "after_seq": 0})
    batch = await answer(late, "sync.batch")
    assert batch["session"]["round"]["holder"]["id"] == people["member"]


# --- Check-in and check-out -----------------------------------------------------------


async def test_a_check_in_takes_one_answer_each_and_shows_the_aggregate_to_keepers_only(
    live_world: World, connect: Connect
) -> None:
    people = await ids(live_world)
    await database_sync_to_async(state.update_membership)(
        live_world.people["bystander"], live_world.group, pseudonym="Wren"
    )
    facilitator, member, bystander = await sockets(
        connect, live_world, "facilitator", "member", "bystander"
    )
    await start(live_world, present=[people["member"], people["bystander"], people["t_member"]])
    await facilitator.send({"type": "round.open", "kind": "check_in"})
    assert (await answer(facilitator, "session.ack"))["action"] == "round_open"
    opened = await answer(member, "round.opened")
    assert opened["session"]["round"]["prompt"] == sessions.DEFAULT_PROMPTS[RoundKind.CHECK_IN]
    assert "waiting" not in opened["session"]["round"]
    keeper_view = (await answer(facilitator, "round.opened"))["session"]["round"]
    assert {p["name"] for p in keeper_view["waiting"]} == {"Mara", "Wren", "Tamsin"}

    await member.send({"type": "round.answer", "score": 2, "words": "  rainy  "})
    assert (await answer(member, "session.ack"))["action"] == "answer"
    await member.send({"type": "round.answer", "pass": True})
    assert (await answer(member, "session.ack"))["code"] == "already_answered"
    await bystander.send({"type": "round.answer", "pass": True})
    await answer(bystander, "session.ack")

    # Answers appear in the room as they come; the aggregate and who is waiting go
    # only to the keepers.
    for socket in (member, bystander):
        seen = (await answer(socket, "round.answered"))["session"]["round"]
        assert seen.keys() >= {"answers"} and not seen.keys() & {"waiting", "aggregate"}
    last = None
    for _ in range(2):
        last = (await answer(facilitator, "round.answered"))["session"]["round"]
    assert last is not None
    assert [
        (a["member"]["name"], a["score"], a["words"], a["passed"]) for a in last["answers"]
    ] == [
        ("Mara", 2, "rainy", False),
        ("Wren", None, "", True),
    ]
    assert [p["name"] for p in last["waiting"]] == ["Tamsin"]
    assert last["aggregate"] == {
        "answered": 1,
        "passed": 1,
        "average": 2.0,
        "counts": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0},
    }
    assert "aggregate" not in str(member.hello) and "aggregate" not in str(bystander.hello)


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"score": 6}, "invalid_score"),
        ({"score": 0, "words": ""}, "empty"),
        ({"words": "x" * 141}, "too_long"),
        ({"score": "3"}, "bad_field"),
        ({"pass": "yes"}, "bad_field"),
    ],
)
async def test_a_bad_answer_is_refused_and_nothing_is_stored(
    live_world: World, connect: Connect, frame: dict[str, Any], code: str
) -> None:
    await start(live_world)
    await open_round(live_world, "check_out")
    member = await connect(live_world.people["member"], live_world.group)
    await member.send({"type": "round.answer", **frame})
    assert (await answer(member, "session.ack"))["code"] == code
    assert await database_sync_to_async(RoundAnswer.objects.count)() == 0


async def test_a_muted_member_may_pass_but_not_answer(live_world: World, connect: Connect) -> None:
    await start(live_world)
    await open_round(live_world, "check_in")
    await database_sync_to_async(state.update_membership)(
        live_world.people["member"],
        live_world.group,
        muted_until=timezone.now() + timedelta(minutes=10),
    )
    member = await connect(live_world.people["member"], live_world.group)
    await member.send({"type": "round.answer", "score": 4})
    assert (await answer(member, "session.ack"))["code"] == "muted"
    await member.send({"type": "round.answer", "pass": True})
    assert (await answer(member, "session.ack"))["action"] == "answer"


# --- The talking piece ----------------------------------------------------------------


async def test_only_the_holder_posts_and_passing_moves_the_piece_for_everyone(
    live_world: World, connect: Connect
) -> None:
    people = await ids(live_world)
    facilitator, mara, bea, tamsin = await sockets(
        connect, live_world, "facilitator", "member", "bystander", "t_member"
    )
    await start(live_world)
    present = [people["member"], people["bystander"], people["t_member"], people["facilitator"]]
    await open_round(live_world, "talking_piece", present=present)
    before = await stored_bodies(live_world)

    # Tamsin is third: refused, and nothing stored.
    await tamsin.send({"type": "message.send", "client_id": "t-1", "body": "Can I say something?"})
    refusal = await answer(tamsin, "message.ack")
    assert refusal["code"] == "not_your_turn"
    assert refusal["client_id"] == "t-1"
    assert refusal["detail"] == "Mara is sharing just now. Your turn is second from now."
    await bea.send({"type": "message.send", "client_id": "b-1", "body": "Me too"})
    assert (await answer(bea, "message.ack"))["detail"].endswith("Your turn is next.")
    assert await stored_bodies(live_world) == before

    # The holder's message is stored and broadcast; a facilitator may always post;
    # everyone may react.
    await mara.send({"type": "message.send", "client_id": "m-1", "body": "It was a hard week."})
    ack = await answer(mara, "message.ack")
    assert ack["type"] == "message.ack" and ack["held"] is False
    heard = await answer(bea, "message.new")
    assert heard["message"]["body"] == "It was a hard week."
    await facilitator.send({"type": "message.send", "client_id": "f-1", "body": "Thank you, Mara."})
    assert (await answer(facilitator, "message.ack"))["type"] == "message.ack"
    await tamsin.send({"type": "reaction.toggle", "id": ack["id"], "reaction": "care"})
    assert (await answer(tamsin, "reaction.ack"))["on"] is True

    # Only the holder passes; then the piece is Bea's on every socket.
    await bea.send({"type": "piece.pass"})
    assert (await answer(bea, "session.ack"))["code"] == "not_your_turn"
    await mara.send({"type": "piece.pass"})
    assert (await answer(mara, "session.ack"))["action"] == "pass"
    for socket in (facilitator, mara, bea, tamsin):
        moved = await answer(socket, "piece.moved")
        assert moved["session"]["round"]["holder"] == {"id": people["bystander"], "name": "Bea"}
    await mara.send({"type": "message.send", "client_id": "m-2", "body": "One more thing"})
    assert (await answer(mara, "message.ack"))["code"] == "not_your_turn"
    await bea.send({"type": "message.send", "client_id": "b-2", "body": "My turn now."})
    assert (await answer(bea, "message.ack"))["type"] == "message.ack"


async def test_keepers_move_the_piece_add_someone_and_end_the_round(
    live_world: World, connect: Connect
) -> None:
    people = await ids(live_world)
    facilitator, member = await sockets(connect, live_world, "facilitator", "member")
    await start(live_world)
    await open_round(live_world, "talking_piece", present=[people["member"]])

    async def holder_after(frame: dict[str, Any]) -> Any:
        await facilitator.send(frame)
        ack = await answer(facilitator, "session.ack")
        assert ack["type"] == "session.ack", ack
        return (await answer(member, "piece.moved"))["session"]["round"]["holder"]

    assert await holder_after({"type": "piece.add", "member": people["t_member"]}) == {
        "id": people["member"],
        "name": "Mara",
    }
    assert (await holder_after({"type": "piece.move", "step": "next"}))["name"] == "Tamsin"
    assert (await holder_after({"type": "piece.move", "step": "back"}))["name"] == "Mara"
    await facilitator.send({"type": "piece.move", "step": "back"})
    assert (await answer(facilitator, "session.ack"))["code"] == "no_one_there"
    await facilitator.send({"type": "piece.add", "member": people["member"]})
    assert (await answer(facilitator, "session.ack"))["code"] == "already_in_order"
    await facilitator.send({"type": "round.close"})
    assert (await answer(facilitator, "session.ack"))["action"] == "round_close"
    closed = await answer(member, "round.closed")
    assert closed["session"]["phase"] == "open" and closed["session"]["round"] is None
    # With the round over, everyone may post again.
    await member.send({"type": "message.send", "client_id": "after", "body": "Thank you all."})
    assert (await answer(member, "message.ack"))["type"] == "message.ack"


async def test_volunteers_ask_for_the_piece_and_may_skip(
    live_world: World, connect: Connect
) -> None:
    people = await ids(live_world)
    mara, bea = await sockets(connect, live_world, "member", "bystander")
    await start(live_world)
    await open_round(live_world, "talking_piece", order="volunteers", present=[people["member"]])
    assert mara.hello["session"] is None  # connected before the session
    resting = (await answer(mara, "round.opened"))["session"]["round"]
    assert resting["holder"] is None and resting["order"] == []
    await mara.send({"type": "message.send", "client_id": "m", "body": "Hello?"})
    assert (await answer(mara, "message.ack"))["detail"].startswith(
        "The talking piece is resting in the middle."
    )
    await mara.send({"type": "piece.ask"})
    assert (await answer(mara, "session.ack"))["action"] == "ask"
    assert (await answer(bea, "piece.moved"))["session"]["round"]["holder"]["name"] == "Mara"
    await bea.send({"type": "piece.ask"})
    await answer(bea, "session.ack")
    await bea.send({"type": "piece.ask"})
    refusal = await answer(bea, "session.ack")
    assert (refusal["code"], refusal["detail"]) == (
        "already_in_order",
        "Already in the order. Your turn is next.",
    )
    await bea.send({"type": "piece.skip"})
    assert (await answer(bea, "session.ack"))["action"] == "skip"
    await bea.send({"type": "piece.skip"})
    assert (await answer(bea, "session.ack"))["code"] == "not_in_order"
    await mara.send({"type": "piece.pass"})
    await answer(mara, "session.ack")
    rested = None
    while rested is None or rested["holder"] is not None:
        rested = (await answer(bea, "piece.moved"))["session"]["round"]
    assert rested["position"] == 1 and [p["name"] for p in rested["order"]] == ["Mara"]


async def test_a_time_box_passes_the_piece_by_itself(
    live_world: World, connect: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions, "TURN_SECONDS", (1, 900))
    people = await ids(live_world)
    facilitator, member = await sockets(connect, live_world, "facilitator", "member")
    await start(live_world)
    await open_round(
        live_world, "talking_piece", turn_seconds=1, present=[people["member"], people["t_member"]]
    )
    opened = (await answer(member, "round.opened"))["session"]["round"]
    assert opened["turn_seconds"] == 1 and opened["turn_ends_at"]
    moved = await answer(member, "piece.moved")
    assert moved["session"]["round"]["holder"]["name"] == "Tamsin"
    # Woken by the keeper's and the holder's sockets, it passed once, not twice.
    round_ = await database_sync_to_async(Round.objects.get)(pk=opened["id"])
    assert round_.position == 1
    assert (await answer(facilitator, "piece.moved"))["session"]["round"]["position"] == 1


async def test_crisis_words_out_of_turn_still_reach_the_facilitators_and_the_card_the_author(
    live_world: World, connect: Connect
) -> None:
    await database_sync_to_async(CrisisPhrase.objects.create)(phrase="want to die")
    people = await ids(live_world)
    facilitator, bea = await sockets(connect, live_world, "facilitator", "bystander")
    await start(live_world)
    await open_round(live_world, "talking_piece", present=[people["member"], people["bystander"]])
    await bea.send({"type": "message.send", "client_id": "c-1", "body": "I want to die tonight"})
    ack = await answer(bea, "message.ack")
    assert ack["type"] == "message.ack" and ack["held"] is True
    card = await answer(bea, "notice")
    assert card["kind"] == "crisis"
    report = await database_sync_to_async(
        lambda: Report.objects.filter(group=live_world.group, urgency=0).latest("pk")
    )()
    assert report.message_id == ack["id"]
    # Held for the facilitators, not shown to the room.
    assert await facilitator.nothing(ignore=("presence", "session.started", "round.opened"))


# --- Scheduled sessions -----------------------------------------------------------------


async def test_a_scheduled_session_starts_itself_when_a_keeper_is_in_the_room(
    live_world: World, connect: Connect
) -> None:
    now = timezone.now()

    @database_sync_to_async
    def schedule() -> None:
        Schedule.objects.create(
            group=live_world.group,
            repeat="dates",
            first_date=now.date(),
            dates=[now.date().isoformat()],
            start_time=(now - timedelta(minutes=5)).time().replace(microsecond=0),
            duration_minutes=90,
            time_zone="UTC",
        )

    await schedule()
    member, keeper = await sockets(connect, live_world, "member", "facilitator")
    started = await answer(member, "session.started")
    assert started["session"]["phase"] == "opening"
    await answer(keeper, "session.started")
    # A second keeper arriving starts nothing more; one ended early is not started again.
    await connect(live_world.people["t_fac"], live_world.group)
    assert await member.nothing(timeout=1)
    await database_sync_to_async(sessions.end_session)(
        actor=live_world.people["facilitator"], group=live_world.group
    )
    await answer(member, "session.ended")
    await connect(live_world.people["t_fac"], live_world.group)
    assert await member.nothing(timeout=1)
    assert await database_sync_to_async(LiveSession.objects.count)() == 1


async def test_an_answers_words_are_screened_as_a_message_is(
    live_world: World, connect: Connect
) -> None:
    """Crisis words bring the card and an urgent item; words a filter blocks are refused."""

    @database_sync_to_async
    def rules() -> None:
        CrisisPhrase.objects.create(phrase="want to die")
        WordFilter.objects.create(
            group=live_world.group, phrase="idiots", action="block", clause="Inherent worth"
        )

    await rules()
    people = await ids(live_world)
    await start(live_world)
    await open_round(live_world, "check_in")
    member, bea = await sockets(connect, live_world, "member", "bystander")
    await bea.send({"type": "round.answer", "score": 2, "words": "surrounded by idiots"})
    refusal = await answer(bea, "session.ack")
    assert (refusal["code"], refusal["field"]) == ("blocked", "words")
    assert "Inherent worth" in refusal["detail"]
    await member.send({"type": "round.answer", "score": 1, "words": "I want to die"})
    assert (await answer(member, "session.ack"))["action"] == "answer"
    assert (await answer(member, "notice"))["kind"] == "crisis"

    @database_sync_to_async
    def urgent() -> list[tuple[int | None, int | None]]:
        return list(
            Report.objects.filter(group=live_world.group, urgency=0).values_list(
                "member_id", "message_id"
            )
        )

    assert await urgent() == [(people["member"], None)]
    assert await database_sync_to_async(RoundAnswer.objects.count)() == 1
