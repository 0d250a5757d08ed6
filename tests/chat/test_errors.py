"""Every error code of docs/protocol.md, through the real origin and session middleware.

For each one: the sender gets an `error` event with the code and a sentence, the
socket stays open (a following frame is answered), nothing is written, and the
server logs no error or traceback.
"""

import asyncio
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.utils import timezone

from groups.actions import groups as group_actions
from groups.models import Group
from tests.chat import state
from tests.chat.conftest import errors

pytestmark = pytest.mark.django_db(transaction=True)

Setup = Callable[[dict[str, Any]], dict[str, Any]]


def frame(**fields: Any) -> Callable[[dict[str, Any]], str]:
    """A frame built from `fields`; a value that is a callable is read from the setup's context."""

    def build(ctx: dict[str, Any]) -> str:
        return json.dumps({k: v(ctx) if callable(v) else v for k, v in fields.items()})

    return build


def raw(text: str | bytes) -> Callable[[dict[str, Any]], str | bytes]:
    return lambda ctx: text


def nothing_to_set_up(room: dict[str, Any]) -> dict[str, Any]:
    return {}


def own_message(room: dict[str, Any]) -> dict[str, Any]:
    return {"id": state.send(room["members"][0], room["group"], "Mine", client_id="own").message.pk}


def others_message(room: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": state.send(room["members"][1], room["group"], "Theirs", client_id="theirs").message.pk
    }


def own_deleted_message(room: dict[str, Any]) -> dict[str, Any]:
    from groups.actions import chat

    ctx = own_message(room)
    chat.delete_message(user=room["members"][0], group=room["group"], message_id=ctx["id"])
    return ctx


def own_hidden_message(room: dict[str, Any]) -> dict[str, Any]:
    from groups.models import Message

    ctx = own_message(room)
    Message.objects.filter(pk=ctx["id"]).update(
        hidden_at=timezone.now(), hidden_clause="Honor boundaries"
    )
    return ctx


def own_old_message(room: dict[str, Any]) -> dict[str, Any]:
    ctx = own_message(room)
    state.age_message(ctx["id"], minutes=16)
    return ctx


def held_message_of_other(room: dict[str, Any]) -> dict[str, Any]:
    state.update_group(room["group"], hold_first_messages=1)
    sent = state.send(room["members"][1], room["group"], "Waiting", client_id="held")
    assert sent.message.held
    return {"id": sent.message.pk}


def left_quietly(room: dict[str, Any]) -> dict[str, Any]:
    """The membership ended in the database without an event reaching the socket yet."""
    from groups.models import MembershipStatus

    state.update_membership(room["members"][0], room["group"], status=MembershipStatus.LEFT)
    return {}


def new_agreement(room: dict[str, Any]) -> dict[str, Any]:
    group = Group.objects.get(pk=room["group"].pk)
    group_actions.publish_agreement(
        actor=room["organizer"], group=group, clauses=[("Be gentle", "With yourself and others.")]
    )
    return {}


def muted(room: dict[str, Any]) -> dict[str, Any]:
    until = timezone.now() + timedelta(hours=1)
    state.update_membership(
        room["members"][0], room["group"], muted_until=until, mute_reason="Taking a breath."
    )
    return {"until": until}


def paused(room: dict[str, Any]) -> dict[str, Any]:
    state.update_group(room["group"], paused_until=timezone.now() + timedelta(minutes=10))
    return {}


def slow(room: dict[str, Any]) -> dict[str, Any]:
    state.update_group(room["group"], slow_mode_seconds=60)
    return own_message(room)


def archived_with_message(room: dict[str, Any]) -> dict[str, Any]:
    ctx = own_message(room)
    state.update_group(room["group"], archived=True)
    return ctx


def first_used(room: dict[str, Any]) -> dict[str, Any]:
    return own_message(room)


NESTED = "[" * 3000 + "]" * 3000
BIG = "9" * 17
LONG = "a" * 4001

