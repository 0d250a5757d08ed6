"""A small world for moderation tests: two groups and one person in every role.

Group A ("Evening circle") holds everyone the matrix needs, each with a message
of their own in the room:

- actors: `member`, `facilitator` (of A), `other_fac` (facilitator of B and a
  plain member of A), `organizer`, `superuser` (organizer and superuser),
  `unverified` and `suspended` (both appointed facilitators of A, then their
  email unverified or their account suspended);
- targets: `t_member`, `t_fac` (a facilitator of A), `t_org` (an organizer who
  is a plain member of A);
- `owner`, the organizer who opened both groups (the author of any decision a
  test needs to exist already), and `bystander`, a member who reports.

Everyone joins through the write path; the unverified and suspended people are
degraded afterwards, the way it happens in life.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from community.models import User
from groups.actions import chat
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.models import Group, Membership, Message
from moderation import screening
from tests.chat.conftest import connect, refused, server_log  # noqa: F401 (the socket fixtures)
from tests.factories import make_organizer, make_user

CLAUSE = "Honor boundaries"
ACTORS = ("member", "facilitator", "other_fac", "organizer", "superuser", "unverified", "suspended")
TARGETS = ("t_member", "t_fac", "t_org")
NAMES = {
    "owner": "Oona",
    "member": "Mara",
    "facilitator": "Farah",
    "other_fac": "Felix",
    "organizer": "Olive",
    "superuser": "Sol",
    "unverified": "Ulla",
    "suspended": "Sid",
    "t_member": "Tamsin",
    "t_fac": "Teodor",
    "t_org": "Tova",
    "bystander": "Bea",
}


@dataclass
class World:
    group: Group
    other_group: Group
    people: dict[str, User] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)

    def user(self, key: str) -> User:
        """A fresh copy of the person (permission caches start empty)."""
        return User.objects.get(pk=self.people[key].pk)

    def membership(self, key: str, group: Group | None = None) -> Membership:
        return Membership.objects.select_related("user", "group").get(
            group=group or self.group, user=self.people[key]
        )


def _join(user: User, group: Group) -> Membership:
    return member_actions.join_group(user=user, group=group, agreement_version=1)


ALL = ("organizer", "t_org", "superuser", *ACTORS[:3], "unverified", "suspended", "t_member")
SMALL = ("organizer", "member", "facilitator")


def build_world(keys: tuple[str, ...] = (*ALL, "t_fac", "bystander")) -> World:
    """The world above; `keys` picks who is in it (the owner and both groups always are)."""
    owner = make_organizer(display_name=NAMES["owner"])
    group = group_actions.create_group(actor=owner, name="Evening circle", capacity=30)
    other = group_actions.create_group(actor=owner, name="Morning circle", capacity=30)
    world = World(group=group, other_group=other, people={"owner": owner})
    for key in keys:
        if key in ("organizer", "t_org"):
            world.people[key] = make_organizer(display_name=NAMES[key])
        elif key == "superuser":
            world.people[key] = make_user(
                display_name=NAMES[key], is_organizer=True, is_staff=True, is_superuser=True
            )
        else:
            world.people[key] = make_user(display_name=NAMES[key])
    for key, person in world.people.items():
        if key != "owner":
            _join(person, group)
    for key in ("facilitator", "unverified", "suspended", "t_fac"):
        if key in world.people:
            member_actions.set_facilitator(
                actor=owner, group=group, user=world.people[key], facilitator=True
            )
    if "other_fac" in world.people:
        _join(world.people["other_fac"], other)
        member_actions.set_facilitator(
            actor=owner, group=other, user=world.people["other_fac"], facilitator=True
        )
    for key, person in world.people.items():
        if key != "owner":
            sent = chat.send_message(
                user=person, group=group, client_id=f"hello-{key}", body=f"Hello from {key}."
            )
            world.messages[key] = sent.message
    if "unverified" in world.people:
        EmailAddress.objects.filter(user=world.people["unverified"]).update(verified=False)
    if "suspended" in world.people:
        User.objects.filter(pk=world.people["suspended"].pk).update(
            suspended_until=timezone.now() + timedelta(days=3)
        )
    group.refresh_from_db()
    return world


def facilitator_speaks(world: World, bodies: list[str]) -> None:
    """The facilitator posts each of `bodies` in group A, as `fill-0`, `fill-1`, ..."""
    for n, body in enumerate(bodies):
        chat.send_message(
            user=world.people["facilitator"], group=world.group, client_id=f"fill-{n}", body=body
        )


def watch_for_crisis(world: World) -> None:
    """The site's crisis phrase "want to die", and the facilitator's filter that holds
    "phone number" (the Confidentiality clause). Callers forget the cached rules."""
    from moderation.actions import filters
    from moderation.models import CrisisPhrase

    CrisisPhrase.objects.create(phrase="want to die")
    filters.add_filter(
        actor=world.people["facilitator"],
        group=world.group,
        phrase="phone number",
        action="hold",
        clause="Confidentiality",
    )


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def small_world(db: None) -> World:
    """Just an organizer, a facilitator and a member in group A."""
    return build_world(SMALL)


@pytest.fixture
def live_world(transactional_db: None) -> World:
    """A small world, committed (for sockets, which run in other threads)."""
    return build_world((*SMALL, "t_fac", "bystander", "t_member"))


@pytest.fixture(autouse=True)
def _fresh_rules() -> Iterator[None]:
    """Screening caches rules per process for a few seconds: never across tests."""
    screening.forget_rules()
    yield
    screening.forget_rules()
