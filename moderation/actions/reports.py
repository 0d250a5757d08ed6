"""Reports, worries and the queue items screening creates; resolving them."""

from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community import ratelimit
from community.cleaning import check_text
from community.errors import Refused
from community.selectors import crisis_card_lines
from groups import audit, events
from groups import permissions as group_permissions
from groups.models import Group, Membership, Message
from groups.screening import Verdict
from moderation import alerts, permissions
from moderation.actions.common import clause_text, leave_note, require, speaking_to
from moderation.models import (
    SAFETY_CLAUSE,
    Report,
    ReportKind,
    ReportNote,
    ReportStatus,
    Urgency,
)

REPORT_RATE = 10 / 3600  # tokens per second: ten an hour
REPORT_BURST = 5
NOTE_MAX = 1000
# Said to the person who reported, in their language: `_(THANKS)`.
THANKS = gettext_noop(
    "Thank you for speaking up. The facilitators will look at it soon; you won't be named."
)


def note_text(note: str) -> str:
    """A reporter's note, trimmed; refused if too long to keep."""
    return check_text(note, field="note", max_length=NOTE_MAX)


def _limit(user: Any) -> None:
    ratelimit.require(
        f"report:{user.pk}",
        rate=REPORT_RATE,
        burst=REPORT_BURST,
        refusal=_(
            "You have sent several reports in a short time. The facilitators have them; "
            "please try again a little later."
        ),
    )


def _reader(user: Any, group: Any) -> Membership:
    membership = group_permissions.membership_for(user, group)
    return group_permissions.require_reader(user, group, membership)


def _file(
    *,
    kind: str,
    group: Any,
    clause: str,
    message: Message | None = None,
    member: Membership | None = None,
    reporter: Any = None,
    note: str = "",
    urgent: bool = False,
) -> Report:
    """Open a queue item, or merge into the open one about the same thing."""
    lookup: dict[str, Any] = {"kind": kind, "status": ReportStatus.OPEN}
    lookup.update(
        {"message": message} if message is not None else {"member": member, "message": None}
    )
    report = Report.objects.select_for_update().filter(**lookup).first()
    if report is None:
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    kind=kind,
                    group=group,
                    message=message,
                    member=member if member is not None else (message.author if message else None),
                    clause=clause,
                    urgency=Urgency.URGENT if urgent else Urgency.NORMAL,
                )
        except IntegrityError:
            report = Report.objects.select_for_update().get(**lookup)
        else:
            if urgent or kind == ReportKind.HELD:  # what the navigation counts
                alerts.queue_changed(group.pk)
    elif urgent and report.urgency != Urgency.URGENT:
        report.urgency = Urgency.URGENT
        report.save(update_fields=["urgency"])
        alerts.queue_changed(group.pk)
    if reporter is not None:
        ReportNote.objects.get_or_create(
            report=report,
            reporter=reporter,
            defaults={"clause": clause, "note": note.strip()[:1000]},
        )
    return report


@transaction.atomic
def report_message(*, reporter: Any, message_id: int, clause: str, note: str = "") -> Report:
    """Report a message as touching a clause (or as a safety concern)."""
    clause, note = clause_text(clause), note_text(note)
    message = Message.objects.select_related("group", "author").filter(pk=message_id).first()
    if message is None or message.held:
        raise Refused("not_found", _("That message can't be found."))
    membership = _reader(reporter, message.group)
    if message.author_id == membership.pk:
        raise Refused("own_message", _("You can delete or edit your own message instead."))
    return _reported(reporter, message.group, clause, note, message=message)


@transaction.atomic
def report_member(*, reporter: Any, membership_id: int, clause: str, note: str = "") -> Report:
    """Report a member (not one message) as touching a clause."""
    clause, note = clause_text(clause), note_text(note)
    target = Membership.objects.select_related("group").filter(pk=membership_id).first()
    if target is None or target.status != "active":
        raise Refused("not_found", _("That member can't be found."))
    membership = _reader(reporter, target.group)
    if target.pk == membership.pk:
        raise Refused("own_message", _("You can't report yourself."))
    return _reported(reporter, target.group, clause, note, member=target)


def _reported(
    reporter: Any,
    group: Group,
    clause: str,
    note: str,
    *,
    message: Message | None = None,
    member: Membership | None = None,
) -> Report:
    """A member's report of a message or a member, within their daily limit; a safety
    concern is urgent."""
    _limit(reporter)
    return _file(
        kind=ReportKind.REPORT,
        group=group,
        message=message,
        member=member,
        reporter=reporter,
        clause=clause,
        note=note,
        urgent=clause == SAFETY_CLAUSE,
    )