# (name, setup, frame, code, expected extra fields)
# fmt: off
CASES: list[tuple[str, Setup, Callable[[dict[str, Any]], str | bytes], str, dict[str, Any]]] = [
    ("not json", nothing_to_set_up, raw("{not json"), "bad_json", {}),
    ("truncated", nothing_to_set_up, raw('{"type": "ping"'), "bad_json", {}),
    ("empty frame", nothing_to_set_up, raw(""), "bad_json", {}),
    ("deep nesting bare", nothing_to_set_up, raw(NESTED), "bad_json", {}),
    ("deep nesting in a field", nothing_to_set_up,
     raw('{"type": "ping", "x": ' + NESTED + "}"), "bad_json", {}),
    ("deep objects", nothing_to_set_up,
     raw('{"type": "ping", "x": ' + '{"a": ' * 1000 + "1" + "}" * 1000 + "}"), "bad_json", {}),
    ("17-digit number", nothing_to_set_up,
     raw('{"type": "sync", "after_seq": ' + BIG + "}"), "bad_json", {}),
    ("17-digit negative", nothing_to_set_up,
     raw('{"type": "read", "seq": -' + BIG + "}"), "bad_json", {}),
    ("huge number anywhere", nothing_to_set_up,
     raw('{"type": "ping", "n": ' + "1" * 5000 + "}"), "bad_json", {}),
    ("NaN", nothing_to_set_up, raw('{"type": "sync", "after_seq": NaN}'), "bad_json", {}),
    ("Infinity", nothing_to_set_up, raw('{"type": "sync", "after_seq": Infinity}'), "bad_json", {}),
    ("-Infinity", nothing_to_set_up, raw('{"type": "read", "seq": -Infinity}'), "bad_json", {}),
    ("binary frame", nothing_to_set_up, raw(b'{"type": "ping"}'), "bad_frame", {}),
    ("array", nothing_to_set_up, raw("[1, 2]"), "bad_frame", {}),
    ("string", nothing_to_set_up, raw('"ping"'), "bad_frame", {}),
    ("number", nothing_to_set_up, raw("42"), "bad_frame", {}),
    ("null", nothing_to_set_up, raw("null"), "bad_frame", {}),
    ("no type", nothing_to_set_up, frame(kind="ping"), "bad_frame", {}),
    ("type not text", nothing_to_set_up, frame(type=7), "bad_frame", {}),
    ("type empty", nothing_to_set_up, frame(type=""), "bad_frame", {}),
    ("body a number", nothing_to_set_up,
     frame(type="message.send", client_id="c1", body=42), "bad_field", {"field": "body"}),
    ("body missing", nothing_to_set_up,
     frame(type="message.send", client_id="c1"), "bad_field", {"field": "body"}),
    ("intent a list", nothing_to_set_up,
     frame(type="message.send", client_id="c1", body="hi", intent=["sharing"]), "bad_field",
     {"field": "intent"}),
    ("warning an object", nothing_to_set_up,
     frame(type="message.send", client_id="c1", body="hi", content_warning={}), "bad_field",
     {"field": "content_warning"}),
    ("client id a number", nothing_to_set_up,
     frame(type="message.send", client_id=7, body="hi"), "bad_field", {"field": "client_id"}),
    ("after_seq text", nothing_to_set_up, frame(type="sync", after_seq="3"), "bad_field",
     {"field": "after_seq"}),
    ("after_seq negative", nothing_to_set_up, frame(type="sync", after_seq=-1), "bad_field",
     {"field": "after_seq"}),
    ("after_seq boolean", nothing_to_set_up, frame(type="sync", after_seq=True), "bad_field",
     {"field": "after_seq"}),
    ("after_seq fraction", nothing_to_set_up, frame(type="sync", after_seq=1.5), "bad_field",
     {"field": "after_seq"}),
    ("after_seq beyond 2^53", nothing_to_set_up, frame(type="sync", after_seq=2**53), "bad_field",
     {"field": "after_seq"}),
    ("after_change text", nothing_to_set_up, frame(type="sync", after_seq=0, after_change="x"),
     "bad_field", {"field": "after_change"}),
    ("sync without after_seq", nothing_to_set_up, frame(type="sync"), "bad_field",
     {"field": "after_seq"}),
    ("edit id text", own_message, frame(type="message.edit", id="1", body="x"), "bad_field",
     {"field": "id"}),
    ("delete id missing", own_message, frame(type="message.delete"), "bad_field", {"field": "id"}),
    ("reaction id null", own_message, frame(type="reaction.toggle", id=None, reaction="care"),
     "bad_field", {"field": "id"}),
    ("reaction not text", own_message,
     frame(type="reaction.toggle", id=lambda c: c["id"], reaction=1), "bad_field",
     {"field": "reaction"}),
    ("read seq null", nothing_to_set_up, frame(type="read", seq=None), "bad_field",
     {"field": "seq"}),
    ("unknown type", nothing_to_set_up, frame(type="message.shout", body="hi"), "unknown_type", {}),
    ("internal handler name", nothing_to_set_up, frame(type="room.event", text="{}"),
     "unknown_type", {}),
    ("client id missing", nothing_to_set_up, frame(type="message.send", body="hi"),
     "invalid_client_id", {}),
    ("client id empty", nothing_to_set_up, frame(type="message.send", client_id="", body="hi"),
     "invalid_client_id", {}),
    ("client id with space", nothing_to_set_up,
     frame(type="message.send", client_id="a b", body="hi"), "invalid_client_id", {}),
    ("client id with trailing newline", nothing_to_set_up,
     frame(type="message.send", client_id="abc\n", body="hi"), "invalid_client_id", {}),
    ("client id too long", nothing_to_set_up,
     frame(type="message.send", client_id="x" * 65, body="hi"), "invalid_client_id", {}),
    ("client id accented", nothing_to_set_up,
     frame(type="message.send", client_id="café", body="hi"), "invalid_client_id", {}),
    ("client id lone surrogate", nothing_to_set_up,
     raw('{"type": "message.send", "client_id": "a\\ud800", "body": "hi"}'), "invalid_client_id",
     {}),
    ("NUL in body", nothing_to_set_up,
     raw('{"type": "message.send", "client_id": "c1", "body": "a\\u0000b"}'), "invalid_text",
     {"client_id": "c1"}),
    ("lone high surrogate", nothing_to_set_up,
     raw('{"type": "message.send", "client_id": "c1", "body": "broken \\ud800 text"}'),
     "invalid_text", {"client_id": "c1"}),
    ("lone low surrogate", nothing_to_set_up,
     raw('{"type": "message.send", "client_id": "c1", "body": "\\udc00"}'), "invalid_text", {}),
    ("NUL in warning", nothing_to_set_up,
     raw('{"type": "message.send", "client_id": "c1", "body": "hi", "content_warning": "\\u0000"}'),
     "invalid_text", {}),
    ("surrogate in edit", own_message,
     lambda c: '{"type": "message.edit", "id": ' + str(c["id"]) + ', "body": "\\ud83d"}',
     "invalid_text",
     {}),
    ("empty body", nothing_to_set_up, frame(type="message.send", client_id="c1", body=""),
     "empty", {}),
    ("blank body", nothing_to_set_up,
     frame(type="message.send", client_id="c1", body="  \n\t  "), "empty", {}),
    ("blank edit", own_message, frame(type="message.edit", id=lambda c: c["id"], body=" "),
     "empty", {}),
    ("4001 characters", nothing_to_set_up,
     frame(type="message.send", client_id="c1", body=LONG), "too_long", {}),
    ("121-character warning", nothing_to_set_up,
     frame(type="message.send", client_id="c1", body="hi", content_warning="w" * 121),
     "too_long", {}),
    ("4001-character edit", own_message,
     frame(type="message.edit", id=lambda c: c["id"], body=LONG), "too_long", {}),
    ("unknown intent", nothing_to_set_up,
     frame(type="message.send", client_id="c1", body="hi", intent="rant"), "invalid_intent", {}),
    ("unknown reaction", others_message,
     frame(type="reaction.toggle", id=lambda c: c["id"], reaction="angry"), "invalid_reaction",
     {}),
    ("client id reused", first_used,
     frame(type="message.send", client_id="own", body="Something else"), "client_id_reused",
     {"client_id": "own"}),
    ("left without notice", left_quietly,
     frame(type="message.send", client_id="c1", body="hi"), "not_member", {}),
    ("new agreement", new_agreement,
     frame(type="message.send", client_id="c1", body="hi"), "consent_required", {}),
    ("new agreement, reacting", lambda r: {**others_message(r), **new_agreement(r)},
     frame(type="reaction.toggle", id=lambda c: c["id"], reaction="care"), "consent_required",
     {}),
    ("muted", muted, frame(type="message.send", client_id="c1", body="hi"), "muted", {}),
    ("paused", paused, frame(type="message.send", client_id="c1", body="hi"), "paused", {}),
    ("slow mode", slow, frame(type="message.send", client_id="c2", body="again"), "slow_mode",
     {}),
    ("archived", archived_with_message,
     frame(type="message.send", client_id="c1", body="hi"), "archived", {}),
    ("archived, editing", archived_with_message,
     frame(type="message.edit", id=lambda c: c["id"], body="changed"), "archived", {}),
    ("no such message to edit", nothing_to_set_up,
     frame(type="message.edit", id=999_999, body="x"), "not_found", {}),
    ("editing another's message", others_message,
     frame(type="message.edit", id=lambda c: c["id"], body="x"), "not_found", {}),
    ("deleting another's message", others_message,
     frame(type="message.delete", id=lambda c: c["id"]), "not_found", {}),
    ("no such message to delete", nothing_to_set_up,
     frame(type="message.delete", id=999_999), "not_found", {}),
    ("reacting to nothing", nothing_to_set_up,
     frame(type="reaction.toggle", id=999_999, reaction="care"), "not_found", {}),
    ("reacting to a held message", held_message_of_other,
     frame(type="reaction.toggle", id=lambda c: c["id"], reaction="care"), "not_found", {}),
    ("reacting to a removed message", own_deleted_message,
     frame(type="reaction.toggle", id=lambda c: c["id"], reaction="care"), "not_found", {}),
    ("editing a removed message", own_deleted_message,
     frame(type="message.edit", id=lambda c: c["id"], body="back"), "gone", {}),
    ("editing a hidden message", own_hidden_message,
     frame(type="message.edit", id=lambda c: c["id"], body="back"), "gone", {}),
    ("editing after 15 minutes", own_old_message,
     frame(type="message.edit", id=lambda c: c["id"], body="later"), "edit_window", {}),
]
# fmt: on


