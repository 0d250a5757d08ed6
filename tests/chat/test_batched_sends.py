"""Sends written together (groups/sending.py, chat.send_messages).

A process's sockets hand their sends to one writer, which stores everything
waiting in one transaction. Each message must still come out as if sent alone:

- numbered gap-free in its group, in the order it was sent, whatever else shares
  its transaction; one that is refused, held or a repeat leaves no hole;
- refused with its own reason, without undoing its neighbours;
- a repeat of a client id (even within the same batch) acked with the first message;
- if the transaction fails as a whole, each message is tried again on its own:
  stored once, and its rate-limit token not taken twice;
- each socket gets its own ack, and every member hears each message once.
"""

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.errors import Refused
from groups import events, sending
from groups.actions import chat
from groups.models import Group, Membership, Message
from tests.chat import state
from tests.chat.conftest import make_room


def draft(person: Any, group: Group, client_id: str, body: str, **fields: Any) -> chat.Draft:
    return chat.Draft(user=person, group=group, client_id=client_id, body=body, **fields)


def seqs(group: Group) -> list[int | None]:
    return list(Message.objects.filter(group=group).order_by("pk").values_list("seq", flat=True))


@pytest.fixture
def rooms(db: None, fast_chat: None) -> tuple[dict[str, Any], dict[str, Any]]:
    return make_room(members=3, facilitators=0), make_room(members=2, facilitators=0)


def test_one_transaction_numbers_each_group_in_the_order_sent(rooms: Any) -> None:
    first, second = rooms
    a, b, c = first["members"]
    x, y = second["members"]
    g1, g2 = first["group"], second["group"]
    # Interleaved, and the second group (a higher id) first: numbers follow each group's order.
    batch = [
        draft(x, g2, "x1", "x one"),
        draft(a, g1, "a1", "a one"),
        draft(y, g2, "y1", "y one"),
        draft(b, g1, "b1", "b one"),
        draft(c, g1, "c1", "c one"),
    ]
    for person, group in ((a, g1), (x, g2)):  # each group's rules read and cached
        chat.send_message(user=person, group=group, client_id="warm", body="Warm up")
    with CaptureQueriesContext(connection) as queries:
        outcomes = chat.send_messages(batch)
    assert [o.message.body for o in outcomes] == [d.body for d in batch]  # type: ignore[union-attr]
    assert [o.message.seq for o in outcomes] == [2, 2, 3, 3, 4]  # type: ignore[union-attr]
    assert all(o.created for o in outcomes)  # type: ignore[union-attr]
    if connection.vendor == "postgresql":
        # Two statements per message, and no savepoint of its own: one transaction
        # (a savepoint inside the test's own) holds them all.
        sql = [q["sql"] for q in queries.captured_queries]
        assert len([s for s in sql if s.startswith("WITH")]) == 2 * len(batch)
        assert len(sql) == 2 * len(batch) + 2, sql  # SAVEPOINT ... RELEASE SAVEPOINT
    assert Group.objects.get(pk=g1.pk).last_seq == 4
    assert Group.objects.get(pk=g2.pk).last_seq == 3
    for person in (b, c):  # each author (of one message here) has read their own message
        membership = Membership.objects.get(group=g1, user=person)
        assert membership.last_read_seq == Message.objects.get(author=membership).seq


def test_a_refused_message_leaves_its_neighbours_and_no_hole(rooms: Any) -> None:
    first, second = rooms
    a, b, c = first["members"]
    group = first["group"]
    state.update_membership(b, group, muted_until=timezone.now() + timedelta(hours=1))
    outcomes = chat.send_messages(
        [
            draft(a, group, "a1", "Before"),
            draft(b, group, "b1", "Muted, so refused"),
            draft(second["members"][0], group, "s1", "Not a member here"),
            draft(c, group, "c1", "x" * 5000),  # too long: refused before any number is taken
            draft(c, group, "c2", "After"),
        ]
    )
    assert outcomes[0].message.seq == 1  # type: ignore[union-attr]
    assert isinstance(outcomes[1], Refused) and outcomes[1].code == "muted"
    assert isinstance(outcomes[2], Refused) and outcomes[2].code == "not_member"
    assert isinstance(outcomes[3], Refused) and outcomes[3].code == "too_long"
    assert outcomes[4].message.seq == 2  # type: ignore[union-attr]
    assert seqs(group) == [1, 2]
    stored = Group.objects.get(pk=group.pk)
    assert stored.last_seq == 2
    assert stored.last_change == 2  # the refused gave their change numbers back too


