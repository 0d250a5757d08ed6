"""Persist, then broadcast: acks name stored rows, retries are idempotent, and the
sequence stays gap-free under concurrent senders."""

import asyncio
import threading
import time
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, transaction

from community.errors import Refused
from groups.actions import chat
from groups.models import Group, Message
from tests.chat import state
from tests.chat.conftest import make_room

pytestmark = pytest.mark.django_db(transaction=True)


async def test_acked_message_is_in_the_database_with_that_id_and_seq(room, connect):
    group = room["group"]
    sock = await connect(room["members"][0], group)
    acks = []
    for n in range(3):
        await sock.send({"type": "message.send", "client_id": f"c{n}", "body": f"Line {n}"})
        acks.append(await sock.receive_type("message.ack", skip=("message.new",)))
    stored = {
        m.pk: m async for m in Message.objects.filter(group=group).select_related("author__user")
    }
    assert [(a["id"], a["seq"]) for a in acks] == [(stored[a["id"]].pk, n + 1) for n, a in
                                                    enumerate(acks)]  # fmt: skip
    for n, ack in enumerate(acks):
        message = stored[ack["id"]]
        assert (message.seq, message.client_id, message.body) == (n + 1, f"c{n}", f"Line {n}")
        assert message.author.user_id == room["members"][0].pk
    assert (await Group.objects.aget(pk=group.pk)).last_seq == 3


async def test_same_client_id_and_body_gets_the_first_ack_and_no_second_row(room, connect):
    group = room["group"]
    sender = await connect(room["members"][0], group)
    listener = await connect(room["members"][1], group)
    frame = {"type": "message.send", "client_id": "retry-1", "body": "Are you there?"}
    await sender.send(frame)
    first = await sender.receive_type("message.ack")
    await listener.receive_type("message.new")
    await sender.send(frame)
    again = await sender.receive_type("message.ack", skip=("message.new",))
    assert again == first
    assert await Message.objects.filter(group=group).acount() == 1
    assert await listener.nothing()  # the room heard it once

    # After a reconnect (a new socket), the retry still finds the first message.
    await sender.close()
    reconnected = await connect(room["members"][0], group)
    await reconnected.send(frame)
    assert await reconnected.receive_type("message.ack") == first
    assert await Message.objects.filter(group=group).acount() == 1
    assert (await Group.objects.aget(pk=group.pk)).last_seq == 1


async def test_same_client_id_with_another_body_is_refused(room, connect):
    group = room["group"]
    sock = await connect(room["members"][0], group)
    await sock.send({"type": "message.send", "client_id": "c1", "body": "First words"})
    await sock.receive_type("message.ack")
    await sock.send({"type": "message.send", "client_id": "c1", "body": "Other words"})
    error = await sock.receive_type("error", skip=("message.new",))
    assert (error["code"], error["client_id"]) == ("client_id_reused", "c1")
    bodies = [m.body async for m in Message.objects.filter(group=group)]
    assert bodies == ["First words"]


async def test_client_ids_are_per_author(room, connect):
    group = room["group"]
    alice = await connect(room["members"][0], group)
    bob = await connect(room["members"][1], group)
    await alice.send({"type": "message.send", "client_id": "1", "body": "Alice"})
    await bob.send({"type": "message.send", "client_id": "1", "body": "Bob"})
    a = await alice.receive_type("message.ack", skip=("message.new",))
    b = await bob.receive_type("message.ack", skip=("message.new",))
    assert a["id"] != b["id"] and {a["seq"], b["seq"]} == {1, 2}


def test_concurrent_retries_store_one_message(transactional_db: None, fast_chat: None) -> None:
    """Two deliveries of one send racing each other (a flaky network) make one row."""
    people = make_room()
    group, member = people["group"], people["members"][0]
    barrier = threading.Barrier(6)
    results: list[Any] = []

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(chat.send_message(user=member, group=group, client_id="dup", body="x"))
        except Exception as error:  # collected and asserted below
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(not isinstance(r, Exception) for r in results), results
    assert len({r.message.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Message.objects.filter(group=group).count() == 1
    assert Group.objects.get(pk=group.pk).last_seq == 1


async def test_nothing_is_broadcast_when_the_transaction_rolls_back(room, connect):
    group, member = room["group"], room["members"][0]
    listener = await connect(room["members"][1], group)

    def send_then_fail() -> None:
        with transaction.atomic():
            chat.send_message(user=member, group=group, client_id="c1", body="Never sent")
            raise Refused("test", "The surrounding work failed.")

    with pytest.raises(Refused):
        await sync_to_async(send_then_fail)()
    assert await listener.nothing()
    assert await Message.objects.filter(group=group).acount() == 0
    # The number was not used up: the next message is still 1.
    sent = await sync_to_async(state.send)(member, group, "Now for real", client_id="c1")
    assert sent.message.seq == 1
    assert (await listener.receive_type("message.new"))["message"]["body"] == "Now for real"


async def test_the_room_hears_only_after_commit(room, connect):
    """A message is broadcast after its transaction commits, never while it is open."""
    group, member = room["group"], room["members"][0]
    listener = await connect(room["members"][1], group)
    moments: dict[str, float] = {}

    def send_slowly() -> None:
        with transaction.atomic():
            chat.send_message(user=member, group=group, client_id="c1", body="Patience")
            time.sleep(0.5)  # still uncommitted: nobody may hear of it yet
            moments["commit"] = time.monotonic()

    sending = asyncio.ensure_future(sync_to_async(send_slowly)())
    new = await listener.receive_type("message.new", timeout=5)
    moments["heard"] = time.monotonic()
    await sending
    assert new["message"]["body"] == "Patience"
    assert moments["heard"] > moments["commit"]


@pytest.mark.postgres
def test_gap_free_sequence_under_twenty_concurrent_senders(
    transactional_db: None, fast_chat: None
) -> None:
    """20 people sending at once (plus reactions racing them): seq 1..N, no gaps, no repeats."""
    senders, each = 20, 5
    people = make_room(members=senders, facilitators=0, capacity=senders + 1)
    group = people["group"]
    seed = state.send(people["members"][0], group, "Hello, everyone", client_id="seed").message
    barrier = threading.Barrier(senders)
    failures: list[BaseException] = []

    def talk(person: Any) -> None:
        try:
            barrier.wait(timeout=30)
            for n in range(each):
                chat.send_message(user=person, group=group, client_id=f"c{n}", body=f"{n}")
            chat.toggle_reaction(user=person, group=group, message_id=seed.pk, kind="care")
        except BaseException as error:  # collected and asserted below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=talk, args=(p,)) for p in people["members"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    total = 1 + senders * each
    seqs = list(Message.objects.filter(group=group).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    changes = list(Message.objects.filter(group=group).values_list("change", flat=True))
    assert len(set(changes)) == len(changes)  # every write took its own change number
    group.refresh_from_db()
    assert (group.last_seq, group.last_change) == (total, total + senders)
    assert max(changes) == group.last_change
    seed.refresh_from_db()
    assert seed.reactions == {"care": senders}
