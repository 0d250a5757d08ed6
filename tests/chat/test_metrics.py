"""The room's metrics move with socket traffic, and no label of any metric names a
group, a person or what they wrote (docs/deploy.md, "Metrics")."""

import asyncio
import re
import time

import pytest
from asgiref.sync import sync_to_async
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from prometheus_client.parser import text_string_to_metric_families

from tests.chat.conftest import session_cookie

TOKEN = "a-long-test-token-0123456789"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("metrics_token"),
]
SECRET_BODY = "Canary words nobody may count 7f3a"


@pytest.fixture
def metrics_token():
    with override_settings(HEARTH_METRICS_TOKEN=TOKEN):
        yield


def read_metrics() -> list:
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return list(text_string_to_metric_families(response.content.decode()))


def flat(families: list) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in families
        for sample in family.samples
    }


async def snapshot() -> dict[tuple[str, tuple], float]:
    return flat(await sync_to_async(read_metrics)())


def moved(before: dict, after: dict, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_socket_counters_move_as_a_room_is_used(room, connect):
    alice, bob = room["members"]
    before = await snapshot()
    a = await connect(alice, room["group"])
    b = await connect(bob, room["group"])
    opened = await snapshot()
    assert moved(before, opened, "hearth_ws_open_sockets") == 2
    for number in range(3):
        await a.send({"type": "message.send", "client_id": f"m{number}", "body": SECRET_BODY})
        await a.receive_type("message.ack", skip=("message.new",))
    await a.send({"type": "ping"})
    await a.receive_type("pong", skip=("message.new",))
    for _ in range(3):
        await b.receive_type("message.new")
    await a.close()
    await b.close()
    after = await snapshot()

    assert moved(before, after, "hearth_ws_open_sockets") == 0
    # Send latency (frame to ack) is the handling time of message.send frames.
    assert moved(before, after, "hearth_ws_frame_duration_seconds_count", type="message.send") == 3
    assert moved(before, after, "hearth_ws_frame_duration_seconds_count", type="ping") == 1
    assert moved(before, after, "hearth_ws_frames_received_total") == 4
    assert moved(before, after, "hearth_ws_frames_sent_total", type="message.ack") == 3
    assert moved(before, after, "hearth_ws_frames_sent_total", type="message.new") >= 6
    assert moved(before, after, "hearth_ws_frames_sent_total", type="hello") == 2
    # Each message's event reached this process's hub once, however many sockets heard it.
    assert moved(before, after, "hearth_broadcast_delay_seconds_count") >= 3
    assert moved(before, after, "hearth_ws_closes_total", code="1000") == 2


async def test_a_try_again_close_is_counted_by_its_code(room, connect):
    from django.conf import settings

    (alice, _bob) = room["members"]
    socket = await connect(alice, room["group"])
    before = await snapshot()
    # A frame over the room's cap is closed with 4413; a refused socket with 4403.
    await socket.send_text("x" * (settings.HEARTH_CHAT["MAX_FRAME_BYTES"] + 1))
    assert await socket.closed() == 4413
    after = await snapshot()
    assert moved(before, after, "hearth_ws_server_closes_total", code="4413") == 1


async def room_consumer(group, person):
    """The RoomConsumer this test opened for `person` on `group`, once the heartbeat
    holds it (just after the socket's hello)."""
    from groups.consumers import RoomConsumer
    from groups.heartbeat import get_heartbeat

    for _ in range(100):
        sockets = get_heartbeat().rooms.get(group.pk, ())
        found = [c for c in sockets if isinstance(c, RoomConsumer) and c.can_read]
        found = [c for c in found if c.user.pk == person.pk]
        if found:
            (consumer,) = found
            return consumer
        await asyncio.sleep(0.02)
    raise AssertionError("the socket never joined the heartbeat")


def beat_event(sent_at: float | None = None) -> dict:
    text = '{"type":"heartbeat","last_seq":0,"last_change":0}'
    return {"type": "room.event", "text": text, "sent_at": sent_at or time.time()}


async def test_a_socket_with_a_backlog_raises_the_outbox_figures(room, connect):
    alice, _bob = room["members"]
    socket = await connect(alice, room["group"])
    consumer = await room_consumer(room["group"], alice)
    before = await snapshot()
    # While a frame is handled, events wait in the socket's outbox (as under load).
    consumer.handling = True
    for _ in range(5):
        consumer.deliver(beat_event())
    backlog = await snapshot()
    assert backlog[("hearth_ws_outbox_longest", ())] >= 5
    # (A presence event of the socket's own arrival may be waiting too.)
    assert moved(before, backlog, "hearth_ws_outbox_events") >= 5
    consumer.handling = False
    consumer.drain_soon()
    for _ in range(5):
        await socket.receive_type("heartbeat")
    await socket.nothing(timeout=0.3)
    drained = await snapshot()
    assert drained[("hearth_ws_outbox_events", ())] == 0
    assert drained[("hearth_ws_outbox_longest", ())] == 0
    await socket.close()


async def test_sync_needed_and_backlog_and_rebalance_closes_are_counted(room, connect, monkeypatch):
    from django.conf import settings

    from groups import balance, consumers

    alice, bob = room["members"]
    a = await connect(alice, room["group"])
    before = await snapshot()
    # An event far older than MAX_LAG_SECONDS: the socket is told to sync instead.
    late = time.time() - settings.HEARTH_CHAT["MAX_LAG_SECONDS"] - 5
    consumer = await room_consumer(room["group"], alice)
    consumer.deliver(beat_event(sent_at=late))
    await a.receive_type("sync.needed")
    # More than MAX_OUTBOX events waiting: the socket is closed with 4503.
    monkeypatch.setitem(consumers.LIMITS, "MAX_OUTBOX", 3)
    consumer.handling = True
    for _ in range(4):
        consumer.deliver(beat_event())
    consumer.handling = False
    consumer.drain_soon()
    assert await a.closed() == 4503
    # A rebalance's close is a 4503 too, told apart by its reason.
    b = await connect(bob, room["group"])
    await (await room_consumer(room["group"], bob)).shut(balance.CLOSE_TRY_AGAIN, balance.REASON)
    assert await b.closed() == 4503
    after = await snapshot()
    assert moved(before, after, "hearth_ws_frames_sent_total", type="sync.needed") == 1
    assert moved(before, after, "hearth_ws_server_closes_total", code="4503") == 2
    assert moved(before, after, "hearth_ws_try_again_closes_total", reason="backlog") == 1
    assert moved(before, after, "hearth_ws_try_again_closes_total", reason="rebalance") == 1


def url_names() -> set[str]:
    """Every view name the URLconf can resolve to (namespace:name)."""
    names: set[str] = set()

    def walk(patterns: list, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
                walk(pattern.url_patterns, namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{prefix}{pattern.name}")

    walk(get_resolver().url_patterns, "")
    return names


# Every label a metric may carry, and what its values may be.
LABEL_VALUES = {
    "view": None,  # checked against the URLconf's names below
    "status": re.compile(r"[1-5]xx|other"),
    "type": re.compile(r"[a-z][a-z_.]{0,39}"),
    "code": re.compile(r"\d{4}|other"),
    "service": re.compile(r"database|redis|channel_layer"),
    "reason": re.compile(r"backlog|rebalance"),
    "alias": None,  # a key of DATABASES
    "le": re.compile(r"[0-9.e+-]+|\+Inf"),
    # prometheus_client's own process and Python collectors.
    "generation": re.compile(r"\d"),
    "implementation": re.compile(r"\w+"),
    "major": re.compile(r"\d+"),
    "minor": re.compile(r"\d+"),
    "patchlevel": re.compile(r"\d+"),
    "version": re.compile(r"[\w.+]+"),
}


async def test_no_label_of_any_metric_names_a_group_a_person_or_text(room, connect):
    from django.conf import settings

    group = room["group"]
    alice, bob = room["members"]
    facilitator = room["facilitators"][0]
    # HTTP traffic: the group's pages as a member and a visitor, a missing group.
    member = Client()
    await sync_to_async(member.force_login)(alice)
    for path in (f"/groups/{group.slug}/", f"/groups/{group.slug}/agreement/", "/groups/"):
        await sync_to_async(member.get)(path)
        await sync_to_async(Client().get)(path)
    await sync_to_async(Client().get)("/groups/nobody-here-slug/")
    # Socket traffic: messages, a reaction, typing, a sync, an unknown frame, a refusal.
    a = await connect(alice, group)
    b = await connect(bob, group)
    f = await connect(facilitator, group)
    await a.send({"type": "message.send", "client_id": "canary-1", "body": SECRET_BODY})
    ack = await a.receive_type("message.ack", skip=("message.new",))
    await b.send({"type": "reaction.toggle", "id": ack["id"], "reaction": "heart"})
    await b.send({"type": "typing"})
    await b.send({"type": "sync", "after_seq": 0})
    await b.send({"type": f"{group.slug} {SECRET_BODY}"})
    await f.send({"type": "message.send", "client_id": "canary-2", "body": SECRET_BODY})
    for socket in (a, b, f):
        await socket.nothing(timeout=0.5, ignore=KNOWN_EVENTS)
    for socket in (a, b, f):
        await socket.close()

    families = await sync_to_async(read_metrics)()
    cookie = (await sync_to_async(session_cookie)(alice)).decode()
    views = url_names() | {"unresolved", "static"}
    secrets = {
        group.slug,
        group.name,
        SECRET_BODY,
        *(str(person.pk) for person in (alice, bob, facilitator)),
        *(person.email for person in (alice, bob, facilitator)),
        *(person.display_name for person in (alice, bob, facilitator)),
        cookie.split("=", 1)[1],
    }
    seen_labels: set[str] = set()
    hearth_families = 0
    for family in families:
        hearth_families += family.name.startswith("hearth_")
        for sample in family.samples:
            for label, label_value in sample.labels.items():
                seen_labels.add(label)
                assert label in LABEL_VALUES, f"{sample.name} has an unexpected label {label}"
                rule = LABEL_VALUES[label]
                if label == "alias":
                    assert label_value in settings.DATABASES, f"{sample.name}: {label_value!r}"
                elif rule is None:
                    # Views of the suite's own URLconfs (tests/community/csp_urls.py) are
                    # named by their dotted path; the registry outlives the test that used them.
                    known = label_value in views or label_value.startswith("tests.")
                    assert known, f"{sample.name}: {label}={label_value!r}"
                else:
                    assert rule.fullmatch(label_value), f"{sample.name}: {label}={label_value!r}"
                if label in {"view", "type"}:
                    assert "/" not in label_value
                    assert label_value not in secrets and group.slug not in label_value
    assert hearth_families >= 10
    assert {"view", "status", "type", "code"} <= seen_labels
    # The database pool's figures, by alias, on PostgreSQL (no pool on SQLite).
    assert ("alias" in seen_labels) == settings.IS_POSTGRES


KNOWN_EVENTS = (
    "presence",
    "typing",
    "message.new",
    "message.ack",
    "reaction.updated",
    "reaction.ack",
    "sync.batch",
    "error",
)
