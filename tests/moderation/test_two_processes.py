"""Moderation is live on every process: two uvicorn servers sharing PostgreSQL and Redis.

A facilitator connected to process A mutes a member connected to process B: the
member's composer is disabled (a `me` event) within a second. A ban posted
through process A's form closes the member's socket on process B with 4403
within a second. A word filter saved anywhere (here: a plain save in a third
process, as the Django admin does) applies to the very next message on both.
A crisis phrase posted on process B moves the urgent count of a facilitator whose
only open page (its personal socket) is on process A, within a second.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from websockets.asyncio.client import ClientConnection, connect

from groups.models import Membership, MembershipStatus
from moderation import screening
from moderation.models import CrisisPhrase, WordFilter
from tests import multiprocess
from tests.moderation.conftest import CLAUSE, World, build_world
from tests.multiprocess import AsgiServer, next_of, open_room, session_cookie_header, submit

Circle = tuple[World, dict[str, str], dict[str, int]]
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def circle(transactional_db: None) -> tuple[World, dict[str, str], dict[str, int]]:
    world = build_world(("organizer", "member", "facilitator", "bystander"))
    cookies = {key: session_cookie_header(world.people[key]) for key in world.people}
    ids = {key: world.membership(key).pk for key in world.people if key != "owner"}
    return world, cookies, ids


def post_member_form(server: AsgiServer, membership_id: int, action: str, cookie: str) -> int:
    """Use the member page on `server` as a browser would: GET it, then POST its form."""
    page = f"/moderation/members/{membership_id}/"
    status, _ = submit(
        server,
        page,
        f"{page}{action}/",
        cookie,
        {"clause": CLAUSE, "reason": "", "confirmed": "yes"},
    )
    return status


@contextlib.asynccontextmanager
async def rooms(
    circle: Circle, *where: tuple[AsgiServer, str]
) -> AsyncIterator[list[ClientConnection]]:
    """A socket on group A for each (server, person), in order; all closed after the block."""
    world, cookies, _ = circle
    places = [(server, cookies[key]) for server, key in where]
    async with multiprocess.open_rooms(world.group.slug, *places) as opened:
        yield [socket for socket, _ in opened]


@database_sync_to_async
def standing(membership_id: int) -> Membership:
    return Membership.objects.get(pk=membership_id)


async def test_a_mute_through_one_process_disables_the_member_on_the_other(
    two_servers: list[AsgiServer], circle: tuple[World, dict[str, str], dict[str, int]]
) -> None:
    a, b = two_servers
    ids = circle[2]
    async with rooms(circle, (a, "facilitator"), (b, "member")) as (facilitator, member):
        await facilitator.send(
            json.dumps(
                {
                    "type": "moderation.mute",
                    "member": ids["member"],
                    "minutes": 10,
                    "clause": CLAUSE,
                }
            )
        )
        await next_of(facilitator, "moderation.ack")
        acked = time.monotonic()
        me = (await next_of(member, "me", within=1.0))["me"]
        assert time.monotonic() - acked < 1.0
        assert me["can_post"] is False and me["muted_until"]
        assert "“Honor boundaries”" in me["mute_reason"]

        await member.send(json.dumps({"type": "message.send", "client_id": "m1", "body": "Hi"}))
        assert (await next_of(member, "error"))["code"] == "muted"
    assert (await standing(ids["member"])).is_muted


async def test_a_ban_posted_to_one_process_closes_the_members_socket_on_the_other(
    two_servers: list[AsgiServer], circle: tuple[World, dict[str, str], dict[str, int]]
) -> None:
    a, b = two_servers
    _, cookies, ids = circle
    async with rooms(circle, (b, "member"), (b, "bystander")) as (member, bystander):
        status = await asyncio.to_thread(
            post_member_form, a, ids["member"], "ban", cookies["facilitator"]
        )
        posted = time.monotonic()
        assert status == 302
        assert await multiprocess.close_code(member, since=posted) == 4403

        await multiprocess.answers_ping(bystander)
    assert (await standing(ids["member"])).status == MembershipStatus.BANNED


async def answer(socket: ClientConnection, body: str, client_id: str) -> dict[str, Any]:
    """Send a chat message; return its ack or the error."""
    await socket.send(json.dumps({"type": "message.send", "client_id": client_id, "body": body}))
    async with asyncio.timeout(3):
        while True:
            event = json.loads(await socket.recv())
            if event["type"] in {"message.ack", "error"}:
                return event


async def test_a_filter_saved_anywhere_applies_within_a_second_on_every_process(
    two_servers: list[AsgiServer], circle: tuple[World, dict[str, str], dict[str, int]]
) -> None:
    a, b = two_servers
    async with rooms(circle, (a, "member"), (b, "bystander")) as sockets:
        for n, socket in enumerate(sockets):  # each process now holds the rules in memory
            assert (await answer(socket, "No spoilers, please", f"before-{n}"))["type"] == (
                "message.ack"
            )
        word_filter = await database_sync_to_async(WordFilter.objects.create)(
            group=None, phrase="spoilers", action="block", clause=CLAUSE
        )
        await asyncio.sleep(screening.VERSION_EVERY + 0.2)  # each process looks once a second
        for n, socket in enumerate(sockets):
            refused = await answer(socket, "Spoilers ahead", f"blocked-{n}")
            assert (refused["type"], refused.get("code")) == ("error", "blocked")
        await database_sync_to_async(word_filter.delete)()
        await asyncio.sleep(screening.VERSION_EVERY + 0.2)
        for n, socket in enumerate(sockets):
            assert (await answer(socket, "Spoilers ahead", f"after-{n}"))["type"] == "message.ack"


async def test_an_urgent_item_written_on_one_process_reaches_a_facilitators_page_on_the_other(
    two_servers: list[AsgiServer], circle: tuple[World, dict[str, str], dict[str, int]]
) -> None:
    """The facilitator has only the home page open (its personal socket, ws/me/) on A."""
    a, b = two_servers
    world, cookies, _ = circle
    await database_sync_to_async(CrisisPhrase.objects.create)(phrase="want to die")
    await asyncio.sleep(screening.VERSION_EVERY + 0.2)  # each process looks once a second
    facilitator = await connect(
        a.ws_url("/ws/me/"),
        additional_headers={"Cookie": cookies["facilitator"], "Origin": a.origin},
        open_timeout=5,
    )
    member, _ = await open_room(b, world.group.slug, cookies["member"])
    try:
        first = await next_of(facilitator, "alerts")
        assert first["urgent"] == 0 and first["moderates"] is True
        await member.send(
            json.dumps({"type": "message.send", "client_id": "hard", "body": "I want to die"})
        )
        await next_of(member, "message.ack")
        sent = time.monotonic()
        alerts = await next_of(facilitator, "alerts", within=1.0)
        assert time.monotonic() - sent < 1.0
        assert alerts["urgent"] == 1 and alerts["urgent_group"] == world.group.pk
    finally:
        await facilitator.close()
        await member.close()