def test_a_held_message_in_a_batch_takes_no_place_in_the_sequence(rooms: Any) -> None:
    first, _ = rooms
    a, b, _c = first["members"]
    group = first["group"]
    Group.objects.filter(pk=group.pk).update(hold_first_messages=1)
    chat.send_message(user=a, group=group, client_id="a0", body="My first, held")
    Message.objects.filter(group=group).update(held=False, seq=None)  # a facilitator let it go
    Membership.objects.filter(group=group, user=a).update(published_count=1)
    outcomes = chat.send_messages(
        [
            draft(a, group, "a1", "Published"),
            draft(b, group, "b1", "A first message: held for a facilitator"),
            draft(a, group, "a2", "Published too"),
        ]
    )
    kept = [o.message for o in outcomes]  # type: ignore[union-attr]
    assert [m.held for m in kept] == [False, True, False]
    assert [m.seq for m in kept] == [1, None, 2]
    assert Group.objects.get(pk=group.pk).last_seq == 2


def test_a_repeat_in_the_same_batch_is_acked_with_the_first(rooms: Any) -> None:
    first, _ = rooms
    a, b, _c = first["members"]
    group = first["group"]
    stored = chat.send_message(user=b, group=group, client_id="b1", body="Stored before")
    outcomes = chat.send_messages(
        [
            draft(a, group, "a1", "Once"),
            draft(a, group, "a1", "Once"),  # the same frame delivered twice
            draft(b, group, "b1", "Stored before"),  # a retry of an earlier batch's message
            draft(b, group, "b1", "Something else"),  # the same id for different words
            draft(a, group, "a2", "Next"),
        ]
    )
    once, again, retry, reused, following = outcomes
    assert once.created and not again.created  # type: ignore[union-attr]
    assert once.message.pk == again.message.pk  # type: ignore[union-attr]
    assert not retry.created and retry.message.pk == stored.message.pk  # type: ignore[union-attr]
    assert isinstance(reused, Refused) and reused.code == "client_id_reused"
    assert following.message.seq == 3  # type: ignore[union-attr]
    assert seqs(group) == [1, 2, 3]
    assert Membership.objects.get(group=group, user=a).published_count == 2


