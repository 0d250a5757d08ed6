"""Two real ASGI server processes sharing PostgreSQL and Redis, as in production.

A message sent through one process reaches a member connected to the other,
exactly once; a member who leaves through one process is disconnected on the
other at once.
"""

import asyncio
import json
import time
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from channels.db import database_sync_to_async
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from groups.models import Boundary, Membership, MembershipStatus, Message
from tests import multiprocess
from tests.chat.conftest import make_room
from tests.multiprocess import AsgiServer, next_of, open_room, session_cookie_header, submit

# The canary: no message text in either process's logs.
NOT_IN_LOGS = ("Hello from process A", "Heard you, from B")
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def circle(transactional_db: None) -> dict[str, Any]:
    people = make_room(members=2, facilitators=0)
    people["cookies"] = {person.pk: session_cookie_header(person) for person in people["members"]}
    return people


async def collect(socket: ClientConnection, seconds: float) -> list[dict[str, Any]]:
    """Every event that arrives within `seconds`."""
    seen: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                seen.append(json.loads(await socket.recv()))
    except TimeoutError:
        pass
    return seen


def post_leave(server: AsgiServer, slug: str, cookie: str) -> int:
    """Leave the group through the site's own form on `server`: GET it, then POST with CSRF."""
    page = f"/groups/{slug}/leave/"
    return submit(server, page, page, cookie, {})[0]


@database_sync_to_async
def stored_messages(group: Any) -> list[tuple[int | None, str]]:
    return list(Message.objects.filter(group=group).order_by("seq").values_list("seq", "body"))


@database_sync_to_async
def membership_status(group: Any, user: Any) -> str:
    return Membership.objects.get(group=group, user=user).status


def alice_on_a_bob_on_b(
    servers: list[AsgiServer], circle: dict[str, Any]
) -> AbstractAsyncContextManager[list[tuple[ClientConnection, dict]]]:
    """The room open for the first member on process A and the second on B (and hellos)."""
    (a, b), (alice, bob) = servers, circle["members"]
    places = (a, circle["cookies"][alice.pk]), (b, circle["cookies"][bob.pk])
    return multiprocess.open_rooms(circle["group"].slug, *places)


async def test_message_crosses_processes_exactly_once(
    two_servers: list[AsgiServer], circle: dict[str, Any]
) -> None:
    alice = circle["members"][0]
    async with alice_on_a_bob_on_b(two_servers, circle) as [(on_a, hello_a), (on_b, _)]:
        await on_a.send(
            json.dumps(
                {"type": "message.send", "client_id": "across-1", "body": "Hello from process A"}
            )
        )
        ack = await next_of(on_a, "message.ack")
        assert ack["seq"] == hello_a["last_seq"] + 1

        # Bob, on the other process, hears it exactly once; then Bob answers the other way.
        arrived = [e for e in await collect(on_b, 1.5) if e["type"] == "message.new"]
        assert [e["message"]["id"] for e in arrived] == [ack["id"]]
        assert arrived[0]["message"]["body"] == "Hello from process A"
        assert arrived[0]["message"]["author"]["name"] == alice.display_name

        await on_b.send(
            json.dumps({"type": "message.send", "client_id": "back-1", "body": "Heard you, from B"})
        )
        back = await next_of(on_b, "message.ack")
        heard = [
            e["message"]
            for e in await collect(on_a, 1.5)
            if e["type"] == "message.new" and e["message"]["id"] == back["id"]
        ]
        assert [m["seq"] for m in heard] == [ack["seq"] + 1]
    assert await stored_messages(circle["group"]) == [
        (ack["seq"], "Hello from process A"),
        (ack["seq"] + 1, "Heard you, from B"),
    ]


async def test_leaving_through_one_process_closes_the_socket_on_the_other(
    two_servers: list[AsgiServer], circle: dict[str, Any]
) -> None:
    (a, b), slug = two_servers, circle["group"].slug
    bob = circle["members"][1]
    async with alice_on_a_bob_on_b(two_servers, circle) as [(alice_on_a, _), (bob_on_b, _)]:
        status = await asyncio.to_thread(post_leave, a, slug, circle["cookies"][bob.pk])
        left_at = time.monotonic()
        assert status == 302
        # Bob's socket on the other process is closed as "not allowed", within a second.
        assert await multiprocess.close_code(bob_on_b, since=left_at) == 4403

        # Alice, on the first process, stays connected.
        await multiprocess.answers_ping(alice_on_a)
        assert await membership_status(circle["group"], bob) == MembershipStatus.LEFT

        # Reconnecting is refused too (by the other process, from the database).
        with pytest.raises(ConnectionClosed) as refused:
            await open_room(b, slug, circle["cookies"][bob.pk])
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 4403


@database_sync_to_async
def boundary_pk(group: Any, owner: Any) -> int:
    return Boundary.objects.get(owner__group=group, owner__user=owner).pk


