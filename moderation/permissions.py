"""Who may moderate whom, where. Views and consumers ask; they never re-implement.

Facilitators act within their own groups; organizers act anywhere. Only
organizers may act on a facilitator, and nobody but a superuser acts on an
organizer. Nobody acts on themselves.
"""

from typing import Any

from django.db.models import QuerySet

from groups import permissions as group_permissions
from groups.models import Group, Membership, MembershipStatus, Role
from groups.permissions import NotFound, is_organizer


def is_superuser(user: Any) -> bool:
    return group_permissions.is_in_good_standing(user) and bool(user.is_superuser)


def can_moderate_group(actor: Any, group: Group) -> bool:
    """May moderate this room at all: its facilitator, or an organizer."""
    if is_organizer(actor):
        return True
    membership = group_permissions.membership_for(actor, group)
    return group_permissions.can_facilitate(actor, group, membership)


def can_act_on(actor: Any, group: Group, target: Membership) -> bool:
    """May take an action about the member `target` in `group`."""
    if not can_moderate_group(actor, group) or target.user_id == actor.pk:
        return False
    if target.user.is_organizer or target.user.is_superuser:
        return is_superuser(actor)
    if target.role == Role.FACILITATOR:
        return is_organizer(actor)
    return True


def can_suspend(actor: Any, target: Any) -> bool:
    """Site-wide suspension: organizers only, never of themselves or another organizer."""
    if not is_organizer(actor) or target.pk == actor.pk:
        return False
    if target.is_organizer or target.is_superuser:
        return is_superuser(actor)
    return True


def can_decide_appeal(actor: Any, appeal: Any) -> bool:
    """Organizers not involved in the decision; an organizer's own appeal goes to the superuser."""
    if not is_organizer(actor) or actor.pk in {appeal.user_id, appeal.entry.actor_id}:
        return False
    if appeal.user.is_organizer or appeal.user.is_superuser:
        return is_superuser(actor)
    return True


def moderated_groups(actor: Any) -> QuerySet[Group]:
    """The groups whose queue and log this person may see."""
    if is_organizer(actor):
        return Group.objects.all()
    if not group_permissions.is_in_good_standing(actor):
        return Group.objects.none()
    return Group.objects.filter(
        memberships__user=actor,
        memberships__role=Role.FACILITATOR,
        memberships__status=MembershipStatus.ACTIVE,
    )


def can_use_queue(actor: Any) -> bool:
    return moderated_groups(actor).exists()


def access_moderated_group(actor: Any, slug: str) -> Group:
    group = group_permissions.get_group(slug)
    if not can_moderate_group(actor, group):
        raise NotFound("No group here.")
    return group
