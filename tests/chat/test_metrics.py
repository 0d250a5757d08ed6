"""The room's metrics move with socket traffic, and no label of any metric names a
group, a person or what they wrote (docs/deploy.md, "Metrics")."""

import re

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
                if rule is None:
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
