"""The personal socket (ws/me/): who may connect, what reaches it, and what never does.

A facilitator with any page of the site open learns within a second that
someone in their group may need support: an urgent item (crisis words, "I'm
worried", a report marked as a safety concern) moves their `alerts`. So does a
message waiting for review, and a decision on one. The socket carries numbers
and ids only; a member, a facilitator of another group, and the person an item
is about hear nothing of it. Standing is re-read as a room's is: a role that
ends zeroes the counts at once, and a session that ends closes the socket.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client

from community.models import User
from groups import events, personal
from groups.actions import membership as member_actions
from groups.hub import get_hub
from moderation.actions import filters, reports
from moderation.actions import messages as message_actions
from moderation.models import CrisisPhrase, Report
from tests.chat.conftest import (
    HOST,
    ORIGIN,
    Socket,
    release_sync_thread_connection,
    session_cookie,
)
from tests.clock import until
from tests.moderation.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)
CRISIS = "some nights i want to die"
VALUES = {"type", "notes", "moderates", "urgent", "held", "urgent_item", "urgent_group"}
Connect = Callable[..., Any]


class Personal(Socket):
    """A personal socket, with the raw text of everything it received."""

    async def alerts(self, timeout: float = 2) -> dict[str, Any]:  # noqa: ASYNC109
        output = await self.communicator.receive_output(timeout)
        assert output["type"] == "websocket.send", output
        self.raw.append(output["text"])
        event = json.loads(output["text"])
        assert event["type"] == "alerts" and set(event) == VALUES, event
        return event

    raw: list[str]
    first: dict[str, Any]


async def open_personal(user: Any, cookie: bytes | None = None) -> WebsocketCommunicator:
    from community.asgi import application

    headers = [HOST, ORIGIN]
    if user is not None:
        headers.append((b"cookie", cookie or await sync_to_async(session_cookie)(user)))
    communicator = WebsocketCommunicator(application, "/ws/me/", headers)
    connected, code = await communicator.connect(timeout=3)
    assert connected, code
    return communicator


@pytest.fixture
async def me() -> AsyncIterator[Callable[..., Any]]:
    """`await me(user)` → the person's personal socket, its first `alerts` read."""
    opened: list[WebsocketCommunicator] = []

    async def _me(user: Any, cookie: bytes | None = None) -> Personal:
        communicator = await open_personal(user, cookie)
        opened.append(communicator)
        socket = Personal(communicator)
        socket.raw = []
        socket.first = await socket.alerts()
        return socket

    yield _me
    for communicator in opened:
        with contextlib.suppress(asyncio.CancelledError):
            await communicator.disconnect()
    await release_sync_thread_connection()


@pytest.fixture
def circle(live_world: World) -> World:
    """The live world, with a crisis phrase and a facilitator of another group."""
    CrisisPhrase.objects.create(phrase="want to die")
    other_fac = User.objects.create_user(email="felix@hearth.test", display_name="Felix")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=other_fac, email=other_fac.email, verified=True, primary=True)
    member_actions.join_group(user=other_fac, group=live_world.other_group, agreement_version=1)
    member_actions.set_facilitator(
        actor=live_world.people["owner"],
        group=live_world.other_group,
        user=other_fac,
        facilitator=True,
    )
    live_world.people["other_fac"] = other_fac
    return live_world


async def say(connect: Connect, world: World, key: str, body: str) -> float:
    """`key` sends `body` in group A's room; returns when it was acknowledged."""
    room = await connect(world.people[key], world.group)
    await room.send({"type": "message.send", "client_id": f"say-{time.monotonic()}", "body": body})
    await room.receive_type("message.ack")
    return time.monotonic()


@database_sync_to_async
def newest_urgent(world: World) -> Report:
    return Report.objects.filter(group=world.group, urgency=0).latest("pk")


async def test_only_a_signed_in_person_may_connect() -> None:
    communicator = await open_personal(None)
    output = await communicator.receive_output(timeout=3)
    assert output == {"type": "websocket.close", "code": 4401}  # nothing before the close
    await communicator.disconnect()


