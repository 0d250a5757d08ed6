"""Every frame type of docs/protocol.md, client → server and server → client."""

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone

from groups import events
from groups.actions import groups as group_actions
from groups.models import Group, Membership, Message, MessageRevision
from tests.chat import state
from tests.chat.conftest import make_room

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE_KEYS = {
    "id", "seq", "change", "client_id", "author", "body", "html", "intent", "content_warning",
    "created_at", "edited", "deleted", "hidden", "held", "reactions", "resource",
}  # fmt: skip


async def test_hello_describes_room_person_and_numbers(room, connect):
    group, member = room["group"], room["members"][0]
    await sync_to_async(state.send_many)(room["members"][1], group, 2)
    sock = await connect(member, group)
    hello = sock.hello
    mine = await sync_to_async(state.membership)(member, group)
    assert hello["room"] == {
        "type": "room.state", "paused": False, "paused_until": None, "pause_message": "",
        "slow_mode": 0, "agreement_version": 1, "archived": False,
    }  # fmt: skip
    assert hello["me"] == {
        "id": mine.pk, "name": "Member 1", "role": "member", "can_post": True,
        "needs_consent": False, "muted_until": None, "mute_reason": "",
    }  # fmt: skip
    assert (hello["last_seq"], hello["last_change"]) == (2, 2)
    assert [r["key"] for r in hello["reactions"]] == ["heard", "care", "metoo", "thanks"]
    assert [i["key"] for i in hello["intents"]] == ["sharing", "listening", "advice", "celebrating"]
    assert all(r["label"] for r in hello["reactions"] + hello["intents"])
    assert hello["limits"] == {"max_body": 4000}


async def test_send_acks_the_stored_message_and_tells_the_room(room, connect):
    group = room["group"]
    alice = await connect(room["members"][0], group)
    bob = await connect(room["members"][1], group)
    await alice.send(
        {
            "type": "message.send", "client_id": "9b2f0c1e", "body": "Today was heavy.\n<b>hi</b>",
            "intent": "listening", "content_warning": "grief",
        }
    )  # fmt: skip
    ack = await alice.receive_type("message.ack")
    assert ack == {"type": "message.ack", "client_id": "9b2f0c1e", "id": ack["id"], "seq": 1,
                   "held": False}  # fmt: skip
    stored = await Message.objects.select_related("author__user").aget(pk=ack["id"])
    assert (stored.seq, stored.body, stored.author.user_id) == (
        1, "Today was heavy.\n<b>hi</b>", room["members"][0].pk,
    )  # fmt: skip
    new = (await bob.receive_type("message.new"))["message"]
    assert set(new) == MESSAGE_KEYS
    assert new["id"] == ack["id"] and new["seq"] == 1 and new["change"] == 1
    assert new["author"]["name"] == "Member 1" and new["author"]["role"] == "member"
    assert new["html"] == "Today was heavy.<br>\n&lt;b&gt;hi&lt;/b&gt;"
    assert (new["intent"], new["content_warning"]) == ("listening", "grief")
    assert new["edited"] is False and new["deleted"] is False and new["hidden"] is None
    # The sender's other tabs hear it too; its own socket gets the same event after the ack.
    assert (await alice.receive_type("message.new"))["message"] == new


async def said_to_bob(room: dict[str, Any], connect: Any, body: str) -> tuple[Any, Any, dict]:
    """Alice's and Bob's sockets once Alice's `body` reached Bob; and its ack."""
    group = room["group"]
    alice = await connect(room["members"][0], group)
    bob = await connect(room["members"][1], group)
    await alice.send({"type": "message.send", "client_id": "c1", "body": body})
    ack = await alice.receive_type("message.ack")
    await bob.receive_type("message.new")
    return alice, bob, ack