def _grouped() -> list[Any]:
    """One test per (setup, code): its variants share a socket, each followed by a ping."""
    groups: dict[tuple[Setup, str], list[tuple[str, Any, dict[str, Any]]]] = {}
    for name, setup, make_frame, code, extra in CASES:
        groups.setdefault((setup, code), []).append((name, make_frame, extra))
    return [
        pytest.param(setup, code, variants, id=f"{code}: {', '.join(v[0] for v in variants)}")
        for (setup, code), variants in groups.items()
    ]


@pytest.mark.parametrize(("setup", "code", "variants"), _grouped())
async def test_error_keeps_socket_open_and_writes_nothing(
    room, connect, server_log, setup, code, variants
):
    member, group = room["members"][0], room["group"]
    sock = await connect(member, group)
    other = await connect(room["members"][1], group)
    ctx = await sync_to_async(setup)(room)
    if setup is not nothing_to_set_up:
        # Whatever the setup announced (room state, messages) is read before the frame.
        announced = ("presence", "room.state", "me", "message.new", "message.removed")
        await asyncio.gather(
            sock.nothing(0.15, ignore=announced), other.nothing(0.15, ignore=announced)
        )
    before = await sync_to_async(state.snapshot)(group)

    for name, make_frame, extra in variants:
        data = make_frame(ctx)
        if isinstance(data, bytes):
            await sock.send_bytes(data)
        else:
            await sock.send_text(data)
        error = await sock.receive_type("error")
        assert error["code"] == code, name
        assert isinstance(error["detail"], str) and error["detail"].endswith("."), name
        for key, value in extra.items():
            assert error[key] == value, name
        if "client_id" not in extra:
            assert error.get("client_id") in (None, "c1", "c2", "own"), name
        # The socket stays open and answers the next frame.
        await sock.send({"type": "ping"})
        assert (await sock.receive_type("pong")) == {"type": "pong"}, name

    # Nothing was written, and nobody else heard anything (the pongs came after any
    # broadcast the frames could have caused, so a short wait is enough).
    assert await sync_to_async(state.snapshot)(group) == before
    assert await other.nothing(0.1)
    assert errors(server_log) == []


