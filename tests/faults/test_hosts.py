"""Hearth on several hosts behind nginx (issue 18, item 11).

Three hosts in network namespaces on one bridge (tests/faults/hosts.py): `db`
runs PostgreSQL and Redis, `a` and `b` each run `bin/serve` (A with two workers,
B with one), and `lb` runs nginx, which balances between A and B round robin,
with no stickiness, from deploy/nginx.conf (the file docs/deploy.md shows). The
test, from its own namespace on the same bridge, proves in order:

1. a message sent through host A reaches a socket on host B;
2. a ban posted to host A closes the banned member's socket on host B within 1 s;
3. with members talking through nginx, SIGKILL of host A's whole server (the
   uvicorn master and its workers) moves A's sockets to B with nothing lost:
   every acknowledged message stored exactly once, and every member ends with
   every stored message exactly once (tests/faults/test_faults.py's `scenario`).

Steps 1 and 2 open sockets straight to one host, past nginx: they must know
which host holds which socket. Step 3's members know only nginx's address.

Like the other fault tests it runs in CI only (tests/conftest.py skips the
`faults` marker without CI), as root (`ip netns`), with Debian's nginx; under CI
a missing tool fails the test rather than skipping it.
"""

import asyncio
import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from websockets.exceptions import ConnectionClosed

from groups.models import Membership, MembershipStatus
from tests.chat.conftest import make_room
from tests.faults.hosts import Balancer, Network, ServeHost
from tests.faults.test_faults import FAST, scenario
from tests.moderation.conftest import CLAUSE
from tests.multiprocess import (
    database_env,
    next_of,
    open_room,
    server_env,
    session_cookie_header,
    submit,
)
from tests.pg_server import PrivatePostgres
from tests.redis_server import PrivateRedis

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
MEMBERS = 8  # who talk through nginx in step 3; one more member is banned in step 2
BAN_WITHIN = 1.0
MOVED_WITHIN = 15.0  # seconds from the kill until B holds every member's socket


@dataclass
class Cluster:
    network: Network
    a: ServeHost
    b: ServeHost
    balancer: Balancer
    database_url: str


def _require_tools() -> None:
    """CI requires these: a missing one fails the test with what to do."""
    if os.geteuid() != 0:
        pytest.fail("the several-hosts test needs root (ip netns, veth pairs)", pytrace=False)
    if shutil.which("ip") is None:
        pytest.fail("CI requires iproute2: apt-get install -y iproute2", pytrace=False)
    if shutil.which("nginx") is None:
        pytest.fail("CI requires nginx: apt-get install -y nginx (.ci/run does)", pytrace=False)


@pytest.fixture
def people(transactional_db: None) -> dict[str, Any]:
    people = make_room(members=MEMBERS + 1, facilitators=1)
    people["cookies"] = [session_cookie_header(person) for person in people["members"]]
    people["facilitator_cookie"] = session_cookie_header(people["facilitators"][0])
    banned = people["members"][-1]
    people["banned_membership"] = Membership.objects.get(group=people["group"], user=banned).pk
    return people


@pytest.fixture
def cluster(people: dict[str, Any]) -> Iterator[Cluster]:
    _require_tools()
    network = Network("db", "a", "b", "lb")
    postgres: PrivatePostgres | None = None
    redis: PrivateRedis | None = None
    hosts: list[ServeHost] = []
    balancer: Balancer | None = None
    try:
        try:
            network.up()
        except Exception as error:
            pytest.fail(f"could not build the hosts' network (ip netns): {error}", pytrace=False)
        db = network.addresses["db"]
        postgres = PrivatePostgres(
            host=db, port=5432, network=network.network, prefix=network.exec("db")
        )
        postgres.start()
        # The people, their sessions and the room, as the suite's database holds them.
        url = postgres.copy_database(database_env()["DATABASE_URL"], "hearth_hosts")
        redis = PrivateRedis(host=db, port=6379, prefix=network.exec("db"))
        redis.start()
        env = {
            **server_env(**FAST),
            "DATABASE_URL": url,
            "REDIS_URL": redis.url,
            # The Host through nginx is the balancer's address; straight to a host, its own.
            "ALLOWED_HOSTS": ",".join(network.addresses[host] for host in ("lb", "a", "b")),
            "HEARTH_METRICS_NETWORKS": network.network,  # the test reads each host's /metrics
        }
        hosts = [
            ServeHost(network, "a", workers=2, balancer="lb", env=env),
            ServeHost(network, "b", workers=1, balancer="lb", env=env),
        ]
        for host in hosts:
            host.spawn()
        for host in hosts:
            host.wait_healthy(40)
        balancer = Balancer(network, "lb", [f"{host.host}:{host.port}" for host in hosts])
        balancer.start()
        yield Cluster(network, hosts[0], hosts[1], balancer, url)
    finally:
        if balancer is not None:
            balancer.remove()
        for host in hosts:
            host.kill()
        if redis is not None:
            redis.kill()
            shutil.rmtree(redis.directory, ignore_errors=True)
        if postgres is not None:
            postgres.remove()
        network.down()


def _status(url: str, membership_id: int) -> str:
    with psycopg.connect(url) as db:
        row = db.execute(
            "SELECT status FROM groups_membership WHERE id = %s", [membership_id]
        ).fetchone()
    return str(row[0]) if row else ""


