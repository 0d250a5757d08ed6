"""Mute and block on open sockets (issue 16 item 1), in one process.

A mute folds the person's messages in the muter's client (from the list the
socket sends, `boundaries`) and leaves their typing and presence out of the
muter's socket; a block also refuses their reactions to the blocker's messages
and leaves the blocker's typing and presence out of their socket. The other
person hears nothing of it. The same across two processes: test_two_processes.py.
"""

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from groups.actions import boundaries, chat
from groups.actions import membership as member_actions
from tests.chat import state
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

set_boundary = sync_to_async(boundaries.set_boundary)
react = sync_to_async(chat.toggle_reaction)


async def here_ids(sock: Any) -> set[int]:
    return {p["id"] for p in (await sock.receive_type("presence"))["here"]}


async def settle(*socks: Any) -> None:
    """Let the presence announcements of the sockets just opened pass."""
    for sock in socks:
        await sock.nothing(timeout=0.3)


@pytest.fixture
def circle(room: dict[str, Any]) -> dict[str, Any]:
    """Ana and Ben (members), Cal (a member who watches), Fen (a facilitator)."""
    group = room["group"]
    ana, ben = room["members"]
    cal = make_user(display_name="Member 3")
    member_actions.join_group(user=cal, group=group, agreement_version=1)
    return {
        **room,
        "ana": ana,
        "ben": ben,
        "cal": cal,
        "fen": room["facilitators"][0],
        "ids": {
            name: state.membership(person, group).pk
            for name, person in (("ana", ana), ("ben", ben), ("cal", cal))
        },
    }


async def test_after_a_mute_the_muter_hears_the_list_and_the_muted_person_nothing(circle, connect):
    group, ids = circle["group"], circle["ids"]
    ana = await connect(circle["ana"], group)
    ben = await connect(circle["ben"], group)
    cal = await connect(circle["cal"], group)
    await settle(ana, ben, cal)
    assert ana.hello["boundaries"] == {}

    await set_boundary(user=circle["ana"], group=group, target_id=ids["ben"], kind="mute")
    told = await ana.receive_type("boundaries")
    assert told["boundaries"] == {str(ids["ben"]): "mute"}
    assert await ben.nothing(ignore=())  # not a word, not even a presence refresh
    assert await cal.nothing(ignore=())

    # Ben's next message reaches everyone, Ana's client included, as the same payload:
    # Ana's client folds it from her list (the server renders history folded too).
    await ben.send({"type": "message.send", "client_id": "b1", "body": "Rough day today."})
    await ben.receive_type("message.ack")
    for sock in (ana, cal):
        new = await sock.receive_type("message.new")
        assert new["message"]["author"]["id"] == ids["ben"]
        assert new["message"]["body"] == "Rough day today."

    # Ben's typing reaches Cal, not Ana.
    await ben.send({"type": "typing"})
    assert (await cal.receive_type("typing"))["member"]["id"] == ids["ben"]
    assert await ana.nothing(ignore=())

    # A fresh socket of Ana's hears the list in its hello.
    again = await connect(circle["ana"], group)
    assert again.hello["boundaries"] == {str(ids["ben"]): "mute"}


async def test_a_muted_person_is_left_out_of_the_muters_presence(circle, connect):
    group, ids = circle["group"], circle["ids"]
    await set_boundary(user=circle["ana"], group=group, target_id=ids["ben"], kind="mute")
    ben = await connect(circle["ben"], group)
    await settle(ben)
    ana = await connect(circle["ana"], group)
    assert await here_ids(ana) == {ids["ana"]}
    cal = await connect(circle["cal"], group)
    assert await here_ids(ana) == {ids["ana"], ids["cal"]}
    # Ben still sees Ana (a mute is one-way and quiet).
    assert ids["ana"] in await here_ids(ben)
    await settle(cal)


async def test_unmute_restores_typing_and_presence_and_tells_the_list(circle, connect):
    group, ids = circle["group"], circle["ids"]
    await set_boundary(user=circle["ana"], group=group, target_id=ids["ben"], kind="mute")
    ben = await connect(circle["ben"], group)
    ana = await connect(circle["ana"], group)
    await settle(ben, ana)
    await set_boundary(user=circle["ana"], group=group, target_id=ids["ben"], kind="none")
    assert (await ana.receive_type("boundaries"))["boundaries"] == {}
    # Ana's socket shows Ben here again at once.
    assert await here_ids(ana) == {ids["ana"], ids["ben"]}
    await ben.send({"type": "typing"})
    assert (await ana.receive_type("typing"))["member"]["id"] == ids["ben"]
    assert await ben.nothing(ignore=("typing",))


async def test_a_block_refuses_the_blocked_persons_reactions_with_a_clear_error(circle, connect):
    group, ids = circle["group"], circle["ids"]
    mine = (
        await sync_to_async(state.send)(circle["ana"], group, "Thank you all for tonight.")
    ).message
    earlier = await react(user=circle["ben"], group=group, message_id=mine.pk, kind="care")
    assert earlier is True
    ben = await connect(circle["ben"], group)
    cal = await connect(circle["cal"], group)
    await settle(ben, cal)
    await set_boundary(user=circle["ana"], group=group, target_id=ids["ben"], kind="block")

    await ben.send({"type": "reaction.toggle", "id": mine.pk, "reaction": "heard"})
    error = await ben.receive_type("error")
    assert error["code"] == "reaction_unavailable"
    assert "block" not in error["detail"].lower()
    assert "Member 1" not in error["detail"]  # names nobody
    assert error["detail"].startswith("Reactions to this message aren't available to you.")
    # Taking back a reaction given before the block still works.
    await ben.send({"type": "reaction.toggle", "id": mine.pk, "reaction": "care"})
    assert (await ben.receive_type("reaction.ack", skip=("reaction.updated",)))["on"] is False
    # Others react as before.
    await cal.send({"type": "reaction.toggle", "id": mine.pk, "reaction": "heard"})
    ack = await cal.receive_type("reaction.ack", skip=("reaction.updated",))
    assert ack["on"] is True
    # Ben may still react to Cal's messages.
    theirs = (await sync_to_async(state.send)(circle["cal"], group, "Same here.")).message
    assert await react(user=circle["ben"], group=group, message_id=theirs.pk, kind="heard")


