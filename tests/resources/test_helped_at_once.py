"""People pressing "this helped me" at the same instant, each in their own connection.

These tests use real threads, so they need committed data (`transaction=True`) and
live in their own module, away from the shared world of roles (which holds one open
transaction for a whole module). Toggling locks the resource's row (PostgreSQL) or
takes the write lock at BEGIN (SQLite's IMMEDIATE mode).
"""

import secrets
from functools import partial
from typing import Any

import pytest

from groups.actions import resources as actions
from groups.models import Group, JoinPolicy, Resource
from tests.factories import make_user
from tests.groups.conftest import World, build_world, join_open
from tests.groups.threads import run_at_once
from tests.resources.conftest import publish

pytestmark = pytest.mark.django_db(transaction=True)


def counted(resource: Resource) -> tuple[int, int]:
    resource.refresh_from_db()
    return resource.helped_count, resource.helped.count()


def newcomer(built: World) -> Any:
    Group.objects.filter(pk=built.group.pk).update(join_policy=JoinPolicy.OPEN)
    person = make_user(email=f"presser-{secrets.token_hex(4)}@hearth.test")
    join_open(person, built.group)
    return person


def test_a_double_click_says_it_once_and_takes_it_back_once() -> None:
    built = build_world()
    resource = publish(built["facilitator"], built.group, "Pressed at once")
    member = built["member"]
    for _ in range(3):
        for helped, count in ((True, 1), (False, 0)):
            results = run_at_once(
                [
                    partial(actions.set_helped, user=member, resource=resource, helped=helped)
                    for _ in range(2)
                ]
            )
            assert not [r for r in results if isinstance(r, Exception)], results
            # Both presses meant the same: never counted twice, never a count without its row.
            assert results == [helped, helped]
            assert counted(resource) == (count, count)


def test_five_people_at_once_are_five() -> None:
    built = build_world()
    resource = publish(built["facilitator"], built.group, "Pressed at once")
    people = [built["facilitator"], built["member"], built["unconsented"]]
    people += [newcomer(built), newcomer(built)]
    results = run_at_once(
        [partial(actions.set_helped, user=p, resource=resource, helped=True) for p in people]
    )
    assert results == [True] * 5
    assert counted(resource) == (5, 5)