async def test_format_error_is_followed_by_a_message_that_is_stored(room, connect, server_log):
    """A refused frame leaves the socket fully usable: the next message is acked and stored."""
    sock = await connect(room["members"][0], room["group"])
    await sock.send_text('{"type": "message.send", "client_id": "c1", "body": "a\\u0000"}')
    assert (await sock.receive_type("error"))["code"] == "invalid_text"
    await sock.send({"type": "message.send", "client_id": "c1", "body": "hello"})
    ack = await sock.receive_type("message.ack")
    assert ack["seq"] == 1
    assert errors(server_log) == []


async def test_nesting_is_refused_only_past_the_limit(room, connect):
    """A frame nested as deep as the limit is read; one level more is `bad_json`."""
    from groups.frames import MAX_DEPTH

    sock = await connect(room["members"][0], room["group"])
    inner = MAX_DEPTH - 1  # the frame object itself is the first level
    await sock.send_text('{"type": "ping", "x": ' + "[" * inner + "]" * inner + "}")
    await sock.receive_type("pong")
    await sock.send_text('{"type": "ping", "x": ' + "[" * (inner + 1) + "]" * (inner + 1) + "}")
    assert (await sock.receive_type("error"))["code"] == "bad_json"


async def test_muted_error_says_until_when(room, connect):
    sock = await connect(room["members"][0], room["group"])
    ctx = await sync_to_async(muted)(room)
    await sock.send({"type": "message.send", "client_id": "c1", "body": "hi"})
    error = await sock.receive_type("error")
    assert error["code"] == "muted"
    assert error["until"] == ctx["until"].isoformat()
    assert "Taking a breath." in error["detail"]