async def test_edit_tells_the_room_and_keeps_the_earlier_text(room, connect):
    alice, bob, ack = await said_to_bob(room, connect, "Today was heavy.")
    await alice.send(
        {"type": "message.edit", "id": ack["id"], "body": "Today was heavy, but I got through."}
    )
    updated = (await bob.receive_type("message.updated"))["message"]
    assert updated["id"] == ack["id"] and updated["seq"] == 1
    assert updated["body"] == "Today was heavy, but I got through." and updated["edited"] is True
    assert updated["change"] == 2
    revisions = [r async for r in MessageRevision.objects.filter(message_id=ack["id"])]
    assert [r.body for r in revisions] == ["Today was heavy."]


async def test_delete_leaves_a_placeholder_without_text(room, connect):
    alice, bob, ack = await said_to_bob(room, connect, "Too much, sorry.")
    await alice.send({"type": "message.delete", "id": ack["id"]})
    removed = await bob.receive_type("message.removed")
    assert removed == {"type": "message.removed", "id": ack["id"], "seq": 1, "reason": "author",
                       "change": 2}  # fmt: skip
    stored = await Message.objects.aget(pk=ack["id"])
    assert stored.deleted_at is not None and stored.body == stored.body_html == ""
    # Deleting again is quiet and changes nothing.
    await alice.send({"type": "message.delete", "id": ack["id"]})
    await alice.send({"type": "ping"})
    await alice.receive_type("pong", skip=("message.new", "message.removed"))
    assert await bob.nothing()


async def test_reaction_toggles_on_and_off_with_counts(room, connect):
    group = room["group"]
    alice = await connect(room["members"][0], group)
    bob = await connect(room["members"][1], group)
    carol = await connect(room["facilitators"][0], group)
    await alice.send({"type": "message.send", "client_id": "c1", "body": "I got the job."})
    mid = (await alice.receive_type("message.ack"))["id"]
    for sock in (bob, carol):
        await sock.receive_type("message.new")

    await bob.send({"type": "reaction.toggle", "id": mid, "reaction": "care"})
    assert await bob.receive_type("reaction.ack", skip=("reaction.updated",)) == {
        "type": "reaction.ack", "id": mid, "reaction": "care", "on": True,
    }  # fmt: skip
    first = await alice.receive_type("reaction.updated", skip=("message.new",))
    assert first == {"type": "reaction.updated", "id": mid, "seq": 1, "reactions": {"care": 1},
                     "change": 2}  # fmt: skip
    await carol.receive_type("reaction.updated")
    await carol.send({"type": "reaction.toggle", "id": mid, "reaction": "care"})
    assert (await alice.receive_type("reaction.updated"))["reactions"] == {"care": 2}
    await bob.send({"type": "reaction.toggle", "id": mid, "reaction": "care"})
    assert (await bob.receive_type("reaction.ack", skip=("reaction.updated",)))["on"] is False
    last = await alice.receive_type("reaction.updated")
    assert last["reactions"] == {"care": 1} and last["change"] == 4
    assert (await Message.objects.aget(pk=mid)).reactions == {"care": 1}


async def test_typing_reaches_the_room_at_most_every_three_seconds(room, connect):
    group = room["group"]
    alice = await connect(room["members"][0], group)
    bob = await connect(room["members"][1], group)
    before = await sync_to_async(state.snapshot)(group)
    await alice.send({"type": "typing"})
    mine = await sync_to_async(state.membership)(room["members"][0], group)
    assert await bob.receive_type("typing") == {
        "type": "typing", "member": {"id": mine.pk, "name": "Member 1"},
    }  # fmt: skip
    await alice.send({"type": "typing"})
    await alice.send({"type": "typing"})
    assert await bob.nothing()
    # Never stored.
    assert await sync_to_async(state.snapshot)(group) == before


