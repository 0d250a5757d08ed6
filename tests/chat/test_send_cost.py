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
from groups.models import Group, Membership
from tests.chat.conftest import make_room


@pytest.fixture
def people(db: None, fast_chat: None) -> dict[str, Any]:
    return make_room(members=2, facilitators=1)


def statements(sql: list[str], verb: str) -> list[str]:
    return [s for s in sql if s.lstrip().upper().startswith(verb)]


def test_an_ordinary_send_is_two_statements_on_postgresql(people: dict[str, Any]) -> None:
    group, author = people["group"], people["members"][0]
    chat.send_message(user=author, group=group, client_id="warm", body="Warm up")  # rules cached
    with CaptureQueriesContext(connection) as queries:
        sent = chat.send_message(user=author, group=group, client_id="one", body="Hello")
    sql = [q["sql"] for q in queries.captured_queries]
    assert sent.created
    if connection.vendor == "postgresql":
        # The group's numbers taken (its row locked) with the membership, user and
        # group read; then the message stored with its author's counters.
        numbered, stored = statements(sql, "WITH")
        assert "UPDATE" in numbered and "SELECT" in numbered
        assert "UPDATE" in stored and "INSERT" in stored
        assert len([s for s in sql if "SAVEPOINT" not in s]) == 2
    else:  # SQLite has no UPDATE inside WITH: the same work in four statements
        assert len(statements(sql, "SELECT")) == 1
        assert len(statements(sql, "UPDATE")) == 2
        assert len(statements(sql, "INSERT")) == 1
    assert Group.objects.get(pk=group.pk).last_seq == sent.message.seq
    membership = Membership.objects.get(group=group, user=author)
    assert membership.last_read_seq == sent.message.seq and membership.published_count == 2


def test_a_held_message_gives_its_number_back(people: dict[str, Any]) -> None:
    group, author = people["group"], people["members"][0]
    first = chat.send_message(user=author, group=group, client_id="first", body="Hello")
    Group.objects.filter(pk=group.pk).update(hold_first_messages=5)
    held = chat.send_message(user=author, group=group, client_id="held", body="Waiting")
    assert held.message.held and held.message.seq is None
    stored = Group.objects.get(pk=group.pk)
    assert stored.last_seq == first.message.seq  # the next message takes the next number
    assert stored.last_change == held.message.change


def test_a_retry_costs_a_lookup_only_when_the_id_was_used(people: dict[str, Any]) -> None:
    group, author = people["group"], people["members"][0]
    first = chat.send_message(user=author, group=group, client_id="again", body="Once")
    with CaptureQueriesContext(connection) as queries:
        again = chat.send_message(user=author, group=group, client_id="again", body="Once")
    assert (again.created, again.message.pk) == (False, first.message.pk)
    sql = [q["sql"] for q in queries.captured_queries]
    assert [s for s in sql if "INSERT" in s]  # tried, refused by the unique id, rolled back
    assert Group.objects.get(pk=group.pk).last_seq == first.message.seq  # no number used