async def test_slow_mode_says_how_long_and_spares_facilitators(room, connect):
    group = room["group"]
    member = await connect(room["members"][0], group)
    facilitator = await connect(room["facilitators"][0], group)
    await sync_to_async(state.update_group)(group, slow_mode_seconds=60)
    await member.send({"type": "message.send", "client_id": "m1", "body": "one"})
    await member.receive_type("message.ack")
    await member.send({"type": "message.send", "client_id": "m2", "body": "two"})
    error = await member.receive_type("error", skip=("message.new",))
    assert error["code"] == "slow_mode"
    assert 55 < error["retry_after"] <= 60
    for n in range(3):
        await facilitator.send({"type": "message.send", "client_id": f"f{n}", "body": f"f{n}"})
        ack = await facilitator.receive_type("message.ack", skip=("message.new",))
        assert ack["seq"] == n + 2


async def test_paused_room_lets_facilitators_post(room, connect):
    group = room["group"]
    await sync_to_async(paused)(room)
    facilitator = await connect(room["facilitators"][0], group)
    await facilitator.send({"type": "message.send", "client_id": "f1", "body": "I'm here."})
    assert (await facilitator.receive_type("message.ack"))["seq"] == 1


async def test_rate_limit_answers_with_retry_after(room, connect, chat_limits, server_log):
    chat_limits(RATE=0.5, BURST=3)
    group = room["group"]
    sock = await connect(room["members"][0], group)
    for n in range(3):
        await sock.send({"type": "message.send", "client_id": f"c{n}", "body": f"m{n}"})
        await sock.receive_type("message.ack", skip=("message.new",))
    before = await sync_to_async(state.snapshot)(group)
    await sock.send({"type": "message.send", "client_id": "c3", "body": "m3"})
    error = await sock.receive_type("error", skip=("message.new",))
    assert error["code"] == "rate_limited"
    assert error["client_id"] == "c3"
    assert 0 < error["retry_after"] <= 2
    assert await sync_to_async(state.snapshot)(group) == before
    await sock.send({"type": "ping"})
    await sock.receive_type("pong", skip=("message.new",))
    # Another member's bucket is their own.
    other = await connect(room["members"][1], group)
    await other.send({"type": "message.send", "client_id": "o1", "body": "me too"})
    assert (await other.receive_type("message.ack", skip=("message.new",)))["seq"] == 4
    assert errors(server_log) == []


async def test_retrying_after_a_refusal_is_accepted_once_allowed(room, connect, chat_limits):
    """A rate-limited message resent later under the same client id is stored once."""
    chat_limits(RATE=2.0, BURST=1)
    sock = await connect(room["members"][0], room["group"])
    await sock.send({"type": "message.send", "client_id": "c0", "body": "m0"})
    await sock.receive_type("message.ack")
    await sock.send({"type": "message.send", "client_id": "c1", "body": "m1"})
    error = await sock.receive_type("error", skip=("message.new",))
    assert error["code"] == "rate_limited"
    with time_machine.travel(time.time() + error["retry_after"] + 0.05):  # the bucket refilled
        await sock.send({"type": "message.send", "client_id": "c1", "body": "m1"})
        assert (await sock.receive_type("message.ack", skip=("message.new",)))["seq"] == 2


async def test_server_error_logs_no_content_and_writes_nothing(
    room, connect, server_log, monkeypatch
):
    """Our own failure: `server_error`, nothing stored, a log line without the text."""
    from groups.actions import chat

    def broken(body: str) -> str:
        raise RuntimeError("renderer down")

    monkeypatch.setattr(chat, "render_chat", broken)
    group = room["group"]
    sock = await connect(room["members"][0], group)
    other = await connect(room["members"][1], group)
    before = await sync_to_async(state.snapshot)(group)
    await sock.send({"type": "message.send", "client_id": "c1", "body": "my private words"})
    error = await sock.receive_type("error")
    assert error["code"] == "server_error"
    assert await sync_to_async(state.snapshot)(group) == before
    assert await other.nothing()
    await sock.send({"type": "ping"})
    await sock.receive_type("pong")
    logged = "\n".join(r.getMessage() + str(r.exc_info) for r in server_log.records)
    assert "my private words" not in logged
    assert "Evening circle" not in logged
    assert [r.levelname for r in errors(server_log)] == ["ERROR"]