async def test_typing_from_someone_who_may_not_post_is_not_shown(room, connect):
    group, member = room["group"], room["members"][0]
    alice = await connect(member, group)
    bob = await connect(room["members"][1], group)

    def mute() -> None:
        with transaction.atomic():
            state.update_membership(member, group, muted_until=timezone.now() + timedelta(hours=1))
            events.recheck_user(member.pk, group_id=group.pk)

    await sync_to_async(mute)()
    assert (await alice.receive_type("me"))["me"]["can_post"] is False
    await alice.send({"type": "typing"})
    assert await bob.nothing()


async def test_sync_returns_what_came_after(room, connect):
    group = room["group"]
    await sync_to_async(state.send_many)(room["members"][1], group, 4)
    sock = await connect(room["members"][0], group)
    await sock.send({"type": "sync", "after_seq": 2})
    batch = await sock.receive_type("sync.batch")
    assert [m["body"] for m in batch["messages"]] == ["m3", "m4"]
    assert [m["seq"] for m in batch["messages"]] == [3, 4]
    assert batch["updates"] == []
    assert (batch["last_seq"], batch["last_change"]) == (4, 4)
    await sock.send({"type": "sync", "after_seq": 4})
    assert (await sock.receive_type("sync.batch"))["messages"] == []


async def test_read_marker_follows_live_messages_never_backwards(room, connect, consumer_clock):
    """`read` answers nothing; it stores how far the person has read, for unread counts."""
    group, reader = room["group"], room["members"][0]
    sock = await connect(reader, group)  # the room is empty when this socket opens
    await sync_to_async(state.send_many)(room["members"][1], group, 3)

    async def marker() -> int:
        return (await sync_to_async(state.membership)(reader, group)).last_read_seq

    await sock.send({"type": "read", "seq": 3})
    await sock.send({"type": "ping"})
    await sock.receive_type("pong", skip=("message.new",))
    assert await marker() == 3
    consumer_clock.advance(2.05)  # markers are stored at most every 2 s
    await sock.send({"type": "read", "seq": 1})
    await sock.send({"type": "ping"})
    await sock.receive_type("pong", skip=("message.new",))
    assert await marker() == 3
    consumer_clock.advance(2.05)
    await sock.send({"type": "read", "seq": 99})  # beyond the room: clamped
    await sock.send({"type": "ping"})
    await sock.receive_type("pong", skip=("message.new",))
    assert await marker() == 3


async def test_read_markers_are_throttled(room, connect):
    group, reader = room["group"], room["members"][0]
    await sync_to_async(state.send_many)(room["members"][1], group, 3)
    sock = await connect(reader, group)
    await sock.send({"type": "read", "seq": 1})
    await sock.send({"type": "read", "seq": 2})
    await sock.send({"type": "ping"})
    await sock.receive_type("pong")
    assert (await sync_to_async(state.membership)(reader, group)).last_read_seq == 1


async def test_ping_pong(room, connect):
    sock = await connect(room["members"][0], room["group"])
    await sock.send({"type": "ping"})
    assert await sock.receive_type("pong") == {"type": "pong"}


async def test_pause_sends_room_state_and_closes_composers_live(room, connect):
    group = room["group"]
    member = await connect(room["members"][0], group)
    facilitator = await connect(room["facilitators"][0], group)
    until = timezone.now() + timedelta(minutes=10)

    def pause(until: object) -> None:
        with transaction.atomic():
            state.update_group(group, paused_until=until, pause_message="Breathing together.")
            events.room_state_changed(Group.objects.get(pk=group.pk))

    await sync_to_async(pause)(until)
    for sock in (member, facilitator):
        room_state = await sock.receive_type("room.state")
        assert room_state["paused"] is True
        assert room_state["paused_until"] == until.isoformat()
        assert room_state["pause_message"] == "Breathing together."
    assert (await member.receive_type("me"))["me"]["can_post"] is False
    assert await facilitator.nothing()  # facilitators may still post: no `me`
    await sync_to_async(pause)(None)
    assert (await member.receive_type("room.state"))["paused"] is False
    assert (await member.receive_type("me"))["me"]["can_post"] is True


