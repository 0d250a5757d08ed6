"""Who may open a room socket, and when the server closes one (docs/protocol.md, close codes).

Refused sockets hear nothing before the close; a closed socket hears nothing after it.
"""

import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from community.models import User
from groups import consumers, events
from groups.actions import membership as member_actions
from groups.hub import addressed
from groups.models import MembershipStatus
from tests.chat import state
from tests.chat.conftest import errors, make_room, open_socket
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


# --- Turned away at the door ---------------------------------------------------------


async def test_anonymous_socket_is_closed_4401(room, refused):
    assert await refused(None, room["group"]) == 4401


async def test_stale_session_cookie_is_closed_4401(room):
    from channels.testing import WebsocketCommunicator

    from community.asgi import application
    from tests.chat.conftest import HOST, ORIGIN

    communicator = WebsocketCommunicator(
        application,
        f"/ws/groups/{room['group'].slug}/",
        [HOST, ORIGIN, (b"cookie", b"sessionid=no-such-session")],
    )
    connected, _ = await communicator.connect(timeout=3)
    assert connected
    assert (await communicator.receive_output(timeout=3))["code"] == 4401
    await communicator.disconnect()


async def test_deactivated_account_is_closed_4401(room, refused):
    member = room["members"][0]
    await User.objects.filter(pk=member.pk).aupdate(is_active=False)
    assert await refused(member, room["group"]) == 4401


def _not_a_member(room: dict[str, Any]) -> Any:
    return make_user(display_name="Passer-by")


def _with_status(status: str) -> Callable[[dict[str, Any]], Any]:
    def setup(room: dict[str, Any]) -> Any:
        member = room["members"][0]
        state.update_membership(member, room["group"], status=status)
        return member

    return setup


def _never_consented(room: dict[str, Any]) -> Any:
    member = room["members"][0]
    state.update_membership(member, room["group"], consented_version=0)
    return member


def _left(room: dict[str, Any]) -> Any:
    member = room["members"][0]
    member_actions.leave_group(user=member, group=room["group"])
    return member


def _unverified(room: dict[str, Any]) -> Any:
    member = room["members"][0]
    EmailAddress.objects.filter(user=member).update(verified=False)
    return member


def _suspended(room: dict[str, Any]) -> Any:
    member = room["members"][0]
    User.objects.filter(pk=member.pk).update(suspended_until=timezone.now() + timedelta(days=1))
    return member


@pytest.mark.parametrize(
    "setup",
    [
        pytest.param(_not_a_member, id="not a member"),
        pytest.param(_never_consented, id="never consented"),
        pytest.param(_left, id="left"),
        pytest.param(_with_status(MembershipStatus.REMOVED), id="removed"),
        pytest.param(_with_status(MembershipStatus.BANNED), id="banned"),
        pytest.param(_unverified, id="unverified email"),
        pytest.param(_suspended, id="suspended"),
    ],
)
async def test_not_allowed_is_closed_4403_and_hears_nothing(room, connect, setup):
    person = await sync_to_async(setup)(room)
    member = await connect(room["members"][1], room["group"])
    communicator, connected, _ = await open_socket(person, room["group"])
    try:
        assert connected
        output = await communicator.receive_output(timeout=3)
        assert (output["type"], output["code"]) == ("websocket.close", 4403)
        # The room goes on; the turned-away socket hears none of it.
        await member.send({"type": "message.send", "client_id": "c1", "body": "Private words"})
        await member.receive_type("message.ack")
        assert await communicator.receive_nothing(timeout=0.3)
    finally:
        await communicator.disconnect()


async def test_unknown_group_is_closed_4403_like_a_forbidden_one(room, refused):
    """A missing room answers exactly like a room one may not enter."""
    from groups.models import Group

    stranger = await sync_to_async(make_user)()
    missing = Group(slug="nosuchroom")
    assert await refused(stranger, missing) == 4403
    assert await refused(stranger, room["group"]) == 4403


async def test_consented_to_an_older_agreement_may_read_but_not_post(room, connect):
    """Not re-consented yet: the socket opens read-only (`can_post` false), not 4403."""
    from groups.actions import groups as group_actions

    await sync_to_async(group_actions.publish_agreement)(
        actor=room["organizer"], group=room["group"], clauses=[("Be kind", "Always.")]
    )
    sock = await connect(room["members"][0], room["group"])
    assert sock.hello["me"]["can_post"] is False
    assert sock.hello["me"]["needs_consent"] is True


# --- Closed while open ----------------------------------------------------------------


def _leave(room: dict[str, Any]) -> None:
    member_actions.leave_group(user=room["members"][0], group=room["group"])


