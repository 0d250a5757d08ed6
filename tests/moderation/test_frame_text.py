"""Text arriving over the room's socket is checked as the site's forms check it.

For every frame that carries text (tests/chat/text_frames.py) and each of its text
fields: a NUL or a lone surrogate is refused as `invalid_text`, and one character
over the form's limit as `too_long`, each naming the field; nothing is stored and
nothing is logged as an error. Then the same frame with every field at its limit
is accepted, so the refusals were about the text alone. The socket's text ends up
stored as the form's would be.

Run on PostgreSQL too (DATABASE_URL): a NUL that got through would fail there.
"""

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async

from community.models import Notice
from groups.actions import chat, sessions
from groups.models import (
    AuditEntry,
    Group,
    Membership,
    Message,
    MessageRevision,
    Round,
    RoundAnswer,
)
from moderation.models import Report, ReportNote
from tests.chat import state
from tests.chat.conftest import errors
from tests.chat.text_frames import TEXT_FRAMES
from tests.moderation.conftest import CLAUSE, World
from tests.moderation.live import http_form, over_socket, post_form

pytestmark = pytest.mark.django_db(transaction=True)

BAD = {
    "NUL": ("a\x00b", "invalid_text"),
    "lone high surrogate": ("a\ud800b", "invalid_text"),
    "lone low surrogate": ("\udc00", "invalid_text"),
}
# What each frame answers when it works, and who may send it.
ANSWERS = {
    "message.send": "message.ack",
    "message.edit": "message.updated",
    "report.message": "report.ack",
    "report.member": "report.ack",
    "pause.request": "pause.ack",
    "round.open": "session.ack",
    "round.answer": "session.ack",
}
SENDERS = {
    "message.send": "member",
    "message.edit": "member",
    "pause.request": "member",
    "round.answer": "member",
}


def frame_for(kind: str, world: World, held_id: int) -> dict[str, Any]:
    """A frame of `kind` that would work, about Tamsin (a member) or her message."""
    message = world.messages["t_member"].pk
    member = world.membership("t_member").pk
    frames: dict[str, dict[str, Any]] = {
        "message.send": {"client_id": "t1", "body": "Hello", "content_warning": ""},
        "message.edit": {"id": world.messages["member"].pk, "body": "Hello again"},
        "report.message": {"id": message, "clause": CLAUSE, "note": ""},
        "report.member": {"member": member, "clause": CLAUSE, "note": ""},
        "moderation.hide": {"id": message, "clause": CLAUSE, "reason": ""},
        "moderation.decline": {"id": held_id, "clause": CLAUSE},
        "moderation.nudge": {"member": member, "clause": CLAUSE, "text": "A gentle word."},
        "moderation.mute": {"member": member, "minutes": 5, "clause": CLAUSE, "reason": ""},
        "moderation.remove": {"member": member, "clause": CLAUSE, "reason": ""},
        "moderation.ban": {"member": member, "clause": CLAUSE, "reason": ""},
        "moderation.pause": {"minutes": 5, "message": ""},
        "pause.request": {"note": ""},
        "moderation.pause_answer": {"member": member, "text": "We're here."},
        "round.open": {"kind": "check_in", "prompt": ""},
        "round.answer": {"score": 3, "words": ""},
    }
    if kind.startswith("round."):  # a session must be running (and for an answer, a round open)
        facilitator = world.people["facilitator"]
        sessions.start_session(actor=facilitator, group=world.group)
        if kind == "round.answer":
            sessions.open_round(actor=facilitator, group=world.group, kind="check_in")
    return frames[kind]


def sender(kind: str) -> str:
    if kind.startswith("report."):
        return "bystander"
    return SENDERS.get(kind, "facilitator")


def held_message(world: World) -> int:
    """A message of Tamsin's waiting for approval (the room holds newcomers' words)."""
    state.update_group(world.group, hold_first_messages=5)
    sent = chat.send_message(
        user=world.people["t_member"],
        group=Group.objects.get(pk=world.group.pk),
        client_id="held-1",
        body="Is it all right to share this?",
    )
    state.update_group(world.group, hold_first_messages=0)
    assert sent.message.held
    return sent.message.pk


def stored(world: World) -> dict[str, Any]:
    """Every row a refused text frame might have written."""
    return {
        "messages": list(
            Message.objects.order_by("pk").values_list(
                "pk", "body", "content_warning", "hidden_clause", "hidden_at", "held", "seq"
            )
        ),
        "revisions": MessageRevision.objects.count(),
        "reports": list(Report.objects.order_by("pk").values_list("kind", "clause", "status")),
        "notes": list(ReportNote.objects.order_by("pk").values_list("clause", "note")),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("action", "clause", "reason")),
        "notices": list(Notice.objects.order_by("pk").values_list("kind", "text")),
        "memberships": list(
            Membership.objects.order_by("pk").values_list(
                "pk", "status", "muted_until", "mute_reason"
            )
        ),
        "room": Group.objects.values_list("paused_until", "pause_message").get(pk=world.group.pk),
        "rounds": list(Round.objects.order_by("pk").values_list("pk", "prompt")),
        "answers": RoundAnswer.objects.count(),
    }


