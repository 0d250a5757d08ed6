"""An open socket follows the account: what it may do is judged on the rows as they
are now, and a change to the person's standing closes it (docs/security.md).

The findings of issue 13 these cover, each failing on the code before it:
a send judged against the user cached at connect (deactivated, suspended or
unverified with the signal lost: accepted); signing out left the socket open; no
fallback re-check for a quiet socket, and none for `sync`.
"""

import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from importlib import import_module
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from community.models import User
from groups import consumers, standing
from groups.models import MembershipStatus
from tests.chat import state
from tests.chat.conftest import HOST, ORIGIN, Socket, release_sync_thread_connection, session_cookie
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _key(cookie: bytes) -> str:
    return cookie.decode().split("=", 1)[1]


class Browsers:
    """Sockets opened by sessions the test can also use over HTTP, as one browser would."""

    def __init__(self) -> None:
        self.opened: list[WebsocketCommunicator] = []

    async def communicator(self, key: str, group: Any) -> WebsocketCommunicator:
        from community.asgi import application

        cookie = f"{settings.SESSION_COOKIE_NAME}={key}".encode()
        communicator = WebsocketCommunicator(
            application, f"/ws/groups/{group.slug}/", [HOST, ORIGIN, (b"cookie", cookie)]
        )
        self.opened.append(communicator)
        connected, code = await communicator.connect(timeout=3)
        assert connected, code
        return communicator

    async def open(self, user: Any, group: Any, key: str | None = None) -> tuple[Socket, str]:
        """A socket of a new signed-in session of `user` (or of the session `key`)."""
        key = key or _key(await sync_to_async(session_cookie)(user))
        socket = Socket(await self.communicator(key, group))
        await socket.receive_type("hello")
        return socket, key

    async def refused(self, key: str, group: Any) -> int:
        output = await (await self.communicator(key, group)).receive_output(timeout=3)
        assert output["type"] == "websocket.close", output
        return output["code"]


@pytest.fixture
async def sessions() -> AsyncIterator[Browsers]:
    browsers = Browsers()
    yield browsers
    for communicator in browsers.opened:
        await communicator.disconnect()
    await release_sync_thread_connection()