def _set_status(status: str) -> Callable[[dict[str, Any]], None]:
    def revoke(room: dict[str, Any]) -> None:
        member, group = room["members"][0], room["group"]
        with transaction.atomic():
            state.update_membership(member, group, status=status)
            events.recheck_user(member.pk, group_id=group.pk)

    return revoke


def _suspend(room: dict[str, Any]) -> None:
    member = room["members"][0]
    with transaction.atomic():
        User.objects.filter(pk=member.pk).update(suspended_until=timezone.now() + timedelta(days=1))
        events.recheck_user(member.pk)  # site-wide: every group's sockets


@pytest.mark.parametrize(
    "revoke",
    [
        pytest.param(_leave, id="left through the action"),
        pytest.param(_set_status(MembershipStatus.REMOVED), id="removed"),
        pytest.param(_set_status(MembershipStatus.BANNED), id="banned"),
        pytest.param(_suspend, id="suspended site-wide"),
    ],
)
async def test_open_socket_closes_4403_when_standing_is_revoked(room, connect, revoke, server_log):
    group = room["group"]
    leaving = await connect(room["members"][0], group)
    staying = await connect(room["members"][1], group)
    await sync_to_async(revoke)(room)
    assert await leaving.closed() == 4403
    # What is said afterwards never reaches the closed socket.
    await staying.send({"type": "message.send", "client_id": "c1", "body": "After you left"})
    await staying.receive_type("message.ack")
    await staying.receive_type("message.new")
    assert await leaving.communicator.receive_nothing(timeout=0.3)
    # Frames it still sends are ignored, not answered or stored.
    await leaving.send({"type": "message.send", "client_id": "c2", "body": "still here?"})
    assert await leaving.communicator.receive_nothing(timeout=0.3)
    assert (await sync_to_async(state.snapshot)(group))["numbers"][0] == 1
    assert errors(server_log) == []


async def test_standing_is_rechecked_before_a_frame_when_the_event_was_lost(
    room, connect, monkeypatch
):
    """No event reached the socket (say the layer hiccuped): the periodic re-check of
    standing before handling a frame still closes it."""

    group, member = room["group"], room["members"][0]
    sock = await connect(member, group)
    await sync_to_async(state.update_membership)(member, group, status=MembershipStatus.REMOVED)
    # The cached answer is now stale.
    monkeypatch.setattr(consumers.RoomConsumer, "due_for_recheck", lambda self: True)
    await sock.send({"type": "message.send", "client_id": "c1", "body": "Am I still here?"})
    assert await sock.closed() == 4403
    assert (await sync_to_async(state.snapshot)(group))["messages"] == []


async def test_standing_is_rechecked_before_forwarding_when_the_event_was_lost(
    room, connect, monkeypatch
):
    """A socket that only listens is re-checked before room events are forwarded to it."""

    group, member = room["group"], room["members"][0]
    listener = await connect(member, group)
    speaker = await connect(room["members"][1], group)
    await sync_to_async(state.update_membership)(member, group, status=MembershipStatus.BANNED)
    monkeypatch.setattr(consumers.RoomConsumer, "due_for_recheck", lambda self: True)
    await speaker.send({"type": "message.send", "client_id": "c1", "body": "Not for them"})
    await speaker.receive_type("message.ack")
    assert await listener.closed() == 4403
    assert await listener.communicator.receive_nothing(timeout=0.3)


async def test_recheck_for_another_group_leaves_the_socket_alone(room, connect):
    """Leaving one group does not close one's sockets in another."""
    group = room["group"]
    member = room["members"][0]
    other_room = await sync_to_async(make_room)(members=0, facilitators=0)
    await sync_to_async(member_actions.join_group)(
        user=member, group=other_room["group"], agreement_version=1
    )
    sock = await connect(member, group)
    await sync_to_async(member_actions.leave_group)(user=member, group=other_room["group"])
    await sock.send({"type": "ping"})
    await sock.receive_type("pong")
    assert await sock.nothing()


async def test_member_of_another_group_hears_nothing(room, connect):
    other_room = await sync_to_async(make_room)(members=1, facilitators=0)
    here = await connect(room["members"][0], room["group"])
    elsewhere = await connect(other_room["members"][0], other_room["group"])
    await here.send({"type": "message.send", "client_id": "c1", "body": "Only for this room"})
    await here.receive_type("message.ack")
    await here.send({"type": "typing"})
    assert await elsewhere.nothing()


# --- Abusive frames -----------------------------------------------------------------


async def test_frame_over_16_kib_closes_4413_and_writes_nothing(room, connect, server_log):
    group = room["group"]
    sock = await connect(room["members"][0], group)
    before = await sync_to_async(state.snapshot)(group)
    body = "a" * (16 * 1024)
    await sock.send_text(json.dumps({"type": "message.send", "client_id": "c1", "body": body}))
    assert await sock.closed() == 4413
    assert await sock.communicator.receive_nothing(timeout=0.2)
    assert await sync_to_async(state.snapshot)(group) == before
    assert errors(server_log) == []


