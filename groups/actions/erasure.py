"""Erasing a person from every group (called by community/erasure.py through its registry).

Their messages become "removed by its author" placeholders in place, so each
room's sequence keeps every number; their earlier texts, reactions, pseudonyms,
requests, mutes and blocks (theirs, and others' towards them), calendar links and
"this helped" marks go. Consents stay, tied to the anonymous row.
"""

from typing import Any

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import events
from groups.actions.chat import recount_reactions, take_change
from groups.models import (
    Boundary,
    CalendarFeed,
    Group,
    JoinRequest,
    Membership,
    MembershipStatus,
    Message,
    MessageRevision,
    NameChange,
    Reaction,
    RemovedBy,
    Resource,
    ResourceHelped,
    Role,
)


def erase_person(user: Any) -> None:
    """Take the person's words and marks out of every group (inside the caller's transaction)."""
    now = timezone.now()
    for membership in Membership.objects.filter(user=user).select_related("group"):
        group = Group.objects.select_for_update().get(pk=membership.group_id)
        _take_back_reactions(group, membership)
        _withdraw_messages(group, membership, now)
    MessageRevision.objects.filter(message__author__user=user).delete()
    Membership.objects.filter(user=user).update(
        pseudonym="", name_key="", mute_reason="", role=Role.MEMBER
    )
    Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE).update(
        status=MembershipStatus.LEFT, left_at=now
    )
    JoinRequest.objects.filter(user=user).delete()
    NameChange.objects.filter(membership__user=user).delete()
    CalendarFeed.objects.filter(membership__user=user).delete()  # their calendar links
    # Their mutes and blocks, and those set towards a person who is no longer here.
    Boundary.objects.filter(Q(owner__user=user) | Q(target__user=user)).delete()
    for helped in ResourceHelped.objects.filter(user=user):
        Resource.objects.filter(pk=helped.resource_id).update(helped_count=F("helped_count") - 1)
        helped.delete()
    Resource.objects.filter(author=user).update(author=None)


def _take_back_reactions(group: Group, membership: Membership) -> None:
    touched = list(
        Reaction.objects.filter(member=membership).values_list("message_id", flat=True).distinct()
    )
    Reaction.objects.filter(member=membership).delete()
    for message in Message.objects.filter(pk__in=touched):
        recount_reactions(group, message)


def _withdraw_messages(group: Group, membership: Membership, now: Any) -> None:
    for message in Message.objects.filter(author=membership, deleted_at__isnull=True):
        message.body = message.body_html = message.content_warning = ""
        message.resource = None
        message.deleted_at, message.change = now, take_change(group)
        message.save(
            update_fields=[
                "body",
                "body_html",
                "content_warning",
                "resource",
                "deleted_at",
                "change",
            ]
        )
        if message.seq is not None:
            events.to_group(group.pk, events.message_removed(message, reason=RemovedBy.AUTHOR))


def last_facilitator_of(user: Any) -> list[str]:
    """What the deletion page warns of: groups that would be left with no facilitator."""
    mine = Membership.objects.filter(
        user=user, role=Role.FACILITATOR, status=MembershipStatus.ACTIVE
    ).select_related("group")
    warnings = []
    for membership in mine:
        others = Membership.objects.filter(
            group_id=membership.group_id, role=Role.FACILITATOR, status=MembershipStatus.ACTIVE
        ).exclude(user=user)
        if not others.exists():
            warnings.append(
                _(
                    "You are the only facilitator of %(group)s. Once your account "
                    "is deleted, the group will have nobody to keep it safe until an organizer "
                    "appoints someone: please let them know."
                )
                % {"group": membership.group.name}
            )
    return warnings
