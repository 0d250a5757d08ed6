"""Actions about messages: hide and restore, and deciding on held messages."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.errors import Refused
from groups import audit, events
from groups.actions.chat import take_change, take_seq
from groups.models import Group, Membership, Message, RemovedBy, Role
from groups.payloads import message_payload
from moderation import alerts, permissions
from moderation.actions.common import clause_text, reason_text, require, speaking_to, tell
from moderation.models import Report, ReportKind, ReportStatus, clause_label


def _message(message_id: int) -> tuple[Group, Message]:
    group_id = Message.objects.filter(pk=message_id).values_list("group_id", flat=True).first()
    if group_id is None:
        raise Refused("not_found", _("That message can't be found."))
    # The group's row first, then the message's: the chat write path locks in this order.
    group = Group.objects.select_for_update().get(pk=group_id)
    message = (
        Message.objects.select_for_update(of=("self",))  # not the nullable resource's row
        .select_related("author__user", "group", "resource__group")
        .get(pk=message_id)
    )
    return group, message


def _tell_facilitators(group: Group, message: Message) -> None:
    """Facilitators keep seeing a hidden message's text, marked as hidden."""
    payload = {"type": "message.updated", "message": message_payload(message, reveal_hidden=True)}
    for user_id in Membership.objects.filter(
        group=group, role=Role.FACILITATOR, status="active"
    ).values_list("user_id", flat=True):
        events.to_user(user_id, payload, group_id=group.pk)


def _citing(clause: str, cited: str, uncited: str) -> str:
    """The author's notice naming the clause their message touched, when one was given
    (each wording is a whole sentence, so it translates whole)."""
    return cited % {"clause": clause_label(clause)} if clause else uncited


def _keep_from_members(
    actor: Any, group: Group, message: Message, action: str, clause: str, reason: str
) -> None:
    """Hide `message` from members, citing `clause`, and log `action`. A hidden one
    takes a change number, so every socket's copy is told; a declined held one was
    never in the room."""
    message.hidden_at, message.hidden_by, message.hidden_clause = timezone.now(), actor, clause
    fields = ["hidden_at", "hidden_by", "hidden_clause"]
    if action == "hide":
        message.change = take_change(group)
        fields.append("change")
    message.save(update_fields=fields)
    audit.record(
        action,
        actor=actor,
        group=group,
        target_user=message.author.user,
        message_id=message.pk,
        clause=clause,
        reason=reason,
    )


@transaction.atomic
def hide(*, actor: Any, message_id: int, clause: str, reason: str = "") -> Message:
    """Hide a message from members at once; facilitators can still read it."""
    clause, reason = clause_text(clause), reason_text(reason)
    group, message = _message(message_id)
    require(permissions.can_act_on(actor, group, message.author))
    if message.hidden_at is not None:
        return message
    _keep_from_members(actor, group, message, "hide", clause, reason)
    if message.seq is not None:
        events.to_group(
            group.pk, events.message_removed(message, reason=RemovedBy.FACILITATOR, clause=clause)
        )
        _tell_facilitators(group, message)
    with speaking_to(message.author.user):
        title = _("One of your messages was hidden")
        text = _citing(
            clause,
            _(
                "A facilitator hid one of your messages because it touched the agreement's "
                "“%(clause)s”. This is a chance to repair, not a verdict on you. You can "
                "appeal from your record."
            ),
            _(
                "A facilitator hid one of your messages because it touched the group's "
                "agreement. This is a chance to repair, not a verdict on you. You can "
                "appeal from your record."
            ),
        )
    tell(message.author.user, group, kind="hide", title=title, text=text)
    return message


def _show_again(group: Group, message: Message) -> None:
    """Unhide a locked message and tell the room (the caller logs why)."""
    message.hidden_at, message.hidden_by, message.hidden_clause = None, None, ""
    message.change = take_change(group)
    message.save(update_fields=["hidden_at", "hidden_by", "hidden_clause", "change"])
    if message.seq is not None:
        events.to_group(group.pk, {"type": "message.updated", "message": message_payload(message)})


@transaction.atomic
def restore(*, actor: Any, message_id: int, reason: str = "") -> Message:
    """Show a hidden message to members again."""
    reason = reason_text(reason)
    group, message = _message(message_id)
    require(permissions.can_act_on(actor, group, message.author))
    if message.hidden_at is None:
        return message
    _show_again(group, message)
    audit.record(
        "restore",
        actor=actor,
        group=group,
        target_user=message.author.user,
        message_id=message.pk,
        reason=reason,
    )
    return message


@transaction.atomic
def restore_on_appeal(*, message_id: int) -> Message | None:
    """Show a message again because an appeal overturned its hiding.

    Only `appeals.decide` calls this, having checked who may decide; the appeal's own
    audit entry records the decision, so nothing is logged here.
    """
    try:
        group, message = _message(message_id)
    except Refused:
        return None  # deleted since: nothing left to show
    if message.hidden_at is not None:
        _show_again(group, message)
    return message


def _close_held_report(actor: Any, message: Message, outcome: str) -> None:
    Report.objects.filter(message=message, kind=ReportKind.HELD, status=ReportStatus.OPEN).update(
        status=ReportStatus.RESOLVED,
        resolved_at=timezone.now(),
        resolved_by=actor,
        resolution=outcome,
    )
    alerts.queue_changed(message.group_id)  # one message fewer waits for them


@transaction.atomic
def approve_held(*, actor: Any, message_id: int) -> Message:
    """Publish a newcomer's held message: it takes the next number and reaches the room."""
    group, message = _message(message_id)
    require(permissions.can_act_on(actor, group, message.author))
    if not message.held or message.is_hidden:
        raise Refused("not_held", _("That message is not waiting for approval."))
    if message.is_deleted:
        raise Refused("gone", _("Its author removed that message."))
    seq, change = take_seq(group)
    message.held, message.seq, message.change, message.created_at = (
        False,
        seq,
        change,
        timezone.now(),
    )
    message.save(update_fields=["held", "seq", "change", "created_at"])
    Membership.objects.filter(pk=message.author_id).update(
        published_count=message.author.published_count + 1
    )
    _close_held_report(actor, message, "Approved")
    audit.record(
        "approve_message",
        actor=actor,
        group=group,
        target_user=message.author.user,
        message_id=message.pk,
    )
    events.to_group(group.pk, {"type": "message.new", "message": message_payload(message)})
    return message


@transaction.atomic
def decline_held(*, actor: Any, message_id: int, clause: str = "", reason: str = "") -> Message:
    """Keep a held message out of the room, and tell its author kindly."""
    clause, reason = clause_text(clause), reason_text(reason)
    group, message = _message(message_id)
    require(permissions.can_act_on(actor, group, message.author))
    if not message.held or message.is_hidden:
        raise Refused("not_held", _("That message is not waiting for approval."))
    _keep_from_members(actor, group, message, "decline_message", clause, reason)
    _close_held_report(actor, message, "Declined")
    with speaking_to(message.author.user):
        title = _("A message was not posted")
        text = _citing(
            clause,
            _(
                "A facilitator did not post one of your messages, because of the "
                "agreement's “%(clause)s”. You're welcome to share again in your own words."
            ),
            _(
                "A facilitator did not post one of your messages, because of the group's "
                "agreement. You're welcome to share again in your own words."
            ),
        )
    tell(
        message.author.user,
        group,
        kind="declined",
        title=title,
        text=text,
        declined_message=message.pk,  # the author's open rooms stop showing it as waiting
    )
    return message
