"""Who may moderate whom, where. Views and consumers ask; they never re-implement.

Facilitators act within their own groups; organizers act anywhere. Only
organizers may act on a facilitator, and nobody but a superuser acts on an
organizer. Nobody acts on themselves.
"""

from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Exists, QuerySet

from groups import permissions as group_permissions
from groups.models import Group, Membership, MembershipStatus, Message, Role
from groups.permissions import NotFound, is_organizer
from groups.selectors import readable
from moderation.models import Appeal, AppealStatus, Report, ReportStatus


def is_superuser(user: Any) -> bool:
    return group_permissions.is_in_good_standing(user) and bool(user.is_superuser)


def can_moderate_group(actor: Any, group: Group) -> bool:
    """May moderate this room at all: its facilitator, or an organizer."""
    if is_organizer(actor):
        return True  # no membership to read
    membership = group_permissions.membership_for(actor, group)
    return group_permissions.can_keep(actor, group, membership)


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
    """The groups whose queue and log this person may see.

    A queryset that asks nothing until it is evaluated: whether the person's email is
    verified (the one part of good standing the user row does not hold) is part of
    its SQL unless already known, so the navigation can count the queue in the same
    single query on every page.
    """
    if not (
        actor.is_authenticated and actor.is_active and not getattr(actor, "is_suspended", False)
    ):
        return Group.objects.none()
    verified = getattr(actor, "_hearth_verified", None)
    if verified is False:
        return Group.objects.none()
    if getattr(actor, "is_organizer", False):
        groups = Group.objects.all()
    else:
        groups = Group.objects.filter(
            memberships__user=actor.pk,
            memberships__role=Role.FACILITATOR,
            memberships__status=MembershipStatus.ACTIVE,
        )
    if verified is None:
        groups = groups.filter(Exists(EmailAddress.objects.filter(user=actor.pk, verified=True)))
    return groups


def can_use_queue(actor: Any) -> bool:
    return moderated_groups(actor).exists()


# --- Fetch and authorize: each answers a missing thing and a forbidden one alike (404) ---


def access_queue(actor: Any) -> None:
    """The queue and the log: for whoever moderates some group; 404 for everyone else."""
    if not can_use_queue(actor):
        raise NotFound("No page here.")


def access_site_for_organizer(actor: Any) -> Any:
    """The organizers' pages (site safety, appeals): the organizer, or 404 for others."""
    if not is_organizer(actor):
        raise NotFound("No page here.")
    return actor


def access_moderated_group(actor: Any, slug: str) -> Group:
    group = group_permissions.get_group(slug)
    if not can_moderate_group(actor, group):
        raise NotFound("No group here.")
    return group


def _moderated[T: (Message, Membership, Report)](actor: Any, found: T | None) -> T:
    if found is None or not can_moderate_group(actor, found.group):
        raise NotFound("No page here.")
    return found


def access_report_for_moderator(actor: Any, pk: int) -> Report:
    """A report about a group the person moderates, to resolve or dismiss."""
    return _moderated(actor, Report.objects.select_related("group").filter(pk=pk).first())


def access_message_to_act_on(actor: Any, pk: int) -> Message:
    """A message of a group the person moderates, to act on (the action judges who may).

    Never for a page that shows the message's words: that read goes through
    `access_message_for_moderator`, which asks for an open item that names it.
    """
    return _moderated(actor, Message.objects.select_related("group").filter(pk=pk).first())


def access_member_for_moderator(actor: Any, pk: int) -> Membership:
    """A membership of a group the person moderates: its page, and actions about it."""
    found = Membership.objects.select_related("group", "user").filter(pk=pk).first()
    return _moderated(actor, found)


def access_message_for_reader(actor: Any, pk: int) -> Message:
    """A message of the person's own room, as the room shows it to them (to report or
    worry about); a held one is not there for them."""
    found = Message.objects.select_related("group", "author__user").filter(pk=pk).first()
    if found is None:
        raise NotFound("No page here.")
    _group, membership = group_permissions.access_group_for_reader(actor, found.group.slug)
    if found.held:
        raise NotFound("No page here.")
    return readable([found], reader=membership)[0]


def access_member_for_reader(actor: Any, pk: int) -> Membership:
    """A member of the person's own room (to report)."""
    found = Membership.objects.select_related("group", "user").filter(pk=pk).first()
    if found is None:
        raise NotFound("No page here.")
    group_permissions.access_group_for_reader(actor, found.group.slug)
    return found


@dataclass(frozen=True)
class MessageAccess:
    """A message a moderator may open, and how: as a member of its room, or through an
    item that names it (`via`, written to the audit log with the read)."""

    message: Message
    reader: Membership | None
    via: str = ""
    facilitator: bool = False

    @property
    def through_item(self) -> bool:
        return bool(self.via)


def access_message_for_moderator(
    actor: Any, pk: int, *, report: int | None = None, appeal: int | None = None
) -> MessageAccess:
    """Fetch a message for the moderation page, or 404 exactly like a missing one.

    Outside the room, nobody reads a message by its id alone: an organizer (or a
    facilitator) comes through an open report or a pending appeal that names it. A
    member of the room (its facilitators included) may open it as the room shows it.
    """
    message = Message.objects.select_related("group", "author__user").filter(pk=pk).first()
    if message is None or not can_moderate_group(actor, message.group):
        raise NotFound("No page here.")
    group = message.group
    membership = group_permissions.membership_for(actor, group)
    facilitator = group_permissions.can_facilitate(actor, group, membership)
    via = ""
    if (
        report is not None
        and Report.objects.filter(pk=report, message=message, status=ReportStatus.OPEN).exists()
    ):
        via = f"report {report}"
    elif (
        appeal is not None
        and is_organizer(actor)
        and Appeal.objects.filter(
            pk=appeal, status=AppealStatus.PENDING, entry__target_message_id=message.pk
        ).exists()
    ):
        via = f"appeal {appeal}"
    reader = membership if group_permissions.can_read(actor, group, membership) else None
    if not via and reader is None:
        raise NotFound("No page here.")
    return MessageAccess(message, reader, via, facilitator)


def open_item_about(message: Message) -> str:
    """An open queue item about the message, named as the audit log names it, or ""."""
    report = Report.objects.filter(message=message, status=ReportStatus.OPEN).first()
    return f"report {report.pk}" if report is not None else ""
