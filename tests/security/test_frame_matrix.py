"""Every socket frame, every role: who may open the room's socket at all, and what
each frame gets from each role that may (docs/security.md, "What the matrix covers").

Only readers of a room can hold its socket open, so the frames run for those
four roles; everyone else is closed at connect (4401 signed out, 4403 not
allowed) before hearing anything. A frame type of the consumer without a row
here fails `test_every_frame_type_has_a_row`.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from groups.consumers import RoomConsumer
from moderation import room_frames
from tests.chat.conftest import Socket, open_socket, release_sync_thread_connection
from tests.security.roles import (
    ACCOUNT_NAME,
    CLAUSE,
    HELD_WORDS,
    HIDDEN_WORDS,
    MODERATORS,
    QUEUE_USERS,
    READERS,
    ROLES,
    WORDS,
    Roles,
    build_roles,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Broadcasts and private events a frame may set off on the sender's own socket.
SKIP = ("message.new", "message.updated", "message.removed", "reaction.updated", "room.state",
        "me", "notice", "typing", "presence")  # fmt: skip
ANSWERS = {"message.ack", "reaction.ack", "sync.batch", "pong", "report.ack", "moderation.ack",
           "pause.ack", "session.ack"}  # fmt: skip
FAC = "facilitator"
NOBODY_ELSE = "forbidden"


def others(code: str, **by_role: str | None) -> dict[str, str | None]:
    """`by_role`, and the error `code` for every other reader."""
    return {role: by_role.get(role, f"error:{code}") for role in READERS}


def same(answer: str | None) -> dict[str, str | None]:
    return dict.fromkeys(READERS, answer)


def keepers_only() -> dict[str, str | None]:
    return others(NOBODY_ELSE, facilitator="session.ack")


def membership_id(world: Roles, key: str) -> int:
    return world.membership(key).pk


Frame = Callable[[Roles], dict[str, Any]]

# Frame, and what each reader hears in answer (None: nothing but the broadcast, if any).
# In order: sends before the room is slowed or paused.
FRAMES: list[tuple[str, Frame, dict[str, str | None]]] = [
    (
        "message.send",
        lambda w: {"type": "message.send", "client_id": "m1", "body": "Hello, all."},
        {
            "member": "message.ack",
            FAC: "message.ack",
            "muted": "error:muted",
            "stale": "error:consent_required",
        },
    ),
    (
        "message.edit",
        lambda w: {"type": "message.edit", "id": w.words.pk, "body": "Not mine."},
        {
            "member": "error:not_found",
            FAC: "error:not_found",
            "muted": "error:muted",
            "stale": "error:consent_required",
        },
    ),
    (
        "message.delete",
        lambda w: {"type": "message.delete", "id": w.words.pk},
        same("error:not_found"),
    ),
    (
        "reaction.toggle",
        lambda w: {"type": "reaction.toggle", "id": w.words.pk, "reaction": "heard"},
        {
            "member": "reaction.ack",
            FAC: "reaction.ack",
            "muted": "error:muted",
            "stale": "error:consent_required",
        },
    ),
    ("typing", lambda w: {"type": "typing"}, same(None)),
    ("sync", lambda w: {"type": "sync", "after_seq": 0}, same("sync.batch")),
    ("read", lambda w: {"type": "read", "seq": 1}, same(None)),
    ("ping", lambda w: {"type": "ping"}, same("pong")),
    # Reporting harm and worrying stay open to every reader, whatever their standing.
    (
        "report.message",
        lambda w: {"type": "report.message", "id": w.words.pk, "clause": CLAUSE},
        same("report.ack"),
    ),
    (
        "report.member",
        lambda w: {"type": "report.member", "member": w.author.pk, "clause": CLAUSE},
        same("report.ack"),
    ),
    ("worry", lambda w: {"type": "worry", "id": w.words.pk}, same("report.ack")),
    # So does asking the facilitators privately for a pause (issue 17 item 5).
    ("pause.request", lambda w: {"type": "pause.request", "note": "A lot."}, same("pause.ack")),
    (
        "moderation.pause_answer",
        lambda w: {"type": "moderation.pause_answer", "member": w.author.pk, "text": "Here."},
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.hide",
        lambda w: {"type": "moderation.hide", "id": w.words.pk, "clause": CLAUSE},
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.restore",
        lambda w: {"type": "moderation.restore", "id": w.hidden.pk},
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.approve",
        lambda w: {"type": "moderation.approve", "id": w.held.pk},
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.decline",
        lambda w: {"type": "moderation.decline", "id": w.held_too.pk},
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.nudge",
        lambda w: {
            "type": "moderation.nudge",
            "member": w.author.pk,
            "clause": CLAUSE,
            "text": "A gentle word.",
        },
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.mute",
        lambda w: {
            "type": "moderation.mute",
            "member": membership_id(w, "to_mute"),
            "minutes": 10,
            "clause": CLAUSE,
        },
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.unmute",
        lambda w: {"type": "moderation.unmute", "member": membership_id(w, "muted")},
        # Nobody lifts their own pause; the muted member is refused like any member.
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.remove",
        lambda w: {
            "type": "moderation.remove",
            "member": membership_id(w, "to_remove"),
            "clause": CLAUSE,
        },
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.ban",
        lambda w: {
            "type": "moderation.ban",
            "member": membership_id(w, "to_ban"),
            "clause": CLAUSE,
        },
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.slow_mode",
        lambda w: {"type": "moderation.slow_mode", "seconds": 10},
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.pause",
        lambda w: {"type": "moderation.pause", "minutes": 5},
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    (
        "moderation.resume",
        lambda w: {"type": "moderation.resume"},
        others(NOBODY_ELSE, facilitator="moderation.ack"),
    ),
    ("nonsense", lambda w: {"type": "no.such.frame"}, same("error:unknown_type")),
]

# Sessions (issue 17), on a socket of their own (all the frames on one would pass the
# flooding allowance): keepers run them; with none running, a member's frame finds none.
# The facilitator, alone in the room, starts one and holds the piece in turn.
SESSION_FRAMES: list[tuple[str, Frame, dict[str, str | None]]] = [
    ("session.start", lambda w: {"type": "session.start"}, keepers_only()),
    ("round.open", lambda w: {"type": "round.open", "kind": "check_in"}, keepers_only()),
    (
        "round.answer",
        lambda w: {"type": "round.answer", "score": 3, "words": "calm"},
        {
            "member": "error:no_session",
            FAC: "session.ack",
            "muted": "error:muted",
            "stale": "error:consent_required",
        },
    ),
    ("round.close", lambda w: {"type": "round.close"}, keepers_only()),
    (
        "round.open",
        lambda w: {"type": "round.open", "kind": "talking_piece", "order": "volunteers"},
        keepers_only(),
    ),
    (
        "piece.ask",
        lambda w: {"type": "piece.ask"},
        {
            "member": "error:no_session",
            FAC: "session.ack",
            "muted": "error:muted",
            "stale": "error:consent_required",
        },
    ),
    (
        "piece.pass",
        lambda w: {"type": "piece.pass"},
        others("no_session", facilitator="session.ack"),
    ),
    ("piece.move", lambda w: {"type": "piece.move", "step": "back"}, keepers_only()),
    ("piece.add", lambda w: {"type": "piece.add", "member": w.author.pk}, keepers_only()),
    (
        "piece.skip",
        lambda w: {"type": "piece.skip"},
        others("no_session", facilitator="session.ack"),
    ),
    ("session.end", lambda w: {"type": "session.end"}, keepers_only()),
]


def test_every_frame_type_has_a_row() -> None:
    handled = set(RoomConsumer.HANDLERS)
    rows = {name for name, _, _ in FRAMES + SESSION_FRAMES} - {"nonsense"}
    assert handled == rows, f"missing: {handled - rows}; stale: {rows - handled}"
    assert set(room_frames.HANDLERS) <= handled


@pytest.fixture
def world(transactional_db: None) -> Roles:
    return build_roles()


async def test_only_readers_may_open_the_rooms_socket(world: Roles) -> None:
    for role in ROLES:
        user = world.people.get(role)
        communicator, connected, code = await open_socket(user, world.a)
        try:
            assert connected, (role, code)
            first = await communicator.receive_output(timeout=3)
            if role in READERS:
                assert first["type"] == "websocket.send" and '"hello"' in first["text"], role
            else:
                expected = 4401 if role == "visitor" else 4403
                assert first == {"type": "websocket.close", "code": expected}, role
        finally:
            await communicator.disconnect()
    await release_sync_thread_connection()


async def test_everyone_signed_in_may_open_the_personal_socket_and_hears_only_numbers(
    world: Roles,
) -> None:
    """ws/me/ carries counts, never words: the keepers of a queue see theirs, others none."""
    from channels.testing import WebsocketCommunicator

    from community.asgi import application
    from tests.chat.conftest import HOST, ORIGIN, session_cookie

    for role in ROLES:
        headers = [HOST, ORIGIN]
        if role != "visitor":
            cookie = await sync_to_async(session_cookie)(world.people[role])
            headers.append((b"cookie", cookie))
        communicator = WebsocketCommunicator(application, "/ws/me/", headers)
        try:
            assert (await communicator.connect(timeout=3))[0], role
            first = await communicator.receive_output(timeout=3)
            if role == "visitor":
                assert first == {"type": "websocket.close", "code": 4401}
                continue
            alerts = json.loads(first["text"])
            assert alerts["type"] == "alerts", role
            assert alerts["moderates"] is (role in QUEUE_USERS), role
            assert all(isinstance(v, int | bool | None) for v in alerts.values() if v != "alerts")
            if role not in MODERATORS:
                assert alerts["urgent"] == alerts["held"] == 0, role
        finally:
            await communicator.disconnect()
    await release_sync_thread_connection()


async def answer(socket: Socket, *, probe: bool = True) -> tuple[str | None, list[str]]:
    """The frame's answer (an ack, a reply or an error), and every text heard meanwhile.

    A ping follows each frame: when the pong comes first, the frame had no answer.
    """
    if not probe:  # the frame is a ping itself: its pong is the answer
        await socket.receive_type("pong", skip=SKIP)
        return "pong", []
    await socket.send({"type": "ping"})
    heard: list[str] = []
    found: str | None = None
    while True:
        output = await socket.communicator.receive_output(timeout=3)
        assert output["type"] == "websocket.send", f"closed: {output}"
        heard.append(output["text"])
        event = json.loads(output["text"])
        kind = event["type"]
        if kind == "pong":
            return found, heard
        if found is None and kind in ANSWERS | {"error"}:
            found = f"error:{event['code']}" if kind == "error" else kind


@pytest.mark.parametrize("role", sorted(READERS))
async def test_each_frame_gets_what_the_model_says_from_each_reader(
    world: Roles, role: str
) -> None:
    await run_frames(world, role, FRAMES)


@pytest.mark.parametrize("role", sorted(READERS))
async def test_each_session_frame_gets_what_the_model_says_from_each_reader(
    world: Roles, role: str
) -> None:
    await run_frames(world, role, SESSION_FRAMES)


async def run_frames(
    world: Roles, role: str, frames: list[tuple[str, Frame, dict[str, str | None]]]
) -> None:
    communicator, connected, code = await open_socket(world.people[role], world.a)
    assert connected, code
    socket = Socket(communicator)
    try:
        await socket.receive_type("hello")
        wrong = []
        built = await sync_to_async(lambda: [(n, f(world), e) for n, f, e in frames])()
        for name, frame, expected in built:
            await socket.send(frame)
            got, heard = await answer(socket, probe=name != "ping")
            if got != expected[role]:
                wrong.append(f"{name}: {got} (expected {expected[role]})")
            if name == "sync":
                replay = "".join(heard)
                assert WORDS in replay
                assert (HIDDEN_WORDS in replay) == (role == FAC), "hidden words"
                assert HELD_WORDS not in replay, "held words (not theirs)"
                assert ACCOUNT_NAME not in replay, "the account behind a pseudonym"
        assert wrong == []
    finally:
        await communicator.disconnect()
        await release_sync_thread_connection()
