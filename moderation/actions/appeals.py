"""Appeals: a member may appeal each decision about them once; organizers decide."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.cleaning import check_text
from community.errors import Refused
from community.notices import end_notices
from groups import audit, events
from groups.models import AuditEntry, Membership, MembershipStatus
from moderation import permissions
from moderation.actions.common import group_link, leave_note, require, speaking_to
from moderation.actions.messages import restore_on_appeal
from moderation.models import Appeal, AppealStatus

APPEALABLE = {"mute", "remove", "ban", "hide", "suspend", "decline_message", "nudge"}


@transaction.atomic
def appeal(*, user: Any, entry: AuditEntry, text: str) -> Appeal:
    """Ask the organizers to look again at one decision about you."""
    text = check_text(text, field="text", label="appeal", max_length=1500)
    if entry.target_user_id != user.pk or entry.action not in APPEALABLE:
        raise Refused("not_found", _("That decision can't be appealed."))
    if not text:
        raise Refused("empty", _("Please tell the organizers what you would like them to know."))
    try:
        with transaction.atomic():
            return Appeal.objects.create(entry=entry, user=user, text=text)
    except IntegrityError:
        raise Refused("already_appealed", _("You have already appealed this decision.")) from None


def _reverse(entry: AuditEntry) -> None:
    """Undo what can be undone when a decision is overturned."""
    if entry.action in {"mute", "remove", "ban"} and entry.group_id:
        membership = Membership.objects.filter(
            group_id=entry.group_id, user=entry.target_user
        ).first()
        if membership is None:
            return
        if entry.action == "mute":
            membership.muted_until, membership.mute_reason = None, ""
            membership.save(update_fields=["muted_until", "mute_reason"])
            end_notices(membership.user, kind="mute", link=group_link(membership.group))
            events.recheck_user(membership.user_id, group_id=membership.group_id)
        elif membership.status in {MembershipStatus.REMOVED, MembershipStatus.BANNED}:
            membership.status = MembershipStatus.LEFT
            membership.save(update_fields=["status"])
    elif entry.action == "hide" and entry.target_message_id:
        restore_on_appeal(message_id=entry.target_message_id)
    elif entry.action == "suspend" and entry.target_user is not None:
        entry.target_user.suspended_until = None
        entry.target_user.save(update_fields=["suspended_until"])
        end_notices(entry.target_user, kind="suspend")


@transaction.atomic
def decide(*, actor: Any, appeal: Appeal, overturn: bool, note: str = "") -> Appeal:
    """An organizer upholds or overturns a decision; both are logged."""
    note = check_text(note, field="note", max_length=800, collapse=True)
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("entry", "user")
        .get(pk=appeal.pk)
    )
    require(permissions.can_decide_appeal(actor, appeal))
    if appeal.status != AppealStatus.PENDING:
        raise Refused("closed", _("This appeal has already been decided."))
    appeal.status = AppealStatus.OVERTURNED if overturn else AppealStatus.UPHELD
    appeal.decided_at, appeal.decided_by = timezone.now(), actor
    appeal.decision = note
    appeal.save(update_fields=["status", "decided_at", "decided_by", "decision"])
    if overturn:
        _reverse(appeal.entry)
    # One entry for the decision, whatever it undid, naming the message it was about:
    # showing a hidden message again is part of this decision, not another one.
    audit.record(
        "appeal_overturned" if overturn else "appeal_upheld",
        actor=actor,
        group=appeal.entry.group,
        target_user=appeal.user,
        message_id=appeal.entry.target_message_id,
        reason=appeal.decision,
    )
    with speaking_to(appeal.user):
        title = _("Your appeal was decided")
        if overturn and appeal.decision:
            text = _("An organizer reversed the decision you appealed. Their note: %(note)s") % {
                "note": appeal.decision
            }
        elif overturn:
            text = _("An organizer reversed the decision you appealed.")
        elif appeal.decision:
            text = _("An organizer looked again and the decision stands. Their note: %(note)s") % {
                "note": appeal.decision
            }
        else:
            text = _("An organizer looked again and the decision stands.")
    leave_note(appeal.user, kind="appeal", title=title, text=text)
    return appeal