async def answer(socket: Any, kind: str) -> dict[str, Any]:
    """The frame's answer (its ack) or the error; other room events are skipped."""
    done = {ANSWERS.get(kind, "moderation.ack"), "error"}
    while True:
        event = await socket.receive()
        if event["type"] in done:
            return event


@pytest.mark.parametrize("kind", sorted(TEXT_FRAMES))
async def test_bad_text_in_any_frame_is_refused_naming_the_field(
    live_world: World, connect, server_log, kind: str
) -> None:
    held_id = await database_sync_to_async(held_message)(live_world)
    base = await database_sync_to_async(frame_for)(kind, live_world, held_id)
    socket = await connect(live_world.people[sender(kind)], live_world.group)
    before = await database_sync_to_async(stored)(live_world)
    for field, limit in TEXT_FRAMES[kind].items():
        cases = {**BAD, "one character too long": ("x" * (limit + 1), "too_long")}
        for case, (value, code) in cases.items():
            # json.dumps escapes a lone surrogate (\ud800), as a careless client would send it.
            await socket.send_text(json.dumps({"type": kind, **base, field: value}))
            event = await answer(socket, kind)
            assert (event["type"], event.get("code"), event.get("field")) == (
                "error",
                code,
                field,
            ), f"{kind} {field}: {case}"
    assert await database_sync_to_async(stored)(live_world) == before
    assert errors(server_log) == []
    assert not [r for r in server_log.records if r.exc_info], "a traceback was logged"
    # At the limit every field is fine: the frame itself was never the problem.
    longest = {field: "x" * limit for field, limit in TEXT_FRAMES[kind].items()}
    if "clause" in longest:
        longest["clause"] = CLAUSE  # a clause is chosen from the agreement, not written
    await socket.send_text(json.dumps({"type": kind, **base, **longest}))
    assert (await answer(socket, kind))["type"] != "error"


async def test_a_clause_the_agreement_does_not_have_is_refused(live_world: World, connect) -> None:
    """As the form offers only the agreement's clauses, so does the socket take only them."""
    socket = await connect(live_world.people["facilitator"], live_world.group)
    member = (await database_sync_to_async(live_world.membership)("t_member")).pk
    await socket.send(
        {"type": "moderation.nudge", "member": member, "clause": "Be nice", "text": "Hi"}
    )
    event = await answer(socket, "moderation.nudge")
    assert (event["code"], event["field"]) == ("invalid_choice", "clause")


# The socket's text is stored as the form's is: the same trimming and spacing.
SAME = [
    ("moderation.pause", "message", "  Let's   take a\nbreath.  ", "Let's take a breath."),
    ("moderation.nudge", "text", "  A gentle\n\n word.  ", "A gentle word."),
    ("report.message", "note", "  It felt sharp.\n", "It felt sharp."),
    ("moderation.hide", "reason", "  Advice   nobody asked for ", "Advice   nobody asked for"),
]


def latest_text(kind: str, world: World) -> str:
    if kind == "moderation.pause":
        return Group.objects.values_list("pause_message", flat=True).get(pk=world.group.pk)
    if kind == "moderation.nudge":
        return Notice.objects.filter(kind="nudge").latest("pk").text
    if kind == "report.message":
        return ReportNote.objects.latest("pk").note
    return AuditEntry.objects.filter(action="hide").latest("pk").reason


@pytest.mark.parametrize(("kind", "field", "sent", "kept"), SAME, ids=[s[0] for s in SAME])
@pytest.mark.parametrize("via", ["socket", "http"])
async def test_text_is_stored_the_same_through_either_door(
    live_world: World, connect, via: str, kind: str, field: str, sent: str, kept: str
) -> None:
    base = await database_sync_to_async(frame_for)(kind, live_world, 0)
    fields = {**base, field: sent}
    actor = live_world.people[sender(kind)]
    if via == "socket":
        socket = await connect(actor, live_world.group)
        outcome = await over_socket(socket, kind, fields)
    else:
        path, data = http_form(kind, fields, live_world.group.slug)
        outcome = await post_form(actor, path, data)
    assert outcome.worked, outcome
    assert await database_sync_to_async(latest_text)(kind, live_world) == kept
