"""What one ordinary send costs the database: a fixed, small set of statements.

Every message is checked, numbered under the group's row lock and stored before
anyone sees it (docs/performance.md). Those statements are the write path's
price per message, so their number is held here.
"""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups.actions import chat
from groups.models import Group
from tests.chat.conftest import make_room


@pytest.fixture
def people(db: None, fast_chat: None) -> dict[str, Any]:
    return make_room(members=2, facilitators=1)


def statements(sql: list[str], verb: str) -> list[str]:
    return [s for s in sql if s.lstrip().upper().startswith(verb)]


def test_an_ordinary_send_reads_once_and_writes_three_times(people: dict[str, Any]) -> None:
    group, author = people["group"], people["members"][0]
    chat.send_message(user=author, group=group, client_id="warm", body="Warm up")  # rules cached
    with CaptureQueriesContext(connection) as queries:
        sent = chat.send_message(user=author, group=group, client_id="one", body="Hello")
    sql = [q["sql"] for q in queries.captured_queries]
    assert sent.created
    (read,) = statements(sql, "SELECT")  # membership, user and group, the group row locked
    if connection.vendor == "postgresql":
        assert 'FOR UPDATE OF "groups_group"' in read
    assert len(statements(sql, "INSERT")) == 1  # the message
    assert len(statements(sql, "UPDATE")) == 2  # the group's numbers, the author's counters
    assert Group.objects.get(pk=group.pk).last_seq == sent.message.seq


def test_a_retry_costs_a_lookup_only_when_the_id_was_used(people: dict[str, Any]) -> None:
    group, author = people["group"], people["members"][0]
    first = chat.send_message(user=author, group=group, client_id="again", body="Once")
    with CaptureQueriesContext(connection) as queries:
        again = chat.send_message(user=author, group=group, client_id="again", body="Once")
    assert (again.created, again.message.pk) == (False, first.message.pk)
    sql = [q["sql"] for q in queries.captured_queries]
    assert statements(sql, "INSERT")  # tried, refused by the unique id, rolled back
    assert Group.objects.get(pk=group.pk).last_seq == first.message.seq  # no number used
