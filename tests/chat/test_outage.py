"""A send that meets a database outage is refused as `unavailable`: retryable, and once."""

from collections.abc import Awaitable, Callable, Iterator

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from groups.models import Message
from tests.chat.conftest import errors
from tests.conftest import give_back_worker_threads_connections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cut_server_connections(require_postgres: None) -> Iterator[Callable[[], Awaitable[None]]]:
    """`await cut()` ends the PostgreSQL sessions of the server's database threads and
    of the pool's idle connections, as a database restart would (the test's own
    session is spared, for its teardown). Afterwards the dead ones are let go."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (spared,) = cursor.fetchone()

    def cut() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE"
                " datname = current_database() AND pid NOT IN (pg_backend_pid(), %s)",
                [spared],
            )

    yield sync_to_async(cut)
    give_back_worker_threads_connections()
    connection.pool.check()  # type: ignore[attr-defined]  # the idle connections that died


async def test_a_send_that_meets_an_outage_is_unavailable_and_lands_once_when_resent(
    room, connect, server_log, cut_server_connections
):
    group = room["group"]
    alice = await connect(room["members"][0], group)
    bob = await connect(room["members"][1], group)
    await cut_server_connections()

    frame = {"type": "message.send", "client_id": "c1", "body": "Still here"}
    await alice.send(frame)
    error = await alice.receive_type("error")
    assert error["code"] == "unavailable" and error["client_id"] == "c1"
    # Not our bug: a warning without a traceback, and without the text.
    assert errors(server_log) == []
    logged = "\n".join(r.getMessage() + str(r.exc_info) for r in server_log.records)
    assert "Still here" not in logged

    # Resent under the same id, as room.js does, until the dead connections are gone.
    for _ in range(5):
        await alice.send(frame)
        answer = await alice.receive()
        while answer["type"] == "presence":
            answer = await alice.receive()
        if answer["type"] == "message.ack":
            break
        assert answer["code"] == "unavailable", answer
    assert answer["type"] == "message.ack" and answer["seq"] == 1
    assert (await bob.receive_type("message.new"))["message"]["body"] == "Still here"
    assert await Message.objects.filter(group=group, client_id="c1").acount() == 1
