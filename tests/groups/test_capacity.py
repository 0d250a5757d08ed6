"""Capacity holds when two people take the last seat at the same moment.

These tests use real threads, each with its own database connection, so they
need committed data (`transaction=True`). Joining locks the group's row
(PostgreSQL) or takes the write lock at BEGIN (SQLite's IMMEDIATE mode), so
the second person counts the seats only after the first has sat down.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from community.errors import Refused
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import (
    AuditEntry,
    Consent,
    Group,
    Invite,
    JoinPolicy,
    JoinRequest,
    Membership,
    MembershipStatus,
    RequestStatus,
)
from tests.factories import make_organizer, make_user
from tests.groups.conftest import join_open
from tests.groups.threads import run_at_once

FULL = "This group is full right now."


def one_seat_left(policy: str = JoinPolicy.OPEN, capacity: int = 3) -> dict[str, Any]:
    """A group with `capacity - 1` active members, plus its organizer and facilitator."""
    organizer = make_organizer()
    group = group_actions.create_group(
        actor=organizer, name="Quiet Minds", join_policy=JoinPolicy.OPEN, capacity=capacity
    )
    facilitator = make_user(display_name="Farah")
    join_open(facilitator, group)
    member_actions.set_facilitator(actor=organizer, group=group, user=facilitator, facilitator=True)
    for _ in range(capacity - 2):
        join_open(make_user(), group)
    Group.objects.filter(pk=group.pk).update(join_policy=policy)
    group.refresh_from_db()
    return {"organizer": organizer, "facilitator": facilitator, "group": group}


@dataclass
class Contender:
    """Someone trying for the seat: by joining (open or invite) or being approved."""

    person: Any
    attempt: Callable[[], Any]
    request: JoinRequest | None = None
    invite: Invite | None = None


def joiner(group: Group, invite: Invite | None = None) -> Contender:
    person = make_user()
    return Contender(
        person,
        lambda: member_actions.join_group(
            user=person, group=group, agreement_version=group.agreement_version, invite=invite
        ),
        invite=invite,
    )


def approved_by(actor: Any, group: Group) -> Contender:
    person = make_user()
    request = member_actions.request_to_join(user=person, group=group)
    return Contender(
        person,
        lambda: member_actions.decide_request(actor=actor, join_request=request, approve=True),
        request=request,
    )


def contenders(name: str, setting: dict[str, Any]) -> list[Contender]:
    group, facilitator = setting["group"], setting["facilitator"]
    if name == "join + join":
        return [joiner(group), joiner(group)]
    if name == "invite + invite":
        invite = member_actions.create_invite(actor=facilitator, group=group, max_uses=5)
        return [joiner(group, invite), joiner(group, invite)]
    if name == "approve + approve":
        return [approved_by(facilitator, group), approved_by(setting["organizer"], group)]
    if name == "approve + invite":
        invite = member_actions.create_invite(actor=facilitator, group=group)
        return [approved_by(facilitator, group), joiner(group, invite)]
    raise AssertionError(name)


SCENARIOS = {
    "join + join": JoinPolicy.OPEN,
    "invite + invite": JoinPolicy.INVITE,
    "approve + approve": JoinPolicy.REQUEST,
    "approve + invite": JoinPolicy.REQUEST,
}


def assert_exactly_one_sat_down(
    group: Group, people: list[Contender], results: list[Any], capacity: int
) -> None:
    won = [not isinstance(result, Exception) for result in results]
    assert won.count(True) == 1, f"expected one person to get the seat, got {results}"
    active = Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE)
    assert active.count() == capacity
    for contender, result, winner in zip(people, results, won, strict=True):
        if winner:
            assert active.filter(user=contender.person).exists()
            continue
        assert isinstance(result, Refused), result
        assert result.code == "full"
        assert result.message.startswith(FULL)
        # Nothing half-written for the person who was turned away.
        assert not Membership.objects.filter(group=group, user=contender.person).exists()
        assert not Consent.objects.filter(user=contender.person).exists()
    for contender, winner in zip(people, won, strict=True):
        if contender.request is not None:
            status = JoinRequest.objects.get(pk=contender.request.pk).status
            # A refused approval leaves the request waiting until a seat opens.
            assert status == (RequestStatus.APPROVED if winner else RequestStatus.PENDING)
            assert (
                AuditEntry.objects.filter(
                    action="join_approved", target_user=contender.person
                ).exists()
                == winner
            )
    invites = {c.invite.pk for c in people if c.invite is not None}
    for pk in invites:
        used = sum(
            1 for c, w in zip(people, won, strict=True) if w and c.invite and c.invite.pk == pk
        )
        assert Invite.objects.get(pk=pk).uses == used


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_last_seat_goes_to_exactly_one_person(name: str) -> None:
    setting = one_seat_left(SCENARIOS[name])
    group = setting["group"]
    people = contenders(name, setting)

    results = run_at_once([c.attempt for c in people], lock_group=group.pk)

    assert_exactly_one_sat_down(group, people, results, capacity=3)


@pytest.mark.django_db(transaction=True)
def test_last_seat_on_postgresql(require_postgres: None) -> None:
    """Eight people press "Join" for the last seat at the same instant, three times over."""
    for _round in range(3):
        setting = one_seat_left(JoinPolicy.OPEN, capacity=4)
        group = setting["group"]
        people = [joiner(group) for _ in range(8)]

        results = run_at_once([c.attempt for c in people])

        assert_exactly_one_sat_down(group, people, results, capacity=4)