def crisis_in_words(membership: Membership) -> None:
    """Crisis words outside a message (a round's answer): an urgent item about the
    member for the facilitators, and the crisis card for the member."""
    _file(
        kind=ReportKind.CRISIS,
        group=membership.group,
        member=membership,
        clause=SAFETY_CLAUSE,
        urgent=True,
    )
    crisis_card(membership.user, membership.group)


def crisis_card(user: Any, group: Any, *, after: Message | None = None) -> None:
    """Privately offer crisis lines to a person, live and on their home page.

    With `after` (the person's message that just reached the room), the card names
    it, so the client shows the card once that message is shown: the card is sent
    on the same commit as the message, and may reach a socket first.
    """
    lines = [
        {
            "name": line.name,
            "phone": line.phone,
            "text": line.text,
            "website": line.website,
            "links": line.ways_to_reach(),
        }
        for line in crisis_card_lines(getattr(user, "region", ""))
    ]
    # The card is for this person, whoever's words or report brought it: their language.
    with speaking_to(user):
        title = _("You matter")
        text = _(
            "It sounds like things might be really hard right now. You don't have to carry "
            "it alone: these lines are open, and the people here care about you."
        )
        link_text = _("More ways to get help now")
    leave_note(user, kind="crisis", title=title, text=text, link=reverse("crisis"))
    card: dict[str, Any] = {
        "type": "notice",
        "kind": "crisis",
        "title": title,
        "text": text,
        "lines": lines,
        "link": reverse("crisis"),
        "link_text": link_text,
    }
    if after is not None:
        card["after_message"] = after.pk
    events.to_user(user.pk, card, group_id=group.pk)


@transaction.atomic
def worried_about(*, member: Any, message_id: int) -> Report:
    """ "I'm worried about this person": care for the author, an urgent item for facilitators."""
    message = Message.objects.select_related("group", "author__user").filter(pk=message_id).first()
    if message is None or message.held:
        raise Refused("not_found", _("That message can't be found."))
    _reader(member, message.group)
    _limit(member)
    report = _file(
        kind=ReportKind.WORRY,
        group=message.group,
        message=message,
        reporter=member,
        clause=SAFETY_CLAUSE,
        urgent=True,
    )
    if report.notes.count() == 1:
        crisis_card(message.author.user, message.group)
    return report


def after_screening(
    message: Message, *, flagged: bool, held: bool, crisis: bool, clause: str
) -> None:
    """Open the queue items screening asked for (inside the sender's transaction)."""
    if crisis:
        _file(
            kind=ReportKind.CRISIS,
            group=message.group,
            message=message,
            clause=SAFETY_CLAUSE,
            urgent=True,
        )
        # A held message never reaches the room, so its card follows nothing.
        crisis_card(message.author.user, message.group, after=None if held else message)
    if held:
        _file(kind=ReportKind.HELD, group=message.group, message=message, clause=clause)
    if flagged:
        _file(kind=ReportKind.FILTER, group=message.group, message=message, clause=clause)


def after_store(message: Message, verdict: Verdict) -> None:
    """What a verdict calls for once `message` is stored (the write path's call,
    through groups/screening.py)."""
    after_screening(
        message,
        flagged=verdict.action == "flag",
        held=message.held,
        crisis=verdict.crisis,
        clause=verdict.clause,
    )


@transaction.atomic
def resolve(*, actor: Any, report: Report, dismiss: bool = False, note: str = "") -> Report:
    """Close a queue item with a note; each reporter hears that it was reviewed."""
    note = check_text(note, field="note", max_length=500, collapse=True)
    report = (
        Report.objects.select_for_update(of=("self",))
        .select_related("group", "member__user")
        .get(pk=report.pk)
    )
    require(
        permissions.can_act_on(actor, report.group, report.member)
        if report.member is not None
        else permissions.can_moderate_group(actor, report.group)
    )
    if report.status != ReportStatus.OPEN:
        raise Refused("closed", _("Someone has already closed this item."))
    report.status = ReportStatus.DISMISSED if dismiss else ReportStatus.RESOLVED
    report.resolved_at, report.resolved_by = timezone.now(), actor
    report.resolution = note
    report.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    if report.urgency == Urgency.URGENT or report.kind == ReportKind.HELD:
        alerts.queue_changed(report.group_id)
    audit.record(
        "report_dismissed" if dismiss else "report_resolved",
        actor=actor,
        group=report.group,
        target_user=report.member.user if report.member is not None else None,
        message_id=report.message_id,
        clause=report.clause,
        reason=report.resolution,
    )
    for reporter_note in report.notes.select_related("reporter"):
        if reporter_note.reporter is not None:
            with speaking_to(reporter_note.reporter):
                title = _("Your report was reviewed")
                text = _(
                    "A facilitator looked at something you reported and has closed it. "
                    "Thank you for helping keep the space safe."
                )
            leave_note(reporter_note.reporter, kind="report_outcome", title=title, text=text)
    return report