async def test_new_agreement_asks_for_consent_live(room, connect):
    group = room["group"]
    sock = await connect(room["members"][0], group)
    await sync_to_async(group_actions.publish_agreement)(
        actor=room["organizer"], group=group, clauses=[("Be gentle", "With everyone.")]
    )
    assert (await sock.receive_type("room.state"))["agreement_version"] == 2
    me = (await sock.receive_type("me"))["me"]
    assert me["can_post"] is False and me["needs_consent"] is True


async def test_mute_reaches_the_person_as_me(room, connect):
    group, member = room["group"], room["members"][0]
    sock = await connect(member, group)
    other = await connect(room["members"][1], group)
    until = timezone.now() + timedelta(hours=1)

    def mute() -> None:
        with transaction.atomic():
            state.update_membership(member, group, muted_until=until, mute_reason="A pause.")
            events.recheck_user(member.pk, group_id=group.pk)

    await sync_to_async(mute)()
    me = (await sock.receive_type("me"))["me"]
    assert me["can_post"] is False
    assert me["muted_until"] == until.isoformat() and me["mute_reason"] == "A pause."
    assert await other.nothing()  # private


async def test_notice_is_private_to_the_person_and_the_group(room, connect):
    group, member = room["group"], room["members"][0]
    other_room = await sync_to_async(make_room)(members=0, facilitators=0)
    sock = await connect(member, group)
    other = await connect(room["members"][1], group)
    notice = {"type": "notice", "kind": "care", "title": "If you need it", "text": "Help is near."}

    def tell(group_id: int | None) -> None:
        with transaction.atomic():
            events.to_user(member.pk, notice, group_id=group_id)

    await sync_to_async(tell)(group.pk)
    assert await sock.receive_type("notice") == notice
    await sync_to_async(tell)(None)  # anywhere the person is
    assert await sock.receive_type("notice") == notice
    await sync_to_async(tell)(other_room["group"].pk)  # about another group
    assert await sock.nothing()
    assert await other.nothing()


async def test_held_message_reaches_only_its_author(room, connect):
    group = room["group"]
    await sync_to_async(state.update_group)(group, hold_first_messages=1)
    newcomer = await connect(room["members"][0], group)
    member = await connect(room["members"][1], group)
    facilitator = await connect(room["facilitators"][0], group)
    await newcomer.send({"type": "message.send", "client_id": "c1", "body": "Hello, I'm new."})
    ack = await newcomer.receive_type("message.ack")
    assert ack["held"] is True and ack["seq"] is None
    new = (await newcomer.receive_type("message.new"))["message"]
    assert new["held"] is True and new["seq"] is None and new["body"] == "Hello, I'm new."
    assert await member.nothing()
    assert await facilitator.nothing()
    # The room's numbers skipped nothing: the next published message is seq 1.
    await facilitator.send({"type": "message.send", "client_id": "c2", "body": "Welcome!"})
    assert (await facilitator.receive_type("message.ack"))["seq"] == 1
    # A retry of the held message acks again, without a second copy.
    await newcomer.send({"type": "message.send", "client_id": "c1", "body": "Hello, I'm new."})
    again = await newcomer.receive_type("message.ack", skip=("message.new",))
    assert again["id"] == ack["id"] and again["held"] is True
    mine = await sync_to_async(state.membership)(room["members"][0], group)
    assert await Message.objects.filter(author=mine).acount() == 1


async def test_membership_row_counts_published_messages(room, connect):
    """The author's read marker moves with their own message (they have read it)."""
    group, member = room["group"], room["members"][0]
    sock = await connect(member, group)
    await sock.send({"type": "message.send", "client_id": "c1", "body": "hi"})
    await sock.receive_type("message.ack")
    mine = await Membership.objects.aget(user=member, group=group)
    assert (mine.last_read_seq, mine.published_count) == (1, 1)