def test_a_failed_transaction_tries_each_message_alone(
    rooms: Any, chat_limits: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole transaction fails (as a deadlock would): each is stored once, on its own."""
    first, second = rooms
    a, b, _c = first["members"]
    x, _y = second["members"]
    chat_limits(RATE=0.001, BURST=1)  # one message each: a second token would be refused
    failed: list[str] = []

    def fail_the_first_transaction(execute: Any, sql: str, *args: Any) -> Any:
        if not failed and "INSERT INTO" in sql and "groups_message" in sql:
            failed.append(sql)
            raise OperationalError("deadlock detected")
        return execute(sql, *args)

    batch = [
        draft(a, first["group"], "a1", "First"),
        draft(x, second["group"], "x1", "Elsewhere"),
        draft(b, first["group"], "b1", "Second"),
    ]
    with connection.execute_wrapper(fail_the_first_transaction):
        outcomes = chat.send_messages(batch)
    assert failed
    assert [o.message.body for o in outcomes] == ["First", "Elsewhere", "Second"]  # type: ignore[union-attr]
    assert seqs(first["group"]) == [1, 2] and seqs(second["group"]) == [1]
    assert Message.objects.count() == 3


def test_a_bug_in_one_message_stays_with_that_message(
    rooms: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = rooms
    a, b, c = first["members"]
    group = first["group"]
    real = chat.render_chat

    def render(body: str) -> str:
        if body == "Trips a bug":
            raise ValueError("a bug in rendering")
        return real(body)

    monkeypatch.setattr(chat, "render_chat", render)
    outcomes = chat.send_messages(
        [
            draft(a, group, "a1", "Fine"),
            draft(b, group, "b1", "Trips a bug"),
            draft(c, group, "c1", "Fine too"),
        ]
    )
    assert isinstance(outcomes[1], ValueError)
    assert [outcomes[0].message.seq, outcomes[2].message.seq] == [1, 2]  # type: ignore[union-attr]
    assert seqs(group) == [1, 2]  # nothing half-written for the failed one


def test_a_writer_gets_the_batchs_events_in_commit_order(
    rooms: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The writer's loop sends them itself (no thread waiting on the loop per event)."""
    first, second = rooms
    a, b, _c = first["members"]
    x, _y = second["members"]
    g1, g2 = first["group"], second["group"]
    batch = [draft(x, g2, "x1", "Elsewhere"), draft(a, g1, "a1", "One"), draft(b, g1, "b1", "Two")]
    # The capture stands for the commit: the test runs inside a transaction of its own.
    with events.held() as released, django_capture_on_commit_callbacks(execute=True):
        chat.send_messages(batch)
        assert released == []  # nothing before the commit
    heard = [(to, json.loads(event["text"])["message"]["body"]) for to, event in released]
    # The batch's commit order: groups by id, each group's messages as sent.
    assert heard == [
        (events.group_channel(g1.pk), "One"),
        (events.group_channel(g1.pk), "Two"),
        (events.group_channel(g2.pk), "Elsewhere"),
    ]
    assert all(event["to"] == to for to, event in released)  # addressed for the hub


def test_a_lone_send_that_fails_raises_as_before(rooms: Any) -> None:
    first, _ = rooms
    a = first["members"][0]

    def fail(execute: Any, sql: str, *args: Any) -> Any:
        raise OperationalError("the server went away")

    with pytest.raises(OperationalError), connection.execute_wrapper(fail):
        chat.send_message(user=a, group=first["group"], client_id="a1", body="Lost?")
    assert not Message.objects.exists()


# --- Through the process's writer ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_sockets_sending_at_once_share_a_transaction_and_hear_each_message_once(
    fast_chat: None, connect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await sync_to_async(make_room)(members=6, facilitators=0)
    group, members = people["group"], people["members"]
    batches: list[int] = []
    real = sending._send_messages

    async def counted(drafts: list[chat.Draft]) -> Any:
        batches.append(len(drafts))
        return await real(drafts)

    monkeypatch.setattr(sending, "_send_messages", counted)
    sockets = [await connect(person, group) for person in members]
    await asyncio.gather(
        *(
            sending.send_message(user=p, group=group, client_id=f"{n}-{k}", body=f"{n}/{k}")
            for k in range(3)
            for n, p in enumerate(members)
        )
    )
    assert sum(batches) == 18 and len(batches) < 18  # shared: fewer transactions than sends
    for index, socket in enumerate(sockets):
        heard = [
            (await socket.receive_type("message.new", timeout=5))["message"] for _ in range(18)
        ]
        assert [m["seq"] for m in heard] == list(range(1, 19)), index  # in order, once each
        assert await socket.nothing()


@pytest.mark.django_db(transaction=True)
async def test_each_frame_gets_its_own_ack_or_refusal(fast_chat: None, connect: Any) -> None:
    people = await sync_to_async(make_room)(members=3, facilitators=0)
    group, (a, b, c) = people["group"], people["members"]
    await sync_to_async(state.update_membership)(
        c, group, muted_until=timezone.now() + timedelta(hours=1)
    )
    sockets = [await connect(person, group) for person in (a, b, c)]
    for n, socket in enumerate(sockets):
        await socket.send({"type": "message.send", "client_id": f"m{n}", "body": f"From {n}"})
    acks = [
        await socket.receive_type("message.ack", skip=("message.new",)) for socket in sockets[:2]
    ]
    assert [ack["client_id"] for ack in acks] == ["m0", "m1"]
    assert sorted(ack["seq"] for ack in acks) == [1, 2]
    refusal = await sockets[2].receive_type("error", skip=("message.new",))
    assert (refusal["code"], refusal["client_id"]) == ("muted", "m2")


@pytest.mark.django_db(transaction=True)
async def test_a_socket_that_stops_waiting_does_not_stop_the_others(fast_chat: None) -> None:
    people = await sync_to_async(make_room)(members=3, facilitators=0)
    group, (a, b, c) = people["group"], people["members"]
    sends = [
        asyncio.ensure_future(
            sending.send_message(user=p, group=group, client_id=f"{p.pk}", body="Hi")
        )
        for p in (a, b, c)
    ]
    await asyncio.sleep(0)
    sends[1].cancel()  # that socket closed while its send waited
    done = await asyncio.gather(*sends, return_exceptions=True)
    assert isinstance(done[1], asyncio.CancelledError)
    assert done[0].created and done[2].created  # type: ignore[union-attr]
    # Its message was stored all the same, as a lone send's would be once begun.
    assert await Message.objects.filter(group=group).acount() == 3


@pytest.mark.django_db(transaction=True)
async def test_a_writer_failure_reaches_every_waiting_socket(
    fast_chat: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await sync_to_async(make_room)(members=2, facilitators=0)
    group, (a, b) = people["group"], people["members"]

    async def broken(drafts: list[chat.Draft]) -> Any:
        raise RuntimeError("the database thread pool is gone")

    monkeypatch.setattr(sending, "_send_messages", broken)
    done = await asyncio.gather(
        *(sending.send_message(user=p, group=group, client_id="1", body="Hi") for p in (a, b)),
        return_exceptions=True,
    )
    assert [type(d) for d in done] == [RuntimeError, RuntimeError]
    monkeypatch.undo()
    # The writer is not stuck: the next send goes through.
    sent = await sending.send_message(user=a, group=group, client_id="2", body="Again")
    assert sent.message.seq == 1


@pytest.mark.django_db(transaction=True)
async def test_a_send_right_after_a_writer_finishes_is_not_left_waiting(
    fast_chat: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer that just finished is still a task for a moment: the line must not stall."""
    monkeypatch.setattr(sending, "WRITERS", 1)
    people = await sync_to_async(make_room)(members=1, facilitators=0)
    group, (member,) = people["group"], people["members"]
    for n in range(5):
        sent = await asyncio.wait_for(
            sending.send_message(user=member, group=group, client_id=f"{n}", body=f"{n}"), 10
        )
        assert sent.message.seq == n + 1
