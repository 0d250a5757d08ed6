"""Pages read with a fixed number of queries, however many groups and members there are.

Each test measures a page, grows the data about fivefold, and measures again:
the count must not move, and it must be the exact number written here. When a
page legitimately needs one more query, change the number and say why.
"""

import itertools
from datetime import date, time
from typing import Any

import pytest
from django.test import Client

from groups.actions import boundaries, chat
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import Group, JoinPolicy, ReactionKind, Schedule
from tests.factories import make_organizer, make_user
from tests.groups.conftest import join_open
from tests.queries import SESSION, assert_constant, count_queries, signed_in

# Every signed-in page: the navigation's counts (unread notes, and whether the person
# keeps a group safe) in one query; for those who do, the queue's numbers (QUEUE) in a
# second (community/navigation.py).
NAV = 1
_ids = itertools.count(1)


def add_group(organizer: Any, members: int, *, policy: str = JoinPolicy.OPEN) -> Group:
    number = next(_ids)
    group = group_actions.create_group(
        actor=organizer,
        name=f"Circle {number:03}",
        description=f"Group number {number}, *gently* run.",
        topics=[f"Topic {number}", "Shared"],
        capacity=20,
    )
    for index in range(members):
        join_open(make_user(), group, pseudonym=f"Name {number}-{index}" if index % 2 else "")
    # Every other group meets weekly: its next session shows on the directory and home.
    if number % 2:
        Schedule.objects.create(
            group=group,
            weekdays="3",
            first_date=date(2026, 1, 1),
            start_time=time(19, 0),
            time_zone="Europe/London",
        )
    if policy != JoinPolicy.OPEN:
        Group.objects.filter(pk=group.pk).update(join_policy=policy)
        group.refresh_from_db()
    return group


def grow_members(group: Group, to: int) -> None:
    current = group.memberships.filter(status="active").count()
    for index in range(current, to):
        join_open(make_user(), group, pseudonym=f"Grown {group.pk}-{index}" if index % 2 else "")


def talk(group: Group) -> None:
    """Every active member says something; everyone reacts to the first message."""
    members = list(group.memberships.filter(status="active").select_related("user"))
    sent = []
    for membership in members:
        if not membership.messages.exists():
            group.refresh_from_db()
            sent.append(
                chat.send_message(
                    user=membership.user,
                    group=group,
                    client_id=f"c{next(_ids):08d}",
                    body=f"Thank you all, from {membership.display_name}.",
                )
            )
    first = group.messages.order_by("seq").first()
    assert first is not None
    for membership in members:
        group.refresh_from_db()
        if not first.reaction_rows.filter(member=membership).exists():
            chat.toggle_reaction(
                user=membership.user,
                group=group,
                message_id=first.pk,
                kind=ReactionKind.choices[0][0],
            )


def mute_some(reader: Any, group: Group) -> None:
    """The reader mutes one member of the group and blocks another (issue 16)."""
    others = group.memberships.filter(status="active").exclude(user=reader)[:2]
    for target, kind in zip(others, ("mute", "block"), strict=False):
        boundaries.set_boundary(user=reader, group=group, target_id=target.pk, kind=kind)


@pytest.fixture
def organizer(db: None) -> Any:
    return make_organizer()


def test_directory(organizer: Any) -> None:
    for _ in range(2):
        add_group(organizer, members=2)
    visitor, person = Client(), signed_in(make_user())
    small = count_queries(visitor, "/groups/"), count_queries(person, "/groups/")

    for _ in range(8):
        add_group(organizer, members=5, policy=JoinPolicy.REQUEST)
    large = count_queries(visitor, "/groups/"), count_queries(person, "/groups/")

    # groups with their sizes, their topics, the topic filter
    assert_constant(small[0], large[0], exact=3)
    # ... plus the session, the user and the navigation's counts
    assert_constant(small[1], large[1], exact=3 + SESSION + 1 + NAV)
    assert_constant(count_queries(visitor, "/groups/?topic=shared"), large[0], exact=3)


def test_landing_page(organizer: Any) -> None:
    group = add_group(organizer, members=2)
    url = f"/groups/{group.slug}/"
    visitor, outsider = Client(), signed_in(make_user())
    small = count_queries(visitor, url), count_queries(outsider, url)

    grow_members(group, 10)
    for _ in range(3):
        add_group(organizer, members=3)
    large = count_queries(visitor, url), count_queries(outsider, url)

    # group; group with size and topics (2); agreement and clauses (2)
    assert_constant(small[0], large[0], exact=5)
    # ... plus session, user, verified email, pending request, and the membership
    # (read twice: once by the view, once again by the landing page), and the navigation
    assert_constant(small[1], large[1], exact=5 + SESSION + 5 + NAV)


def test_group_home(organizer: Any) -> None:
    group = add_group(organizer, members=2)
    reader = make_user()
    join_open(reader, group, pseudonym="Reader")
    talk(group)
    client = signed_in(reader)
    url = f"/groups/{group.slug}/"
    small = count_queries(client, url)

    grow_members(group, 10)
    talk(group)
    mute_some(reader, group)
    large = count_queries(client, url)

    # group, session, user, membership, verified email; the latest published
    # messages with their authors, the reader's own held ones, marking them read,
    # the reader's own reactions, whose messages fold for the reader (issue 16); the
    # navigation; the crisis lines behind "Need help now?"; the themes for the
    # composer, with those the reader keeps folded
    assert_constant(small, large, exact=SESSION + 11 + NAV)


def test_members_list(organizer: Any) -> None:
    group = add_group(organizer, members=2)
    reader = make_user()
    join_open(reader, group)
    client = signed_in(reader)
    url = f"/groups/{group.slug}/members/"
    small = count_queries(client, url)

    grow_members(group, 10)
    facilitator = group.memberships.exclude(user=reader).first()
    assert facilitator is not None
    member_actions.set_facilitator(
        actor=organizer, group=group, user=facilitator.user, facilitator=True
    )
    mute_some(reader, group)
    large = count_queries(client, url)

    # session, user; group, membership, verified email; members with their people; the
    # reader's mutes and blocks there; the navigation
    assert_constant(small, large, exact=SESSION + 1 + 3 + 1 + 1 + NAV)


def test_people_you_have_muted_or_blocked(organizer: Any) -> None:
    person = make_user()
    first = add_group(organizer, members=2)
    join_open(person, first)
    mute_some(person, first)
    client = signed_in(person)
    small = count_queries(client, "/settings/boundaries/")

    for _ in range(3):
        group = add_group(organizer, members=3)
        join_open(person, group)
        mute_some(person, group)
    large = count_queries(client, "/settings/boundaries/")

    # session, user; the boundaries with the group and the person each names; the navigation
    assert_constant(small, large, exact=SESSION + 1 + 1 + NAV)


def test_site_home(organizer: Any) -> None:
    person = make_user()
    for _ in range(2):
        join_open(person, add_group(organizer, members=1))
    waiting = add_group(organizer, members=1, policy=JoinPolicy.REQUEST)
    member_actions.request_to_join(user=person, group=waiting)
    client = signed_in(person)
    small = count_queries(client, "/")

    for _ in range(8):
        join_open(person, add_group(organizer, members=1))
    for _ in range(4):
        member_actions.request_to_join(
            user=person, group=add_group(organizer, members=1, policy=JoinPolicy.REQUEST)
        )
    large = count_queries(client, "/")

    # session, user; memberships with their groups, unread notes, requests with their groups;
    # the navigation
    assert_constant(small, large, exact=SESSION + 4 + NAV)