async def test_a_crisis_phrase_reaches_every_keeper_of_the_group_within_a_second(
    circle: World, me: Connect, connect: Connect
) -> None:
    people = circle.people
    facilitator, co_facilitator, organizer = (
        await me(people["facilitator"]),
        await me(people["t_fac"]),
        await me(people["organizer"]),
    )
    assert facilitator.first == {
        "type": "alerts",
        "notes": 0,
        "moderates": True,
        "urgent": 0,
        "held": 0,
        "urgent_item": None,
        "urgent_group": None,
    }
    member, other_group = await me(people["member"]), await me(people["other_fac"])
    assert member.first["moderates"] is False
    assert other_group.first["moderates"] is True

    sent = await say(connect, circle, "bystander", CRISIS)
    item = await newest_urgent(circle)
    for keeper in (facilitator, co_facilitator, organizer):
        alerts = await keeper.alerts(timeout=1)
        assert time.monotonic() - sent < 1
        assert alerts["urgent"] == 1 and alerts["urgent_item"] == item.pk
        assert alerts["urgent_group"] == circle.group.pk
        # Numbers only: never the group's name, never the message's words.
        assert "want to die" not in keeper.raw[-1] and "Evening" not in keeper.raw[-1]
    # Nothing for a member, nor for the facilitator of another group.
    assert await member.nothing(timeout=0.5)
    assert await other_group.nothing(timeout=0.2)


async def test_an_item_about_a_keeper_never_reaches_them(
    circle: World, me: Connect, connect: Connect
) -> None:
    themselves, colleague = await me(circle.people["t_fac"]), await me(circle.people["facilitator"])
    await say(connect, circle, "t_fac", CRISIS)  # a facilitator's own hard night
    assert (await colleague.alerts())["urgent"] == 1
    # They are offered care (the crisis card is also a note for them); of the item, nothing.
    own = await themselves.alerts()
    assert (own["notes"], own["urgent"], own["urgent_item"]) == (1, 0, None)
    assert await themselves.nothing(timeout=0.5)


async def test_a_worry_and_a_safety_report_are_urgent_an_ordinary_report_is_not(
    circle: World, me: Connect
) -> None:
    facilitator = await me(circle.people["facilitator"])
    message = circle.messages["member"]
    await database_sync_to_async(reports.report_message)(
        reporter=circle.people["bystander"], message_id=message.pk, clause="Honor boundaries"
    )
    assert await facilitator.nothing(timeout=0.3)
    await database_sync_to_async(reports.report_message)(
        reporter=circle.people["t_member"], message_id=message.pk, clause="Safety concern"
    )
    assert (await facilitator.alerts())["urgent"] == 1  # the same item, now urgent
    await database_sync_to_async(reports.worried_about)(
        member=circle.people["bystander"], message_id=circle.messages["t_member"].pk
    )
    assert (await facilitator.alerts())["urgent"] == 2
    report = await newest_urgent(circle)
    await database_sync_to_async(reports.resolve)(actor=circle.people["organizer"], report=report)
    assert (await facilitator.alerts())["urgent"] == 1  # resolved: the count goes down live


async def test_held_messages_are_counted_and_a_decision_takes_them_away(
    circle: World, me: Connect, connect: Connect
) -> None:
    await database_sync_to_async(filters.add_filter)(
        actor=circle.people["facilitator"],
        group=circle.group,
        phrase="phone number",
        action="hold",
        clause="Confidentiality",
    )
    facilitator = await me(circle.people["facilitator"])
    await say(connect, circle, "member", "Here is my phone number")
    assert (await facilitator.alerts())["held"] == 1
    held = circle.messages["member"].__class__.objects.filter(held=True)
    message = await database_sync_to_async(lambda: held.get())()
    await database_sync_to_async(message_actions.approve_held)(
        actor=circle.people["t_fac"], message_id=message.pk
    )
    assert (await facilitator.alerts())["held"] == 0


async def test_a_note_moves_the_unread_count(circle: World, me: Connect) -> None:
    facilitator = await me(circle.people["facilitator"])
    from moderation.actions import members

    await database_sync_to_async(members.nudge)(
        actor=circle.people["organizer"],
        membership=await database_sync_to_async(circle.membership)("facilitator"),
        clause="Honor boundaries",
        text="Thank you for tonight.",
    )
    assert (await facilitator.alerts())["notes"] == 1
    assert "Thank you" not in facilitator.raw[-1]


async def test_a_role_that_ends_zeroes_the_counts_at_once(
    circle: World, me: Connect, connect: Connect
) -> None:
    facilitator = await me(circle.people["t_fac"])
    await say(connect, circle, "bystander", CRISIS)
    assert (await facilitator.alerts())["urgent"] == 1
    await database_sync_to_async(member_actions.set_facilitator)(
        actor=circle.people["owner"],
        group=circle.group,
        user=circle.people["t_fac"],
        facilitator=False,
    )
    alerts = await facilitator.alerts(timeout=1)
    assert alerts["moderates"] is False and alerts["urgent"] == 0
    assert alerts["urgent_item"] is None


