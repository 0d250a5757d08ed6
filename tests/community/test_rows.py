"""Hand-written statements (community/rows.py) give back what the ORM would."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, signals
from django.utils import timezone

from community import rows
from groups.actions.chat import _numbered_membership
from groups.models import Group, Membership, Message
from tests.chat.conftest import make_room

pytestmark = pytest.mark.django_db


def fields(instance: Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


@pytest.fixture
def room() -> dict[str, Any]:
    people = make_room(members=1, facilitators=0)
    member = people["members"][0]
    membership = Membership.objects.get(group=people["group"], user=member)
    # Values the converters must bring back as Python types: a moment, a null, text.
    Membership.objects.filter(pk=membership.pk).update(
        muted_until=timezone.now() + timedelta(minutes=5), mute_reason="A pause, with care ✨"
    )
    Group.objects.filter(pk=people["group"].pk).update(
        paused_until=None, pause_message="Back soon", slow_mode_seconds=30
    )
    return {**people, "member": member, "membership": membership}


def test_a_joined_row_becomes_the_instances_the_orm_reads(room: dict[str, Any]) -> None:
    group, member = room["group"], room["member"]
    with transaction.atomic():
        found = _numbered_membership(group.pk, member.pk)
        assert found is not None
        expected = Membership.objects.select_related("group", "user").get(
            pk=room["membership"].pk
        )  # read inside the transaction, after the numbers were taken
    assert fields(found) == fields(expected)
    assert fields(found.group) == fields(expected.group)
    assert found.group.last_seq == group.last_seq + 1
    assert fields(found.user) == fields(expected.user)
    assert found.muted_until is not None and found.muted_until.tzinfo is not None
    assert found.is_muted and found.group.slow_mode_seconds == 30
    assert found._state.adding is False and found._state.db == "default"


def test_no_row_for_someone_who_is_not_a_member(room: dict[str, Any]) -> None:
    with transaction.atomic():
        assert _numbered_membership(room["group"].pk, room["organizer"].pk + 1000) is None


def test_the_select_list_follows_the_models_fields() -> None:
    joined = rows.Joined(Group, get_user_model())
    columns = joined.columns(connection).split(", ")
    width = len(Group._meta.concrete_fields) + len(get_user_model()._meta.concrete_fields)
    assert len(columns) == width
    assert (
        columns[0]
        == f"{connection.ops.quote_name('groups_group')}.{connection.ops.quote_name('id')}"
    )


def new_message(room: dict[str, Any], client_id: str) -> Message:
    return Message(
        group=room["group"],
        author=room["membership"],
        seq=None,
        change=7,
        client_id=client_id,
        body="Hello <there>",
        body_html="Hello &lt;there&gt;",
        held=True,
        reactions={"heard": 2},
    )


def test_an_insert_stores_the_instance_as_save_would(room: dict[str, Any]) -> None:
    message = new_message(room, "by-hand")
    rows.insert(message, connection)
    assert message.pk is not None and message._state.adding is False
    stored = Message.objects.get(pk=message.pk)
    assert fields(stored) == fields(message)
    assert stored.reactions == {"heard": 2} and stored.created_at is not None


def test_an_update_goes_along_with_the_insert(room: dict[str, Any]) -> None:
    membership = room["membership"]
    along = ("UPDATE groups_membership SET published_count = %s WHERE id = %s", [41, membership.pk])
    message = new_message(room, "along")
    rows.insert(message, connection, along=along)
    assert Message.objects.filter(pk=message.pk).exists()
    assert Membership.objects.get(pk=membership.pk).published_count == 41


def test_a_duplicate_is_refused_by_the_database_and_nothing_is_written(
    room: dict[str, Any],
) -> None:
    rows.insert(new_message(room, "twice"), connection)
    membership = room["membership"]
    along = ("UPDATE groups_membership SET published_count = 99 WHERE id = %s", [membership.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(new_message(room, "twice"), connection, along=along)
    assert Message.objects.filter(client_id="twice").count() == 1
    assert Membership.objects.get(pk=membership.pk).published_count != 99


def test_a_duplicate_can_be_skipped_without_breaking_the_transaction(
    room: dict[str, Any],
) -> None:
    first = new_message(room, "once")
    membership = room["membership"]
    along = ("UPDATE groups_membership SET published_count = 99 WHERE id = %s", [membership.pk])
    with transaction.atomic():
        assert rows.insert(first, connection, unless_taken=("author_id", "client_id"))
        again = new_message(room, "once")
        assert not rows.insert(
            again, connection, along=along, unless_taken=("author_id", "client_id")
        )
        assert again.pk is None and again._state.adding
        # The transaction is still usable: no error was raised inside it.
        other = new_message(room, "other")
        assert rows.insert(other, connection, unless_taken=("author_id", "client_id"))
    stored = Message.objects.filter(client_id__in=["once", "other"]).values_list("pk", flat=True)
    assert sorted(stored) == sorted([first.pk, other.pk])
    assert Membership.objects.get(pk=membership.pk).published_count != 99  # not stored: not run


def test_a_skip_names_a_constraint_other_duplicates_still_fail(room: dict[str, Any]) -> None:
    taken = new_message(room, "first")
    taken.seq = 5
    rows.insert(taken, connection)
    clash = new_message(room, "second")
    clash.seq = 5  # the same place in the group's sequence: a bug, never skipped
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(clash, connection, unless_taken=("author_id", "client_id"))


def test_a_model_with_save_signals_is_saved_the_orms_way(room: dict[str, Any]) -> None:
    heard: list[Message] = []

    def receiver(sender: type[Model], instance: Message, created: bool, **kwargs: Any) -> None:
        heard.append(instance)

    signals.post_save.connect(receiver, sender=Message)
    try:
        message = new_message(room, "signalled")
        along = (
            "UPDATE groups_membership SET published_count = 7 WHERE id = %s",
            [room["membership"].pk],
        )
        rows.insert(message, connection, along=along)
    finally:
        signals.post_save.disconnect(receiver, sender=Message)
    assert heard == [message]
    assert Message.objects.filter(pk=message.pk).exists()
    assert Membership.objects.get(pk=room["membership"].pk).published_count == 7
