"""The raising checks beside the predicates, and the selectors that ask them.

Each `check_*` refuses with the code and sentence the sockets and forms show, in
their order of precedence; its predicate is true exactly when it does not raise.
The world is tests/groups/conftest.py's: one group on agreement v2, one person per role.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from community.errors import Refused
from groups import permissions, selectors
from groups.actions import resources as resource_actions
from groups.models import (
    Boundary,
    BoundaryKind,
    Group,
    Membership,
    Message,
    Resource,
    ResourceStatus,
)
from tests.groups.conftest import ROLES, World


def refusal(check: Callable[..., Any], *args: Any) -> Refused | None:
    try:
        check(*args)
    except Refused as refused:
        return refused
    return None


def code(check: Callable[..., Any], *args: Any) -> str:
    refused = refusal(check, *args)
    return "ok" if refused is None else refused.code


def person(world: World, role: str) -> Any:
    return world[role] or AnonymousUser()


def group(world: World) -> Group:
    return Group.objects.get(pk=world.group.pk)


def muted(membership: Membership | None, reason: str = "") -> Membership:
    assert membership is not None
    membership.muted_until = timezone.now() + timedelta(hours=1)
    membership.mute_reason = reason
    return membership


def paused(room: Group) -> Group:
    room.paused_until = timezone.now() + timedelta(minutes=5)
    return room


# --- Posting ---------------------------------------------------------------------------

POSTING = {
    "visitor": "not_member",
    "unverified": "not_member",
    "outsider": "not_member",
    "pending": "not_member",
    "invited": "not_member",
    "welcomed": "not_member",  # has read no version yet: not a reader
    "unconsented": "consent_required",
    "member": "ok",
    "other_fac": "not_member",
    "facilitator": "ok",
    "organizer": "not_member",
    "removed": "not_member",
    "banned": "not_member",
}


def test_check_can_post_for_every_role(world: World) -> None:
    room = group(world)
    answers = {
        role: code(permissions.check_can_post, person(world, role), room, world.membership(role))
        for role in ROLES
    }
    assert answers == POSTING
    for role in ROLES:
        allowed = permissions.can_post(person(world, role), room, world.membership(role))
        assert allowed == (POSTING[role] == "ok"), role


def test_check_can_post_judges_the_membership_own_person_when_no_user_is_given(
    world: World,
) -> None:
    membership = world.membership("member")
    assert membership is not None
    assert permissions.check_can_post(None, group(world), membership) == membership
    membership.user.is_active = False
    assert code(permissions.check_can_post, None, group(world), membership) == "not_member"


def test_posting_refusals_in_their_order(world: World) -> None:
    member = world["member"]
    room = paused(group(world))
    membership = muted(world.membership("member"), "Taking a breath.")
    room.archived = True
    assert code(permissions.check_can_post, member, room, membership) == "archived"
    room.archived = False
    refused = refusal(permissions.check_can_post, member, room, membership)
    assert refused is not None and refused.code == "muted"
    assert refused.message == "You are paused from posting for now. Taking a breath."
    assert refused.extra == {"until": membership.muted_until.isoformat()}  # type: ignore[union-attr]
    membership.muted_until = None
    assert code(permissions.check_can_post, member, room, membership) == "paused"
    # An organizer may mute a facilitator; a room pause leaves facilitators writing.
    facilitator = world.membership("facilitator")
    assert code(permissions.check_can_post, world["facilitator"], room, facilitator) == "ok"
    muted(facilitator)
    assert code(permissions.check_can_post, world["facilitator"], room, facilitator) == "muted"


def test_the_consent_refusal_asks_to_agree_again_to_post(world: World) -> None:
    refused = refusal(
        permissions.check_can_post,
        world["unconsented"],
        group(world),
        world.membership("unconsented"),
    )
    assert refused is not None
    assert refused.message == (
        "The group's agreement changed. Please read it and agree again to post."
    )


# --- Editing and reacting ---------------------------------------------------------------


def test_check_can_edit(world: World) -> None:
    room, member = group(world), world["member"]
    mine = world.membership("member")
    theirs = world.membership("facilitator")
    assert mine is not None and theirs is not None
    own = Message(group=room, author=mine, body="hello")
    assert permissions.check_can_edit(member, room, mine, own) == (mine, own)
    assert permissions.passes(permissions.check_can_edit, member, room, mine, own)
    assert code(permissions.check_can_edit, member, room, mine, None) == "not_found"
    other = Message(group=room, author=theirs, body="hi")
    assert code(permissions.check_can_edit, member, room, mine, other) == "not_found"
    own.deleted_at = timezone.now()
    assert code(permissions.check_can_edit, member, room, mine, own) == "gone"
    own.deleted_at, own.hidden_at = None, timezone.now()
    assert code(permissions.check_can_edit, member, room, mine, own) == "gone"
    assert not permissions.passes(permissions.check_can_edit, member, room, mine, own)
    # The writer first: a paused room says so, whatever the message.
    assert code(permissions.check_can_edit, member, paused(room), mine, None) == "paused"


def test_check_can_react(world: World) -> None:
    room, member = group(world), world["member"]
    mine = world.membership("member")
    author = world.membership("facilitator")
    assert mine is not None and author is not None
    assert code(permissions.check_can_react, member, room, mine, author.pk) == "ok"
    assert permissions.passes(permissions.check_can_react, member, room, mine, author.pk)
    Boundary.objects.create(owner=author, target=mine, kind=BoundaryKind.BLOCK)
    assert (
        code(permissions.check_can_react, member, room, mine, author.pk) == "reaction_unavailable"
    )
    assert not permissions.passes(permissions.check_can_react, member, room, mine, author.pk)
    assert code(permissions.check_can_react, member, paused(room), mine, author.pk) == "paused"


# --- Membership -------------------------------------------------------------------------


def test_require_member_and_require_reader(world: World) -> None:
    room = group(world)
    member = world.membership("member")
    assert permissions.require_member(member) == member
    assert permissions.require_reader(world["member"], room, member) == member
    # Welcomed: an active member who has not read the agreement yet, so not a reader.
    welcomed = world.membership("welcomed")
    assert permissions.require_member(welcomed) == welcomed
    refused = refusal(permissions.require_reader, world["welcomed"], room, welcomed)
    assert refused is not None and refused.code == "not_member"
    assert refused.message == "Only members of this group can do that."
    for role in ("outsider", "removed", "banned"):
        assert code(permissions.require_member, world.membership(role)) == "not_member"
        assert code(permissions.require_reader, world[role], room, world.membership(role)) == (
            "not_member"
        )
    refused = refusal(
        lambda: permissions.require_member(world.membership("removed"), forbidden=True)
    )
    assert refused is not None and refused.code == "forbidden"
    assert refused.message == "Only members of this group can do that."


# --- Resources --------------------------------------------------------------------------


def test_check_can_suggest_resource(world: World) -> None:
    room = group(world)
    member = world.membership("member")
    assert code(permissions.check_can_suggest_resource, world["member"], room, member) == "ok"
    assert code(permissions.check_can_suggest_resource, world["member"], None, None) == (
        "forbidden"
    )
    for role in ("outsider", "unconsented", "removed"):
        assert code(
            permissions.check_can_suggest_resource, world[role], room, world.membership(role)
        ) == ("forbidden"), role
    room.archived = True
    assert code(permissions.check_can_suggest_resource, world["member"], room, member) == (
        "forbidden"
    )
    # A pause is named before anything else that stands in the way.
    assert code(permissions.check_can_suggest_resource, world["member"], room, muted(member)) == (
        "muted"
    )
    assert not permissions.can_suggest_resource(world["member"], room, member)


def _publish(world: World, status: str = ResourceStatus.PUBLISHED) -> Resource:
    room = group(world)
    if status == ResourceStatus.SUGGESTED:
        return resource_actions.create(
            actor=world["member"], group=room, title="A suggestion", body="Try this."
        )
    return resource_actions.create(
        actor=world["facilitator"], group=room, title="Breathing", body="In, out."
    )


def _titles(found: Any) -> list[str]:
    return sorted(r.title for r in found)


def test_resources_visible_to_hides_a_group_library_from_who_cannot_read_it(
    world: World,
) -> None:
    _publish(world)
    room = group(world)
    for role in ROLES:
        seen = _titles(selectors.resources_visible_to(person(world, role), room))
        expected = ["Breathing"] if role in ("unconsented", "member", "facilitator") else []
        assert seen == expected, role


def test_suggestions_are_visible_to_who_may_publish_only(world: World) -> None:
    _publish(world, ResourceStatus.SUGGESTED)
    room = group(world)
    for role in ROLES:
        expected = ["A suggestion"] if role == "facilitator" else []
        suggested = selectors.resources_visible_to(
            person(world, role), room, status=ResourceStatus.SUGGESTED
        )
        assert _titles(suggested) == expected, role
        queue = selectors.suggestions_visible_to(person(world, role), room)
        assert _titles(queue) == expected, role


def test_the_community_library_is_for_people_in_good_standing(world: World) -> None:
    resource_actions.create(actor=world["organizer"], group=None, title="Helplines", body="Call.")
    assert _titles(selectors.resources_visible_to(world["outsider"], None)) == ["Helplines"]
    assert _titles(selectors.resources_visible_to(world["unverified"], None)) == []
    assert _titles(selectors.resources_visible_to(AnonymousUser(), None)) == []


def test_members_visible_to_readers_and_facilitators_to_organizers_too(world: World) -> None:
    room = group(world)
    everyone = set(selectors.members_visible_to(world["member"], room))
    assert world.membership("facilitator") in everyone and world.membership("member") in everyone
    assert world.membership("removed") not in everyone
    for role in ("outsider", "welcomed", "removed", "organizer"):
        assert list(selectors.members_visible_to(person(world, role), room)) == [], role
    facilitator = world.membership("facilitator")
    for role in ("member", "facilitator", "organizer"):
        assert list(selectors.facilitators_visible_to(world[role], room)) == [facilitator], role
    assert list(selectors.facilitators_visible_to(world["outsider"], room)) == []


@pytest.mark.parametrize("role", ["outsider", "removed", "organizer"])
def test_access_resource_answers_missing_and_hidden_alike(world: World, role: str) -> None:
    resource = _publish(world)
    among = selectors.resource_pages(world[role])
    slug = world.group.slug
    with pytest.raises(permissions.NotFound):
        permissions.access_resource(world[role], slug, resource.pk, among=among)
    with pytest.raises(permissions.NotFound):
        permissions.access_resource(world["member"], slug, resource.pk + 1000, among=among)
    found, membership = permissions.access_resource(
        world["member"], slug, resource.pk, among=selectors.resource_pages(world["member"])
    )
    assert found == resource and membership == world.membership("member")


def test_access_resource_editor(world: World) -> None:
    resource = _publish(world)
    slug = world.group.slug

    def editor(role: str, pk: int | None) -> Any:
        return permissions.access_resource_editor(
            world[role], slug, pk, among=selectors.resource_pages(world[role])
        )

    assert editor("facilitator", resource.pk)[2] == resource
    assert editor("facilitator", None)[2] is None
    assert editor("member", None)[2] is None  # a suggestion
    with pytest.raises(permissions.NotFound):
        editor("member", resource.pk)  # editing is for those who publish
    for role in ("outsider", "unconsented", "organizer"):
        with pytest.raises(permissions.NotFound):
            editor(role, None)


# --- Fetch and authorize ----------------------------------------------------------------

ACCESS = {
    # helper: the roles it lets in (everyone else gets 404, as for a missing group)
    "access_group_for_member": {"welcomed", "unconsented", "member", "facilitator"},
    "access_group_for_room_keeper": {"facilitator"},
    "access_group_for_publisher": {"facilitator"},
}


@pytest.mark.parametrize("helper", sorted(ACCESS))
def test_access_helpers_let_in_their_roles_and_404_everyone_else(world: World, helper: str) -> None:
    access = getattr(permissions, helper)
    for role in ROLES:
        user = person(world, role)
        if role in ACCESS[helper]:
            room, membership = access(user, world.group.slug)
            assert room == world.group and membership == world.membership(role), role
        else:
            with pytest.raises(permissions.NotFound):
                access(user, world.group.slug)
        with pytest.raises(permissions.NotFound):
            access(user, "no-such-group")