async def _message_through_a_reaches_b(cluster: Cluster, people: dict[str, Any]) -> float:
    """Step 1: a socket on A sends; a socket on B hears it. The seconds it took."""
    slug = people["group"].slug
    sender, _ = await open_room(cluster.a, slug, people["cookies"][0])
    hearer, _ = await open_room(cluster.b, slug, people["cookies"][1])
    try:
        body = "Hello from host A"
        sent = time.monotonic()
        await sender.send(json.dumps({"type": "message.send", "client_id": "ab-1", "body": body}))
        ack = await next_of(sender, "message.ack")
        heard = await next_of(hearer, "message.new")
        took = time.monotonic() - sent
        assert heard["message"]["id"] == ack["id"] and heard["message"]["body"] == body
        return took
    finally:
        await sender.close()
        await hearer.close()


async def _ban_through_a_closes_on_b(
    cluster: Cluster, people: dict[str, Any]
) -> tuple[float, float]:
    """Step 2: the facilitator's ban form on A, used as a browser does (GET, then POST);
    the member's socket on B closes with 4403 within a second of A's answer. The
    seconds from the GET to the close, and from A's answer to the close (below zero
    when the close came first)."""
    slug = people["group"].slug
    membership = people["banned_membership"]
    socket, _ = await open_room(cluster.b, slug, people["cookies"][-1])

    async def closed() -> tuple[int | None, float]:
        with contextlib.suppress(ConnectionClosed):
            async for _event in socket:
                pass
        return (socket.close_code, time.monotonic())

    page = f"/moderation/members/{membership}/"
    fields = {"clause": CLAUSE, "reason": "", "confirmed": "yes"}
    waiting = asyncio.create_task(closed())
    try:
        posted = time.monotonic()
        status, _ = await asyncio.to_thread(
            submit, cluster.a, page, f"{page}ban/", people["facilitator_cookie"], fields
        )
        answered = time.monotonic()
        assert status == 302, f"the ban form on A answered {status}"
        done, _ = await asyncio.wait([waiting], timeout=BAN_WITHIN)
        assert done, f"the socket on B was still open {BAN_WITHIN} s after A answered the ban"
        code, at = waiting.result()
        assert code == 4403
        assert at - answered < BAN_WITHIN
        return at - posted, at - answered
    finally:
        waiting.cancel()
        await socket.close()


async def _wait_for(what: str, check: Any, within: float) -> float:
    """Poll `check()` (in a thread) until true; the seconds it took."""
    started = time.monotonic()
    while not await asyncio.to_thread(check):
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.1)
    return time.monotonic() - started


def test_three_hosts_behind_nginx(cluster: Cluster, people: dict[str, Any]) -> None:
    a, b = cluster.a, cluster.b
    moved: dict[str, float] = {}

    took = asyncio.run(_message_through_a_reaches_b(cluster, people))
    closed = asyncio.run(_ban_through_a_closes_on_b(cluster, people))
    assert _status(cluster.database_url, people["banned_membership"]) == MembershipStatus.BANNED

    async def kill_a() -> None:
        on_a, on_b = await asyncio.gather(
            asyncio.to_thread(a.open_sockets), asyncio.to_thread(b.open_sockets)
        )
        assert on_a > 0, f"round robin left host A no socket ({on_a} on A, {on_b} on B)"
        moved["sockets on A before the kill"] = float(on_a)
        moved["sockets on B before the kill"] = float(on_b)
        moved["killed at"] = time.monotonic()
        killed = a.kill_tree()
        moved["processes killed on A"] = float(len(killed))
        moved["all sockets on B after (s)"] = round(
            await _wait_for(
                f"B holds all {MEMBERS} sockets",
                lambda: b.open_sockets() == MEMBERS,
                MOVED_WITHIN,
            ),
            2,
        )
        moved["fault over at"] = time.monotonic()

    # The members know only nginx: scenario() reads nothing of a server but its
    # `ws_url()` and `origin`, which the balancer has too.
    circle = {"group": people["group"], "cookies": people["cookies"][:MEMBERS]}
    entrance: list[Any] = [cluster.balancer]
    figures = asyncio.run(scenario(entrance, circle, kill_a, cluster.database_url))

    assert not a.running
    assert figures["acked"] > 0
    # The hosts said nothing they must not: no traceback, no client address (the
    # test's, nginx's), no path, no message text. A's log ends where it was killed.
    addresses = [f"{cluster.network.addresses['lb']}:", f"{cluster.network.gateway}:"]
    b.assert_clean_logs(*addresses, "Hello from host A", " says ")
    assert "Traceback" not in a.log_text(), a.log_text()
    after_kill = moved.pop("fault over at") - moved.pop("killed at")
    figures.update(
        {
            "message A to B (ms)": round(took * 1000, 1),
            "ban: from A's form to the close on B (ms)": round(closed[0] * 1000, 1),
            "ban: close on B after A's answer (ms)": round(closed[1] * 1000, 1),
            **moved,
            "caught up after the kill (s)": round(figures["caught up after (s)"] + after_kill, 1),
            "max reconnects per socket": figures["max connects per member"] - 1,
            # Handshakes nginx found A refusing and passed on to B.
            "refused by A, passed to B": float(
                cluster.balancer.log_text().count("Connection refused) while connecting")
            ),
        }
    )
    print("several hosts:", ", ".join(f"{k} {v}" for k, v in figures.items()))
