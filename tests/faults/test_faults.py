"""Faults injected into a running Hearth: Redis killed, a worker killed, PostgreSQL
stopped without warning (issue 18, item 10).

Each scenario runs real uvicorn processes on private servers where it breaks them
(tests/redis_server.py, tests/pg_server.py), with scripted members that behave as
room.js does (tests/faults/members.py) and keep talking through the fault. Each
asserts what a member must be able to trust: no acknowledged message lost, none
stored twice, and every member ends with every stored message exactly once, within
the recovery target. The figures are printed (run with `-s` to see them).

They start and stop servers, so they run in CI (`.ci/run`), not in the embedded
`make test` (tests/conftest.py skips the `faults` marker without CI).
"""

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.chat.conftest import make_room
from tests.faults.members import FIGURES, Member, settle
from tests.multiprocess import (
    AsgiServer,
    asgi_servers,
    database_env,
    server_env,
    session_cookie_header,
)
from tests.pg_server import PrivatePostgres
from tests.redis_server import PrivateRedis

pytestmark = [
    pytest.mark.faults,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
MEMBERS = 8
RECOVERY = 30.0  # seconds from the fault's end until everyone holds everything
# Quick beats, so a member that missed a broadcast hears the room's numbers soon.
FAST = {"CHAT_HEARTBEAT_SECONDS": "2", "CHAT_RECHECK_SECONDS": "30"}


@pytest.fixture
def circle(transactional_db: None) -> dict[str, Any]:
    people = make_room(members=MEMBERS, facilitators=0)
    people["cookies"] = [session_cookie_header(person) for person in people["members"]]
    return people


def stored(url: str, group_id: int) -> list[tuple[int, int, str]]:
    """The room's published messages: (seq, id, body), read straight from PostgreSQL."""
    with psycopg.connect(url) as db:
        return db.execute(
            "SELECT seq, id, body FROM groups_message"
            " WHERE group_id = %s AND seq IS NOT NULL ORDER BY seq",
            [group_id],
        ).fetchall()


async def scenario(
    servers: list[AsgiServer],
    circle: dict[str, Any],
    fault: Callable[[], Awaitable[None]],
    database_url: str,
) -> dict[str, float]:
    scenario_name = os.environ.get("PYTEST_CURRENT_TEST", "").split("::")[-1].split(" ")[0]
    """Members talk; `fault` runs; they go on talking, then stop; everyone catches up."""
    slug = circle["group"].slug
    members = [
        Member(
            name=f"m{n}",
            cookie=cookie,
            urls=[s.ws_url(f"/ws/groups/{slug}/") for s in servers],
            origin=servers[0].origin,
            send_every=2.0,  # well under the rate limit (a burst of 8, then one a second)
        )
        for n, cookie in enumerate(circle["cookies"])
    ]
    done = asyncio.Event()
    tasks = [asyncio.create_task(m.stay(done)) for m in members]
    tasks += [asyncio.create_task(m.talk(done)) for m in members]
    try:
        # Everyone has been in once before the fault. Not "all open at this instant":
        # the balance between the two workers may bounce a socket (4503, retry after 1),
        # and on a loaded host that left the old 20 s wait short (CI, 3 December).
        async with asyncio.timeout(60):
            while not all(m.connects > 0 for m in members):  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        await asyncio.sleep(1.5)
        await fault()
        healed = time.monotonic()
        await asyncio.sleep(2)  # talking on, after the fault
        for member in members:
            member.sending = False
        await asyncio.sleep(1)
        rows = await asyncio.to_thread(stored, database_url, circle["group"].pk)
        took = await settle(members, len(rows), within=RECOVERY)
        # Anything still on its way when talking stopped has landed by now.
        rows = await asyncio.to_thread(stored, database_url, circle["group"].pk)
        took += await settle(members, len(rows), within=RECOVERY)
    finally:
        done.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    ids = {seq: message_id for seq, message_id, _body in rows}
    bodies = [body for _seq, _id, body in rows]
    assert [seq for seq, _id, _body in rows] == list(range(1, len(rows) + 1)), "numbers with holes"
    assert len(bodies) == len(set(bodies)), "a message stored twice"
    acked = {message_id for m in members for message_id in m.acked.values()}
    assert acked <= set(ids.values()), "an acknowledged message was lost"
    for member in members:
        assert member.heard == ids, f"{member.name} does not hold every message exactly once"
        assert member.repeats == 0
        assert not member.refused, f"{member.name} was refused {member.refused}"
    figures = {
        "stored": float(len(rows)),
        "acked": float(len(acked)),
        # From the fault's end: 3 s of talking and quiet, then the catching up.
        "caught up after (s)": round(time.monotonic() - healed, 1),
        "catching up (s)": round(took, 1),
        "max connects per member": float(max(m.connects for m in members)),
    }
    FIGURES.append((scenario_name, figures))
    return figures


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.kill()


def test_redis_killed_and_restarted(circle: dict[str, Any], private_redis: PrivateRedis) -> None:
    env = {**server_env(**FAST), "REDIS_URL": private_redis.url}

    async def fault() -> None:
        private_redis.kill()
        await asyncio.sleep(3)
        await asyncio.to_thread(private_redis.start)

    with asgi_servers(2, env=env) as servers:
        figures = asyncio.run(scenario(servers, circle, fault, database_env()["DATABASE_URL"]))
    assert figures["acked"] > 0


def _workers(master: int) -> list[int]:
    """The uvicorn master's live worker processes (not its resource tracker)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(parent) == master and state != "Z" and b"spawn_main" in command:
            children.append(int(stat.parent.name))
    return children


def _held(pid: int, port: int) -> int:
    """How many established connections to `port` the process `pid` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    held = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:
                held += 1
    return held


def test_a_worker_killed(circle: dict[str, Any]) -> None:
    env = server_env(**FAST)
    with asgi_servers(1, env=env, extra_args=("--workers", "2")) as servers:
        (server,) = servers
        deadline = time.monotonic() + 20  # both workers up
        while len(_workers(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)

        async def fault() -> None:
            # The worker holding the most sockets (when idle, one may hold them all).
            busiest = max(_workers(server.pid), key=lambda pid: _held(pid, server.port))
            assert _held(busiest, server.port) > 0
            os.kill(busiest, signal.SIGKILL)

        figures = asyncio.run(scenario(servers, circle, fault, database_env()["DATABASE_URL"]))
        # uvicorn's master looks every 0.5 s, but pings each live worker first (up to
        # its health-check timeout), so a busy survivor can delay the restart: wait
        # for the event, not a fixed moment (CI once looked 3 s after the kill: 1).
        deadline = time.monotonic() + 15
        while len(_workers(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_workers(server.pid)) == 2, "the master did not start a new worker"
    assert figures["acked"] > 0


@pytest.fixture
def private_postgres(circle: dict[str, Any]) -> Iterator[tuple[PrivatePostgres, str]]:
    """A private PostgreSQL holding a copy of the test database, people and sessions too."""
    server = PrivatePostgres()
    server.start()
    try:
        url = server.copy_database(database_env()["DATABASE_URL"], "hearth_faults")
        yield server, url
    finally:
        server.remove()


def test_postgres_stopped_immediately_and_restarted(
    circle: dict[str, Any], private_postgres: tuple[PrivatePostgres, str]
) -> None:
    server, url = private_postgres
    env = {**server_env(**FAST), "DATABASE_URL": url}

    async def fault() -> None:
        await asyncio.to_thread(server.stop_immediately)
        await asyncio.sleep(3)
        await asyncio.to_thread(server.start)

    with asgi_servers(2, env=env) as servers:
        figures = asyncio.run(scenario(servers, circle, fault, url))
    assert figures["acked"] > 0