async def test_a_block_hides_the_blocker_from_the_blocked_persons_socket(circle, connect):
    group, ids = circle["group"], circle["ids"]
    ana = await connect(circle["ana"], group)
    ben = await connect(circle["ben"], group)
    await settle(ana, ben)
    await set_boundary(user=circle["ana"], group=group, target_id=ids["ben"], kind="block")
    assert (await ana.receive_type("boundaries"))["boundaries"] == {str(ids["ben"]): "block"}
    assert await here_ids(ana) == {ids["ana"]}  # Ana's view leaves Ben out at once
    # Ben's socket sends itself who is here without Ana; it never hears of a boundary.
    refreshed = await ben.receive()
    assert refreshed == {
        "type": "presence",
        "here": [{"id": ids["ben"], "name": "Member 2", "role": "member"}],
    }
    await ana.send({"type": "typing"})
    assert await ben.nothing(ignore=())
    cal = await connect(circle["cal"], group)
    assert await here_ids(ben) == {ids["ben"], ids["cal"]}
    assert await here_ids(cal) == {ids["ana"], ids["ben"], ids["cal"]}
    # Ana's own view leaves Ben out too (a block is a mute as well).
    assert await here_ids(ana) == {ids["ana"], ids["cal"]}


async def test_a_block_does_not_hide_the_blocker_from_the_groups_facilitators(circle, connect):
    group, ids = circle["group"], circle["ids"]
    fen_id = (await sync_to_async(state.membership)(circle["fen"], group)).pk
    await set_boundary(user=circle["ana"], group=group, target_id=fen_id, kind="block")
    ana = await connect(circle["ana"], group)
    fen = await connect(circle["fen"], group)
    assert ids["ana"] in await here_ids(fen)
    await settle(ana)
    await ana.send({"type": "typing"})
    assert (await fen.receive_type("typing"))["member"]["id"] == ids["ana"]


async def test_a_boundary_lost_on_its_way_is_picked_up_by_the_recheck(circle, connect, monkeypatch):
    """The fallback re-read of standing reads boundaries too."""
    group, ids = circle["group"], circle["ids"]
    ana = await connect(circle["ana"], group)
    await settle(ana)
    monkeypatch.setattr("groups.events.boundaries_changed", lambda *a, **k: None)
    await set_boundary(user=circle["ana"], group=group, target_id=ids["ben"], kind="mute")
    assert await ana.nothing(ignore=())
    await ana.send({"type": "sync", "after_seq": 0})  # re-reads standing (older than 0.5 s)
    assert (await ana.receive_type("boundaries", skip=("sync.batch",)))["boundaries"] == {
        str(ids["ben"]): "mute"
    }


async def test_a_boundary_lifted_with_its_signal_lost_is_dropped_by_the_recheck(
    circle, connect, monkeypatch
):
    """The re-read of standing says whether any boundaries remain (the room's one read);
    when none do, the socket drops what it held and tells the client, without a read."""
    group, ids = circle["group"], circle["ids"]
    await set_boundary(user=circle["ana"], group=group, target_id=ids["ben"], kind="mute")
    ana = await connect(circle["ana"], group)
    assert ana.hello["boundaries"] == {str(ids["ben"]): "mute"}
    await settle(ana)
    monkeypatch.setattr("groups.events.boundaries_changed", lambda *a, **k: None)
    await set_boundary(user=circle["ana"], group=group, target_id=ids["ben"], kind="none")
    assert await ana.nothing(ignore=())
    await ana.send({"type": "sync", "after_seq": 0})  # re-reads standing (older than 0.5 s)
    assert (await ana.receive_type("boundaries", skip=("sync.batch",)))["boundaries"] == {}


ROLES = ["member", "muted", "stale_consent", "facilitator"]


@pytest.mark.parametrize("role", ROLES)
async def test_every_role_that_holds_the_socket_may_mute_and_hears_its_list(circle, connect, role):
    group, ids = circle["group"], circle["ids"]
    person = circle["fen"] if role == "facilitator" else circle["ana"]
    if role == "muted":
        await sync_to_async(state.update_membership)(
            person, group, muted_until=timezone.now() + timedelta(hours=1)
        )
    if role == "stale_consent":
        await sync_to_async(state.update_group)(group, agreement_version=2)
        await sync_to_async(state.update_membership)(person, group, consented_version=1)
    sock = await connect(person, group)
    ben = await connect(circle["ben"], group)
    await settle(sock, ben)
    await set_boundary(user=person, group=group, target_id=ids["ben"], kind="mute")
    assert (await sock.receive_type("boundaries", skip=("me",)))["boundaries"] == {
        str(ids["ben"]): "mute"
    }
    assert await ben.nothing(ignore=())