@pytest.mark.parametrize(
    ("body", "closes"),
    [
        pytest.param("💛" * 4100, True, id="16,400 bytes in 4,100 characters"),
        pytest.param("é" * 8200, True, id="16,400 bytes in 8,200 characters"),
        pytest.param("a" * 16_300, False, id="16,300 bytes: under the cap"),
    ],
)
async def test_the_frame_cap_counts_bytes_as_the_servers_do(room, connect, body, closes):
    """A frame's size is its UTF-8 bytes on the wire, as uvicorn counts it, not its
    characters; the room closes it itself, so daphne and uvicorn answer alike."""
    sock = await connect(room["members"][0], room["group"])
    text = json.dumps({"type": "ping", "pad": body}, ensure_ascii=False)
    await sock.send_text(text)
    if closes:
        assert len(text) < 16_384 < len(text.encode())
        assert await sock.closed() == 4413
    else:
        assert (await sock.receive_type("pong"))["type"] == "pong"


async def test_hundred_thousand_nested_arrays_close_4413(room, connect, server_log):
    sock = await connect(room["members"][0], room["group"])
    await sock.send_text("[" * 100_000 + "]" * 100_000)
    assert await sock.closed() == 4413
    assert errors(server_log) == []


async def test_longest_message_in_any_script_fits_in_a_frame(room, connect):
    """4,000 characters of four-byte UTF-8 (as a browser sends it) is a normal message."""
    sock = await connect(room["members"][0], room["group"])
    body = "💛" * 4000
    frame = json.dumps(
        {"type": "message.send", "client_id": "c1", "body": body}, ensure_ascii=False
    )
    await sock.send_text(frame)
    ack = await sock.receive_type("message.ack")
    stored = await sync_to_async(lambda: state.snapshot(room["group"])["messages"][0])()
    assert stored[0] == ack["id"] and stored[4] == body


async def test_torrent_of_frames_closes_4429_then_silence(room, connect, server_log):
    sock = await connect(room["members"][0], room["group"])
    for _ in range(150):
        await sock.send({"type": "ping"})
    pongs = 0
    while True:
        output = await sock.communicator.receive_output(timeout=2)
        if output["type"] == "websocket.close":
            code = output["code"]
            break
        pongs += json.loads(output["text"])["type"] == "pong"
    assert code == 4429
    # A burst is fine (dozens of frames), a torrent is not.
    assert 50 <= pongs < 150
    # Once closed, the rest of the torrent gets no answers and no second close.
    assert await sock.communicator.receive_nothing(timeout=0.3)
    assert errors(server_log) == []


async def test_many_refused_frames_in_a_row_close_4429(room, connect, server_log):
    from django.conf import settings

    limit = settings.HEARTH_CHAT["FLOOD_LIMIT"]
    sock = await connect(room["members"][0], room["group"])
    for _ in range(limit - 1):
        await sock.send_text("not json")
        assert (await sock.receive_type("error"))["code"] == "bad_json"
    # Just under the limit the socket still works.
    await sock.send({"type": "ping"})
    await sock.receive_type("pong")
    await sock.send_text("not json")
    assert (await sock.receive_type("error"))["code"] == "bad_json"
    assert await sock.closed() == 4429
    await sock.send({"type": "ping"})
    assert await sock.communicator.receive_nothing(timeout=0.3)
    assert errors(server_log) == []


async def test_a_socket_far_behind_the_room_is_told_to_sync_once_not_closed(room, connect):
    """An event that arrives long after it was sent means this process is busy: the
    socket drops what waits and its client syncs once; it is not closed (a storm's
    reconnects fed themselves that way)."""
    sock = await connect(room["members"][0], room["group"])
    layer = get_channel_layer()
    channel = events.group_channel(room["group"].pk)
    for _ in range(3):
        late = {"type": "room.event", "text": '{"type": "typing"}', "sent_at": time.time() - 60}
        await layer.group_send(channel, addressed(channel, late))
    # (The room's presence list may come first: it is announced as the socket arrives.)
    assert await sock.receive_type("sync.needed") == {"type": "sync.needed"}
    assert await sock.nothing()  # the late events themselves, and no second request
    await sock.send({"type": "sync", "after_seq": 0})
    assert (await sock.receive_type("sync.batch"))["type"] == "sync.batch"
    fresh = {"type": "room.event", "text": '{"type": "typing"}', "sent_at": time.time()}
    await layer.group_send(channel, addressed(channel, fresh))
    assert (await sock.receive_type("typing"))["type"] == "typing"
