"""A small world of people around one group, one person per role.

Everyone is made through the write path (create_group, join_group, consent,
request_to_join, decide_request, create_invite, set_facilitator,
publish_agreement). Only removal and ban set `Membership.status` directly,
because moderation's actions do not exist yet.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction

from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import Group, Invite, JoinPolicy, JoinRequest, Membership, MembershipStatus
from tests.factories import make_organizer, make_user

# Every role the permission matrix covers, in the order its tables use.
ROLES = (
    "visitor",  # not signed in
    "unverified",  # signed in, email not confirmed
    "outsider",  # signed in and verified, no tie to the group
    "pending",  # asked to join; waiting for the facilitators
    "invited",  # holds a usable invitation link to the group
    "welcomed",  # request approved; has not read the agreement yet (first visit)
    "unconsented",  # member who agreed to v1 only; the group is on v2
    "member",  # member who agreed to the current version
    "other_fac",  # facilitator of another group
    "facilitator",  # facilitator of this group
    "organizer",  # site organizer, not a member of the group
    "removed",  # membership status "removed"
    "banned",  # membership status "banned"
)

# Each person's display name, chosen so that no two look alike.
NAMES = {
    "unverified": "Ulla",
    "outsider": "Otto",
    "pending": "Pia",
    "invited": "Ines",
    "welcomed": "Wren",
    "unconsented": "Uma",
    "member": "Mara",
    "other_fac": "Felix",
    "facilitator": "Farah",
    "organizer": "Olive",
    "removed": "Rowan",
    "banned": "Bex",
}

# The agreement's second version: one clause reworded, one added, one dropped.
V2_NOTE = "We reworded how we listen, added a clause about breaks and folded one in."
V2_REWORDED_TITLE = "Listen without judgment"
V2_REWORDED_BODY = (
    "When someone shares, we listen with patience and care, not verdicts. We respond to what "
    "was said, and we let each person's story be theirs."
)
V2_ADDED = ("Breaks are welcome", "Step away whenever you need to; nobody has to explain.")
V2_DROPPED_TITLE = "Everyone has worth"


def v2_clauses(group: Group) -> list[tuple[str, str]]:
    """The current clauses of `group` with the V2 edits applied."""
    current = group.agreements.get(version=group.agreement_version)
    clauses = []
    for clause in current.clauses.order_by("position"):
        if clause.title == V2_DROPPED_TITLE:
            continue
        body = V2_REWORDED_BODY if clause.title == V2_REWORDED_TITLE else clause.body
        clauses.append((clause.title, body))
    clauses.append(V2_ADDED)
    return clauses


def join_open(user: Any, group: Group, pseudonym: str = "") -> Membership:
    """Join through the write path, at the current agreement version."""
    group.refresh_from_db()
    return member_actions.join_group(
        user=user, group=group, agreement_version=group.agreement_version, pseudonym=pseudonym
    )


def join_with_invite(user: Any, group: Group, invite: Invite, pseudonym: str = "") -> Membership:
    group.refresh_from_db()
    return member_actions.join_group(
        user=user,
        group=group,
        agreement_version=group.agreement_version,
        pseudonym=pseudonym,
        invite=invite,
    )


def consent_current(user: Any, group: Group, pseudonym: str = "") -> Membership:
    group.refresh_from_db()
    return member_actions.consent(
        user=user, group=group, agreement_version=group.agreement_version, pseudonym=pseudonym
    )


@dataclass
class World:
    """One group on agreement v2, by-request, with one person in every role."""

    group: Group
    other_group: Group
    people: dict[str, Any] = field(default_factory=dict)
    invite: Invite | None = None  # the usable link "invited" holds
    pending_request: JoinRequest | None = None

    def __getitem__(self, role: str) -> Any:
        return self.people[role]

    def membership(self, role: str) -> Membership | None:
        user = self.people[role]
        if user is None:
            return None
        return Membership.objects.filter(group=self.group, user=user).first()

    def refresh(self) -> None:
        self.group.refresh_from_db()
        self.other_group.refresh_from_db()


def group_with_fern(name: str) -> tuple[Any, Group, Any]:
    """An organizer, their group `name` (20 places), and Fern, its facilitator."""
    organizer = make_organizer()
    group = group_actions.create_group(actor=organizer, name=name, capacity=20)
    fern = make_user(display_name="Fern")
    member_actions.join_group(user=fern, group=group, agreement_version=1)
    member_actions.set_facilitator(actor=organizer, group=group, user=fern, facilitator=True)
    return organizer, group, fern


def grief_group(
    name: str, description: str, policy: str = JoinPolicy.OPEN, **organizer: Any
) -> tuple[Any, Group]:
    """An organizer (`organizer` as for make_organizer; Olive unless told otherwise) and
    the group on grief they opened."""
    organizer.setdefault("email", "olive@hearth.test")
    organizer.setdefault("display_name", "Olive")
    by = make_organizer(**organizer)
    group = group_actions.create_group(
        actor=by, name=name, description=description, topics=["Grief"], join_policy=policy
    )
    return by, group


def build_world() -> World:
    organizer, group = grief_group(
        "Carrying Grief",
        "For anyone living with loss.",
        JoinPolicy.REQUEST,
        email="organizer@hearth.test",
        display_name=NAMES["organizer"],
    )
    other = group_actions.create_group(
        actor=organizer, name="Quiet Minds", topics=["Anxiety"], join_policy=JoinPolicy.OPEN
    )
    people: dict[str, Any] = {"visitor": None, "organizer": organizer}
    for role in ROLES:
        if role not in people:
            people[role] = make_user(
                email=f"{role}@hearth.test",
                display_name=NAMES[role],
                verified=role != "unverified",
            )

    # Members arrive through an organizer's link while the agreement is v1.
    door = member_actions.create_invite(actor=organizer, group=group, days=30, max_uses=20)
    for role in ("facilitator", "member", "unconsented", "removed", "banned"):
        join_with_invite(people[role], group, door)
    member_actions.revoke_invite(actor=organizer, invite=door)
    member_actions.set_facilitator(
        actor=organizer, group=group, user=people["facilitator"], facilitator=True
    )
    join_open(people["other_fac"], other)
    member_actions.set_facilitator(
        actor=organizer, group=other, user=people["other_fac"], facilitator=True
    )

    # The agreement changes; everyone but "unconsented" agrees again.
    group_actions.publish_agreement(
        actor=organizer, group=group, clauses=v2_clauses(group), note=V2_NOTE
    )
    for role in ("facilitator", "member", "removed", "banned"):
        consent_current(people[role], group)

    # Moderation's outcomes, set directly until moderation's actions exist.
    Membership.objects.filter(group=group, user=people["removed"]).update(
        status=MembershipStatus.REMOVED
    )
    Membership.objects.filter(group=group, user=people["banned"]).update(
        status=MembershipStatus.BANNED
    )

    welcome = member_actions.request_to_join(user=people["welcomed"], group=group)
    member_actions.decide_request(actor=people["facilitator"], join_request=welcome, approve=True)
    pending = member_actions.request_to_join(
        user=people["pending"], group=group, note="I lost my father in spring."
    )
    invite = member_actions.create_invite(
        actor=people["facilitator"], group=group, days=7, max_uses=1
    )
    group.refresh_from_db()
    other.refresh_from_db()
    return World(
        group=group, other_group=other, people=people, invite=invite, pending_request=pending
    )


def fresh(world: World) -> World:
    """The same world with every object read again from the database."""
    from community.models import User

    users = User.objects.in_bulk([u.pk for u in world.people.values() if u is not None])
    assert world.invite is not None and world.pending_request is not None
    return World(
        group=Group.objects.get(pk=world.group.pk),
        other_group=Group.objects.get(pk=world.other_group.pk),
        people={role: u and users[u.pk] for role, u in world.people.items()},
        invite=Invite.objects.get(pk=world.invite.pk),
        pending_request=JoinRequest.objects.get(pk=world.pending_request.pk),
    )


@contextmanager
def built_once[T](django_db_blocker: Any, build: Callable[[], T]) -> Iterator[T]:
    """Build test data once for a whole module, in a transaction rolled back at its end.

    Each test still runs in its own savepoint (pytest-django's `db`), so what one
    test writes is gone before the next starts; only the building is shared.
    (pytest-django runs `transaction=True` tests after all others, so none of them
    runs while this transaction is open.)
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def _module_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with built_once(django_db_blocker, build_world) as built:
        yield built


@pytest.fixture
def world(_module_world: World, db: None) -> World:
    """The world of roles around one group (see `build_world`), fresh from the database."""
    return fresh(_module_world)