def browser(key: str) -> Client:
    """A test client that carries the session `key`, like the browser that opened a socket."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


async def closed_within(socket: Socket, seconds: float) -> tuple[int, float]:
    started = time.monotonic()
    code = await socket.closed(timeout=seconds)
    return code, time.monotonic() - started


# --- Writes judge the fresh rows, even when no signal came -------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"is_active": False},
        {"suspended_until": timezone.now() + timedelta(days=3)},
    ],
    ids=["deactivated", "suspended"],
)
async def test_a_send_is_refused_once_the_account_changed_without_any_signal(room, connect, change):
    group, member = room["group"], room["members"][0]
    sock = await connect(member, group)
    # A queryset update sends no signal: the socket's cached answer is still "yes".
    await sync_to_async(User.objects.filter(pk=member.pk).update)(**change)
    await sock.send({"type": "message.send", "client_id": "c1", "body": "Still here?"})
    error = await sock.receive_type("error")
    assert error["code"] == "not_member"
    assert (await sync_to_async(state.snapshot)(group))["messages"] == []


async def test_a_send_is_refused_once_the_address_is_no_longer_verified(room, connect):
    group, member = room["group"], room["members"][0]
    sock = await connect(member, group)
    await sync_to_async(EmailAddress.objects.filter(user=member).update)(verified=False)
    await sock.send({"type": "message.send", "client_id": "c1", "body": "Still here?"})
    assert (await sock.receive_type("error"))["code"] == "not_member"
    await sock.send({"type": "reaction.toggle", "id": 1, "reaction": "heard"})
    assert (await sock.receive_type("error"))["code"] == "not_member"
    assert (await sync_to_async(state.snapshot)(group))["messages"] == []


# --- Changes reach the socket at once ------------------------------------------------


async def test_deactivating_the_account_closes_its_sockets_at_once(room, connect):
    """As the Django admin does it: a plain save of the account."""
    group, member = room["group"], room["members"][0]
    sock = await connect(member, group)

    def deactivate() -> None:
        person = User.objects.get(pk=member.pk)
        person.is_active = False
        person.save()

    await sync_to_async(deactivate)()
    code, took = await closed_within(sock, 1.0)
    assert code == 4403 and took < 1.0


async def test_removing_the_verified_address_closes_its_sockets(room, connect):
    group, member = room["group"], room["members"][0]
    sock = await connect(member, group)
    await sync_to_async(EmailAddress.objects.filter(user=member).delete)()
    assert (await closed_within(sock, 1.0))[0] == 4403


async def test_signing_out_closes_that_sessions_sockets_and_no_others(room, sessions):
    group, member = room["group"], room["members"][0]
    here, key = await sessions.open(member, group)
    elsewhere, _ = await sessions.open(member, group)  # another device, still signed in
    response = await sync_to_async(browser(key).post)("/accounts/logout/")
    assert response.status_code == 302
    code, took = await closed_within(here, 1.0)
    assert code == 4401 and took < 1.0
    assert await elsewhere.nothing(timeout=0.5)
    await elsewhere.send({"type": "message.send", "client_id": "c1", "body": "From my phone"})
    assert (await elsewhere.receive_type("message.ack"))["seq"] == 1


async def test_a_password_change_signs_out_the_other_sessions_sockets(room, sessions):
    """Django gives the session that changed the password a new key (and keeps it signed
    in); every other session of the person stops being valid, and so do its sockets."""
    group, member = room["group"], room["members"][0]
    here, key = await sessions.open(member, group)
    elsewhere, other_key = await sessions.open(member, group)
    client = browser(key)
    new = "a-new-and-quiet-kettle-7"
    response = await sync_to_async(client.post)(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302, response.content[:400]
    assert (await closed_within(elsewhere, 2.0))[0] == 4401
    assert (await closed_within(here, 2.0))[0] == 4401  # its old key is gone; the client reopens
    # This browser's new session opens the room again; the other one's old session can't.
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != key
    reopened, _ = await sessions.open(member, group, new_key)
    await reopened.send({"type": "message.send", "client_id": "c1", "body": "Changed it"})
    assert (await reopened.receive_type("message.ack"))["seq"] == 1
    assert await sessions.refused(other_key, group) == 4401


async def test_a_session_deleted_from_the_database_closes_its_sockets_at_once(
    room, sessions, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    group, member = room["group"], room["members"][0]
    sock, key = await sessions.open(member, group)
    other, _ = await sessions.open(member, group)
    await sync_to_async(Session.objects.filter(session_key=key).delete)()  # as clearsessions does
    code, took = await closed_within(sock, 1.0)
    assert code == 4401 and took < 1.0
    assert await other.nothing(timeout=0.3)


# --- The fallback, for a lost signal --------------------------------------------------


def test_the_fallback_bound_is_thirty_seconds_with_jitter():
    bound = settings.HEARTH_CHAT["RECHECK_SECONDS"]
    assert bound <= 30
    draws = [standing.recheck_interval() for _ in range(200)]
    # Due at the draw, then noticed by the next sweep: never later than the bound.
    assert max(draws) + standing.SWEEP_EVERY <= bound
    assert min(draws) >= bound * 0.5
    assert len({round(d, 3) for d in draws}) > 50  # spread, not one moment for all


@pytest.fixture
def quick_fallback(chat_limits: Callable[..., None]) -> float:
    """A two-second bound, so a test can watch the fallback act."""
    chat_limits(RECHECK_SECONDS=2.0)
    return 2.0


async def test_a_quiet_socket_whose_removal_signal_was_lost_closes_within_the_bound(
    room, connect, quick_fallback
):
    group, member = room["group"], room["members"][0]
    sock = await connect(member, group)
    # No signal: a queryset update, as if the removal's event had been lost.
    await sync_to_async(state.update_membership)(member, group, status=MembershipStatus.REMOVED)
    code, took = await closed_within(sock, quick_fallback + 1.5)
    assert code == 4403
    assert took <= quick_fallback + standing.SWEEP_EVERY + 0.5


async def test_a_session_deleted_behind_the_sockets_back_closes_it_at_the_fallback(
    room, sessions, quick_fallback
):
    group, member = room["group"], room["members"][0]
    sock, key = await sessions.open(member, group)
    engine = import_module(settings.SESSION_ENGINE)
    await sync_to_async(engine.SessionStore(key).delete)()  # expired, or cleared by an admin
    code, _ = await closed_within(sock, quick_fallback + 1.5)
    assert code == 4401


async def test_sync_rereads_membership_when_the_signal_was_lost(room, connect, consumer_clock):
    group, member = room["group"], room["members"][0]
    await sync_to_async(state.send_many)(room["members"][1], group, 3)
    sock = await connect(member, group)
    await sync_to_async(state.update_membership)(member, group, status=MembershipStatus.REMOVED)
    consumer_clock.advance(consumers.SYNC_FRESH + 0.1)  # past when the connect's read still counts
    await sock.send({"type": "sync", "after_seq": 0})
    heard = []
    while (output := await sock.communicator.receive_output(2))["type"] != "websocket.close":
        heard.append(output.get("text", ""))
    assert output["code"] == 4403
    assert not [text for text in heard if "sync.batch" in text]
