"""Reads for moderation pages, each with a fixed number of queries."""

from datetime import date
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, Prefetch, Q, QuerySet, Subquery

from community.navigation import count_of
from groups.models import AuditEntry, Clause, Group, Message
from moderation import permissions
from moderation.models import (
    SAFETY_CLAUSE,
    Appeal,
    AppealStatus,
    NudgeTemplate,
    Report,
    ReportKind,
    ReportNote,
    ReportStatus,
    Urgency,
)

CONTEXT = 2  # messages shown before and after a reported one


def clause_choices(group: Group) -> list[tuple[str, str]]:
    """The current agreement's clause titles, plus a general safety concern."""
    titles = Clause.objects.filter(
        agreement__group=group, agreement__version=group.agreement_version
    ).values_list("title", flat=True)
    return [(title, title) for title in titles] + [(SAFETY_CLAUSE, SAFETY_CLAUSE)]


def open_items(actor: Any) -> QuerySet[Report]:
    """The open items the person may act on: in their groups, never about themselves."""
    return (
        Report.objects.filter(
            status=ReportStatus.OPEN, group__in=permissions.moderated_groups(actor)
        )
        # Nobody reviews reports about themselves (or reads the notes written about them).
        .exclude(member__user=actor.pk)
    )


def navigation(actor: Any) -> dict[str, Any]:
    """What the site's navigation counts for the safety queue (community/navigation.py).

    `moderates`: the person keeps at least one group's queue; `urgent` and `held`:
    its open urgent items and messages waiting for review; `urgent_item` and
    `urgent_group`: the newest urgent item's id and its group's id (numbers only:
    the navigation shows on every page, so no group's name goes into it).
    """
    items = open_items(actor)
    urgent = items.filter(urgency=Urgency.URGENT).order_by("-created_at", "-pk")
    return {
        "moderates": Exists(permissions.moderated_groups(actor)),
        "urgent": count_of(urgent),
        # As the room's bar shows them: a message its author withdrew waits for nobody.
        "held": count_of(items.filter(kind=ReportKind.HELD, message__deleted_at__isnull=True)),
        "urgent_item": Subquery(urgent.values("pk")[:1]),
        "urgent_group": Subquery(urgent.values("group_id")[:1]),
    }


def queue(actor: Any, *, limit: int = 50) -> list[Report]:
    """Open items in the person's groups, urgent first then oldest, with bounded context."""
    reports: list[Report] = list(
        open_items(actor)
        .select_related("group", "message__author__user", "member__user")
        .prefetch_related(Prefetch("notes", queryset=ReportNote.objects.order_by("created_at")))
        .annotate(reporter_count=Count("notes"))
        .order_by("urgency", "created_at")[:limit]
    )
    windows = [
        Q(group_id=r.group_id, seq__gte=r.message.seq - CONTEXT, seq__lte=r.message.seq + CONTEXT)
        for r in reports
        if r.message is not None and r.message.seq is not None
    ]
    around: list[Message] = []
    if windows:
        around = list(
            Message.objects.filter(reduce(or_, windows))
            .select_related("author__user")
            .order_by("group_id", "seq")
        )
    for report in reports:
        report.context = _context(report.message, around)  # type: ignore[attr-defined]
    return reports


def _context(message: Message | None, around: list[Message]) -> list[Message]:
    if message is None or message.seq is None:
        return [message] if message is not None else []
    low, high = message.seq - CONTEXT, message.seq + CONTEXT
    return [
        m
        for m in around
        if m.group_id == message.group_id and m.seq is not None and low <= m.seq <= high
    ]


def nudge_templates() -> QuerySet[NudgeTemplate]:
    return NudgeTemplate.objects.all()


def log(
    actor: Any,
    *,
    group: str = "",
    action: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries the person may read, newest first, filtered."""
    entries = AuditEntry.objects.select_related("actor", "target_user", "group")
    if not permissions.is_organizer(actor):
        entries = entries.filter(group__in=permissions.moderated_groups(actor))
    if group:
        entries = entries.filter(group__slug=group)
    if action:
        entries = entries.filter(action=action)
    if since:
        entries = entries.filter(created_at__date__gte=since)
    if until:
        entries = entries.filter(created_at__date__lte=until)
    return entries.order_by("-created_at", "-id")


def record(user: Any) -> QuerySet[AuditEntry]:
    """What was decided about this person, with any appeal.

    Closing a report about them is not a decision about them, and showing it would
    tell them they were reported.
    """
    return (
        AuditEntry.objects.filter(target_user=user)
        .exclude(action__startswith="report_")
        .select_related("group", "appeal")
        .order_by("-created_at", "-id")
    )


def pending_appeals() -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(status=AppealStatus.PENDING)
        .select_related("entry__group", "entry__actor", "user")
        .order_by("created_at")
    )
