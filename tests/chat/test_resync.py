"""Resync: the database is the source of truth when the channel layer loses something."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from groups.actions import chat
from groups.models import Message
from tests.chat import state
from tests.chat.conftest import errors

pytestmark = pytest.mark.django_db(transaction=True)


async def test_missed_broadcast_arrives_once_through_sync(room, connect, lose_next_message):
    group = room["group"]
    alice = await connect(room["members"][0], group)
    bob = await connect(room["members"][1], group)

    await alice.send({"type": "message.send", "client_id": "c1", "body": "Lost in transit"})
    ack = await alice.receive_type("message.ack")
    # Stored and acknowledged, even though nobody was told.
    assert ack["seq"] == 1 and lose_next_message["count"] == 1
    assert await Message.objects.filter(pk=ack["id"]).aexists()
    assert await bob.nothing()

    await alice.send({"type": "message.send", "client_id": "c2", "body": "Second"})
    await alice.receive_type("message.ack", skip=("message.new",))
    second = await bob.receive_type("message.new")
    assert second["message"]["seq"] == 2  # Bob's client sees the gap after 0 ...

    await bob.send({"type": "sync", "after_seq": 0})  # ... and asks for it
    batch = await bob.receive_type("sync.batch")
    assert [(m["seq"], m["body"]) for m in batch["messages"]] == [
        (1, "Lost in transit"),
        (2, "Second"),
    ]
    assert batch["last_seq"] == 2
    # The lost message never turns up a second time.
    assert await bob.nothing()


async def test_failed_broadcast_is_not_reported_as_a_failed_send(
    room, connect, lose_next_message, server_log
):
    """The message is stored: the sender gets its ack, not `server_error` (which means
    nothing was written), and a retry under the same id changes nothing."""
    group = room["group"]
    alice = await connect(room["members"][0], group)
    frame = {"type": "message.send", "client_id": "c1", "body": "Stored anyway"}
    await alice.send(frame)
    ack = await alice.receive_type("message.ack")
    await alice.send(frame)
    assert await alice.receive_type("message.ack") == ack
    assert await Message.objects.filter(group=group).acount() == 1
    # The layer's failure is ours to see in the log (without the message's text).
    assert [r for r in errors(server_log) if "broadcast after commit" in r.getMessage()]
    logged = "\n".join(r.getMessage() for r in server_log.records)
    assert "Stored anyway" not in logged


async def test_changes_made_while_away_arrive_as_updates(room, connect):
    group = room["group"]
    author, reactor = room["members"]
    first, second, third = (
        m.message
        for m in [
            await sync_to_async(state.send)(author, group, body, client_id=body)
            for body in ("one", "two", "three")
        ]
    )
    away = await connect(reactor, group)
    seen_seq, seen_change = away.hello["last_seq"], away.hello["last_change"]
    assert (seen_seq, seen_change) == (3, 3)
    await away.close()

    def meanwhile() -> None:
        chat.edit_message(user=author, group=group, message_id=first.pk, body="one, edited")
        chat.delete_message(user=author, group=group, message_id=second.pk)
        chat.toggle_reaction(user=author, group=group, message_id=first.pk, kind="heard")
        state.send(author, group, "four", client_id="four")

    await sync_to_async(meanwhile)()
    back = await connect(reactor, group)
    await back.send({"type": "sync", "after_seq": seen_seq, "after_change": seen_change})
    batch = await back.receive_type("sync.batch")
    assert [m["body"] for m in batch["messages"]] == ["four"]
    updates = {m["id"]: m for m in batch["updates"]}
    assert list(updates) == [second.pk, first.pk]  # in change order, each once
    assert updates[first.pk]["body"] == "one, edited" and updates[first.pk]["edited"] is True
    assert updates[first.pk]["reactions"] == {"heard": 1}
    assert updates[second.pk]["deleted"] is True
    assert updates[second.pk]["body"] == updates[second.pk]["html"] == ""
    assert third.pk not in updates
    assert (batch["last_seq"], batch["last_change"]) == (4, 7)
    # Caught up: asking again from the new numbers returns nothing.
    await back.send({"type": "sync", "after_seq": 4, "after_change": 7})
    again = await back.receive_type("sync.batch")
    assert again["messages"] == [] and again["updates"] == []


async def test_hidden_message_in_sync_withholds_text_from_members_only(room, connect):
    group = room["group"]
    sent = await sync_to_async(state.send)(room["members"][0], group, "Hurtful", client_id="h")
    await Message.objects.filter(pk=sent.message.pk).aupdate(
        hidden_at=timezone.now(), hidden_clause="Inherent worth"
    )
    member = await connect(room["members"][1], group)
    facilitator = await connect(room["facilitators"][0], group)
    for sock, body in ((member, ""), (facilitator, "Hurtful")):
        await sock.send({"type": "sync", "after_seq": 0})
        (message,) = (await sock.receive_type("sync.batch"))["messages"]
        assert message["hidden"] == {"clause": "Inherent worth"}
        assert message["body"] == body


async def test_beyond_the_cap_the_server_says_reload(room, connect, chat_limits, fast_chat):
    chat_limits(SYNC_CAP=3)
    group, author = room["group"], room["members"][0]
    await sync_to_async(state.send_many)(author, group, 7)
    sock = await connect(room["members"][1], group)

    await sock.send({"type": "sync", "after_seq": 4})  # exactly the cap: a batch
    assert [m["seq"] for m in (await sock.receive_type("sync.batch"))["messages"]] == [5, 6, 7]
    await sock.send({"type": "sync", "after_seq": 3})  # one more than the cap
    reload = await sock.receive_type("sync.reload")
    assert reload["detail"].endswith(".") and set(reload) == {"type", "detail"}

    # Too many changed earlier messages also means reload.
    def edit_four() -> None:
        for message in Message.objects.filter(group=group, seq__lte=4):
            chat.edit_message(user=author, group=group, message_id=message.pk, body="edited")

    await sync_to_async(edit_four)()
    await sock.send({"type": "sync", "after_seq": 7, "after_change": 7})
    await sock.receive_type("sync.reload", skip=("message.updated",))


async def test_sync_after_an_old_edit_window_still_returns_it(room, connect):
    """Updates come by change number, however old the message is."""
    group, author = room["group"], room["members"][0]
    sent = await sync_to_async(state.send)(author, group, "old news", client_id="o")
    await Message.objects.filter(pk=sent.message.pk).aupdate(
        created_at=timezone.now() - timedelta(days=30)
    )
    sock = await connect(room["members"][1], group)
    await sync_to_async(chat.delete_message)(user=author, group=group, message_id=sent.message.pk)
    await sock.send({"type": "sync", "after_seq": 1, "after_change": 1})
    (update,) = (await sock.receive_type("sync.batch", skip=("message.removed",)))["updates"]
    assert update["id"] == sent.message.pk and update["deleted"] is True


async def test_a_client_that_missed_nothing_is_answered_from_the_room_numbers(room, connect):
    """Most reconnects missed nothing: their sync is answered from the room's numbers
    alone (one small read, not the messages' query), and what comes after still
    arrives live; a client that is one behind, or one change behind, gets it."""
    from groups.consumers import sync_batch

    group = room["group"]
    alice = await connect(room["members"][0], group)
    await alice.send({"type": "message.send", "client_id": "c1", "body": "First"})
    await alice.receive_type("message.ack", skip=("message.new",))
    bob = await connect(room["members"][1], group)
    assert (bob.hello["last_seq"], bob.hello["last_change"]) == (1, 1)

    membership = await sync_to_async(state.membership)(room["members"][1], group)

    def answer(after_seq: int, after_change: int) -> tuple[dict, int]:
        with CaptureQueriesContext(connection) as queries:
            batch = sync_batch.func(group, membership, after_seq, after_change, keeper=False)
        return batch, len(queries)

    caught_up, queries = await sync_to_async(answer)(1, 1)
    assert queries == 1
    assert caught_up == {
        "type": "sync.batch",
        "messages": [],
        "updates": [],
        "last_seq": 1,
        "last_change": 1,
        "session": None,
    }
    behind, _ = await sync_to_async(answer)(0, 1)
    assert [m["body"] for m in behind["messages"]] == ["First"] and behind["last_seq"] == 1

    # Over the socket too; and the next message comes live after the empty answer.
    # (On Redis, the first message's broadcast may reach Bob's new socket after its
    # ack reached Alice: a repeat the client drops by its number.)
    await bob.send({"type": "sync", "after_seq": 1, "after_change": 1})
    batch = await bob.receive_type("sync.batch", skip=("message.new",))
    assert (batch["messages"], batch["updates"], batch["last_seq"]) == ([], [], 1)
    await alice.send({"type": "message.send", "client_id": "c2", "body": "Second"})
    live = await bob.receive_type("message.new")
    while live["message"]["seq"] == 1:
        live = await bob.receive_type("message.new")
    assert (live["message"]["seq"], live["message"]["body"]) == (2, "Second")

    # An edit since: one change behind gets the update.
    await sync_to_async(chat.edit_message)(
        user=room["members"][0], group=group, message_id=live["message"]["id"], body="Second!"
    )
    await bob.receive_type("message.updated", skip=("message.new",))
    edited, _ = await sync_to_async(answer)(2, 2)
    assert [m["body"] for m in edited["updates"]] == ["Second!"]