async def test_mute_block_and_unmute_cross_processes(
    two_servers: list[AsgiServer], circle: dict[str, Any]
) -> None:
    """Issue 16: a boundary set through one process acts on sockets of the other."""
    a, b = two_servers
    slug = circle["group"].slug
    alice = circle["members"][0]
    alice_cookie = circle["cookies"][alice.pk]
    async with alice_on_a_bob_on_b(two_servers, circle) as [(on_a, _), (on_b, hello_b)]:
        bob_id = hello_b["me"]["id"]
        room_page, boundary = f"/groups/{slug}/", f"/groups/{slug}/members/{bob_id}/boundary/"
        await collect(on_a, 0.3)
        await collect(on_b, 0.3)
        # Alice mutes Bob through process B; her socket on process A hears her list.
        fields = {"kind": "mute"}
        status, _ = await asyncio.to_thread(submit, b, room_page, boundary, alice_cookie, fields)
        assert status == 302
        told = await next_of(on_a, "boundaries", within=1)
        assert told["boundaries"] == {str(bob_id): "mute"}
        assert [e for e in await collect(on_b, 0.5) if e["type"] != "presence"] == []

        # Bob's next message reaches Alice's socket marked by her list: her client folds it.
        await on_b.send(json.dumps({"type": "message.send", "client_id": "m1", "body": "Hi"}))
        await next_of(on_b, "message.ack")
        new = await next_of(on_a, "message.new")
        assert str(new["message"]["author"]["id"]) in told["boundaries"]

        # A block set through process A refuses Bob's reaction on process B, clearly.
        await on_a.send(json.dumps({"type": "message.send", "client_id": "a1", "body": "Hello"}))
        mine = await next_of(on_a, "message.ack")
        fields = {"kind": "block"}
        status, _ = await asyncio.to_thread(submit, a, room_page, boundary, alice_cookie, fields)
        assert status == 302
        assert (await next_of(on_a, "boundaries", within=1))["boundaries"] == {str(bob_id): "block"}
        await asyncio.sleep(0.3)  # Bob's socket re-reads who blocked him (it says nothing)
        await on_b.send(
            json.dumps({"type": "reaction.toggle", "id": mine["id"], "reaction": "heard"})
        )
        error = await next_of(on_b, "error")
        assert error["code"] == "reaction_unavailable"
        assert "block" not in error["detail"].lower()

        # Unblocked from Settings through process B: Alice's list empties on process A.
        remove = f"/settings/boundaries/{await boundary_pk(circle['group'], alice)}/remove/"
        status, _ = await asyncio.to_thread(
            submit, b, "/settings/boundaries/", remove, alice_cookie, {}
        )
        assert status == 302
        assert (await next_of(on_a, "boundaries", within=1))["boundaries"] == {}
        await on_b.send(
            json.dumps({"type": "reaction.toggle", "id": mine["id"], "reaction": "heard"})
        )
        assert (await next_of(on_b, "reaction.ack"))["on"] is True


@pytest.fixture
def session_circle(transactional_db: None) -> dict[str, Any]:
    people = make_room(members=2, facilitators=1)
    everyone = [*people["facilitators"], *people["members"]]
    people["cookies"] = {person.pk: session_cookie_header(person) for person in everyone}
    return people


async def test_the_talking_piece_moves_for_sockets_on_both_processes(
    two_servers: list[AsgiServer], session_circle: dict[str, Any]
) -> None:
    """A round opened on A holds the room on B; the holder passes on B, and A hears it."""
    a, b = two_servers
    slug, cookies = session_circle["group"].slug, session_circle["cookies"]
    (facilitator,), (alice, bob) = session_circle["facilitators"], session_circle["members"]
    places = (a, cookies[facilitator.pk]), (b, cookies[alice.pk]), (a, cookies[bob.pk])
    async with multiprocess.open_rooms(slug, *places) as rooms:
        (keeper, _), (on_b_alice, _), (on_a_bob, _) = rooms
        await keeper.send(json.dumps({"type": "session.start"}))
        await next_of(on_b_alice, "session.started")
        await keeper.send(json.dumps({"type": "round.open", "kind": "talking_piece"}))
        opened = (await next_of(on_b_alice, "round.opened"))["session"]["round"]
        assert [p["name"] for p in opened["order"]] == ["Member 1", "Member 2"]
        # Bob, on A, is refused; Alice, on B, holds the piece and passes it.
        await on_a_bob.send(json.dumps({"type": "message.send", "client_id": "b1", "body": "Hi"}))
        assert (await next_of(on_a_bob, "error"))["code"] == "not_your_turn"
        await on_b_alice.send(json.dumps({"type": "piece.pass"}))
        for socket in (keeper, on_a_bob, on_b_alice):
            moved = await next_of(socket, "piece.moved")
            assert moved["session"]["round"]["holder"]["name"] == "Member 2"
        await on_a_bob.send(
            json.dumps({"type": "message.send", "client_id": "b2", "body": "Heard you, from B"})
        )
        assert (await next_of(on_a_bob, "message.ack"))["held"] is False
    assert [body for _seq, body in await stored_messages(session_circle["group"])] == [
        "Heard you, from B"
    ]
