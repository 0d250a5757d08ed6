"""Revocation across processes: two uvicorn servers sharing PostgreSQL and Redis.

A change made through one process (or a third, as the Django admin or a shell
would) closes the person's socket on the other within its bound, and no send is
accepted once the change has committed:

- deactivating the account (a plain save, as the admin does): closed within 1 s;
- suspending it through the organizers' page on process A: closed within 1 s;
- signing out on process A: that session's socket on B closed within 1 s (4401);
- a removal whose signal was lost (a queryset update tells nobody): the fallback
  re-check closes it within its bound. The servers run with a 3-second bound so
  the test need not wait 30; test_revocation.py holds the default to 30 s.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from community.models import User
from groups.models import Membership, MembershipStatus
from tests.moderation.conftest import World, build_world
from tests.multiprocess import AsgiServer, next_of, open_room, session_cookie_header, submit

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

FALLBACK = 3.0
SERVERS_ENV = {"CHAT_RECHECK_SECONDS": str(FALLBACK)}


@pytest.fixture
def circle(transactional_db: None) -> tuple[World, dict[str, str]]:
    world = build_world(("organizer", "member", "facilitator", "bystander"))
    return world, {key: session_cookie_header(world.people[key]) for key in world.people}


async def closed_within(socket: ClientConnection, seconds: float) -> tuple[int, float]:
    """Read until the server closes; return the close code and how long it took."""
    started = time.monotonic()
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(seconds):
            while True:
                await socket.recv()
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code, time.monotonic() - started


async def send_refused(socket: ClientConnection, client_id: str) -> bool:
    """True unless the server accepts a send (closed, or answered with an error)."""
    try:
        await socket.send(
            json.dumps({"type": "message.send", "client_id": client_id, "body": "Still here?"})
        )
        async with asyncio.timeout(3):
            while True:
                event = json.loads(await socket.recv())
                if event["type"] == "message.ack":
                    return False
                if event["type"] == "error":
                    return True
    except ConnectionClosed:
        return True


@database_sync_to_async
def stored_from(user: User) -> int:
    from groups.models import Message

    return Message.objects.filter(author__user=user, client_id__startswith="after").count()


@database_sync_to_async
def deactivate(user: User) -> None:
    person = User.objects.get(pk=user.pk)
    person.is_active = False
    person.save()  # as the Django admin's form does


@contextlib.asynccontextmanager
async def members_socket(
    server: AsgiServer, circle: tuple[World, dict[str, str]]
) -> AsyncIterator[tuple[User, ClientConnection]]:
    """The member, and their socket open on `server` for the block (closed after it)."""
    world, cookies = circle
    socket, _ = await open_room(server, world.group.slug, cookies["member"])
    try:
        yield world.people["member"], socket
    finally:
        await socket.close()


async def test_deactivating_the_account_closes_its_socket_on_another_process(
    two_servers: list[AsgiServer], circle: tuple[World, dict[str, str]]
) -> None:
    _, b = two_servers
    async with members_socket(b, circle) as (member, socket):
        await deactivate(member)
        code, took = await closed_within(socket, 1.0)
        assert code == 4403 and took < 1.0
    assert await stored_from(member) == 0


async def test_a_suspension_through_one_process_closes_the_socket_on_the_other(
    two_servers: list[AsgiServer], circle: tuple[World, dict[str, str]]
) -> None:
    a, b = two_servers
    cookies = circle[1]
    async with members_socket(b, circle) as (member, socket):
        status, _ = await asyncio.to_thread(
            submit,
            a,
            "/moderation/site/",
            "/moderation/site/suspensions/",
            cookies["organizer"],
            {"email": member.email, "days": "3", "reason": "Safety"},
        )
        assert status == 302
        assert await send_refused(socket, "after-suspend")
        code, took = await closed_within(socket, 1.0)
        assert code == 4403 and took < 1.0
    assert await stored_from(member) == 0


async def test_signing_out_on_one_process_closes_that_sessions_socket_on_the_other(
    two_servers: list[AsgiServer], circle: tuple[World, dict[str, str]]
) -> None:
    a, b = two_servers
    world, cookies = circle
    member = world.people["member"]
    here, _ = await open_room(b, world.group.slug, cookies["member"])
    phone_cookie = await database_sync_to_async(session_cookie_header)(member)
    phone, _ = await open_room(b, world.group.slug, phone_cookie)  # another device
    try:
        status, location = await asyncio.to_thread(
            submit, a, "/settings/profile/", "/accounts/logout/", cookies["member"], {}
        )
        assert status == 302, location
        signed_out = time.monotonic()
        code, _ = await closed_within(here, 1.0)
        assert code == 4401 and time.monotonic() - signed_out < 1.0
        await phone.send(json.dumps({"type": "ping"}))
        await next_of(phone, "pong")  # the other device is still signed in
    finally:
        await here.close()
        await phone.close()


async def test_a_removal_whose_signal_was_lost_closes_the_socket_by_the_fallback(
    two_servers: list[AsgiServer], circle: tuple[World, dict[str, str]]
) -> None:
    _, b = two_servers
    world = circle[0]
    async with members_socket(b, circle) as (member, socket):
        # A queryset update sends no event: as if the removal's signal had been lost.
        await database_sync_to_async(
            Membership.objects.filter(group=world.group, user=member).update
        )(status=MembershipStatus.REMOVED, left_at=timezone.now() - timedelta(seconds=1))
        assert await send_refused(socket, "after-removal")  # the write path reads fresh rows
        code, took = await closed_within(socket, FALLBACK + 2.0)
        assert code == 4403
        assert took <= FALLBACK + 1.5
    assert await stored_from(member) == 0