async def test_a_session_that_ends_closes_the_socket(circle: World, me: Connect) -> None:
    cookie = await sync_to_async(session_cookie)(circle.people["member"])
    member = await me(circle.people["member"], cookie)

    @database_sync_to_async
    def sign_out() -> None:
        key = cookie.decode().split("=", 1)[1]
        Session.objects.filter(session_key=key).delete()
        cache.clear()  # cached sessions, with REDIS_URL
        events.recheck_user(circle.people["member"].pk)

    await sign_out()
    assert await member.closed() == 4401


async def test_signing_out_closes_that_sessions_personal_socket_at_once(
    circle: World, me: Connect
) -> None:
    member = circle.people["member"]
    cookie = await sync_to_async(session_cookie)(member)
    here = await me(member, cookie)
    elsewhere = await me(member)  # another device, still signed in
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie.decode().split("=", 1)[1]
    assert (await sync_to_async(client.post)("/accounts/logout/")).status_code == 302
    started = time.monotonic()
    assert await here.closed(timeout=1) == 4401
    assert time.monotonic() - started < 1
    assert await elsewhere.communicator.receive_nothing(timeout=0.3)


async def test_without_a_signal_the_timer_notices_a_deactivated_account(
    circle: World, me: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(personal, "recheck_interval", lambda: 0.2)
    member = await me(circle.people["member"])
    await User.objects.filter(pk=circle.people["member"].pk).aupdate(is_active=False)
    assert await member.closed(timeout=3) == 4401


async def test_the_client_has_nothing_to_say(circle: World, me: Connect) -> None:
    member = await me(circle.people["member"])
    await member.send({"type": "ping"})
    assert await member.closed() == 4429


async def test_a_socket_keeps_little_and_leaves_the_hub_when_it_closes(
    circle: World, me: Connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    found: list[personal.PersonalConsumer] = []
    real = personal.PersonalConsumer.start

    async def remember(self: personal.PersonalConsumer, user: Any) -> None:
        found.append(self)
        await real(self, user)

    monkeypatch.setattr(personal.PersonalConsumer, "start", remember)
    user = circle.people["facilitator"]
    socket = await me(user)
    (consumer,) = found
    await until(lambda: consumer.timer is not None)  # started: it has read the person
    assert isinstance(consumer.person, personal.Person)  # a few fields, not the user row
    assert consumer.scope == {"type": "websocket"}  # no headers, cookies or user kept
    assert consumer.reading is None and consumer.timer is not None
    assert vars(consumer) == {}  # everything it keeps is in its slots
    hub = get_hub()
    assert consumer in hub.groups[events.alerts_channel(user.pk)]
    await socket.close()
    await until(lambda: events.alerts_channel(user.pk) not in hub.groups)
    assert events.alerts_channel(user.pk) not in hub.groups
    assert events.user_channel(user.pk) not in hub.groups


async def test_only_the_sites_own_pages_may_open_it(circle: World) -> None:
    from community.asgi import application

    cookie = await sync_to_async(session_cookie)(circle.people["facilitator"])
    for origin in ((b"origin", b"https://elsewhere.example"), None):
        headers = [(b"cookie", cookie)] + ([origin] if origin else [])
        communicator = WebsocketCommunicator(application, "/ws/me/", headers)
        connected, _ = await communicator.connect(timeout=3)
        assert not connected  # refused at the handshake, before any count is read
        await communicator.disconnect()


async def test_a_pause_request_moves_the_notes_count_of_keepers_away_from_the_room(
    circle: World, me: Connect, connect: Connect
) -> None:
    """Issue 17 item 5: the keepers' personal sockets hear of it (a count, no words)."""
    people = circle.people
    facilitator, organizer = await me(people["facilitator"]), await me(people["organizer"])
    bystander, other_group = await me(people["bystander"]), await me(people["other_fac"])
    asker = await me(people["member"])
    room = await connect(people["member"], circle.group)
    await room.send({"type": "pause.request", "note": "Too much right now."})
    await room.receive_type("pause.ack")
    for keeper in (facilitator, organizer):
        alerts = await keeper.alerts(timeout=1)
        assert alerts["notes"] == 1 and alerts["urgent"] == 0
        assert "Too much" not in keeper.raw[-1]
    for person in (bystander, other_group, asker):
        assert await person.nothing(timeout=0.3)
