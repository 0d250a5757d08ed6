"""Reads for moderation pages, each with a fixed number of queries."""

from datetime import date, datetime
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.timezone import localdate
from django.utils.translation import gettext, gettext_lazy

from community.navigation import count_of
from groups.models import AuditEntry, Clause, Group, Membership, MembershipStatus, Message, Role
from groups.selectors import readable
from groups.session_records import Raised as SessionRaised
from moderation import permissions
from moderation.models import (
    SAFETY_CLAUSE,
    SAFETY_CLAUSE_LABEL,
    Appeal,
    AppealStatus,
    NudgeTemplate,
    Report,
    ReportKind,
    ReportNote,
    ReportStatus,
    Urgency,
)

CONTEXT = 2
# Items that ask for care, not a judgement about the person (see `open_items`).
CARE = (ReportKind.CRISIS, ReportKind.WORRY)
# Logged, but not decisions about the person: kept out of their record.
NOT_DECISIONS = ("read_message", "account_lookup")  # messages shown before and after a reported one


def clause_choices(group: Group) -> list[tuple[str, str]]:
    """The current agreement's clause titles, plus a general safety concern."""
    titles = Clause.objects.filter(
        agreement__group=group, agreement__version=group.agreement_version
    ).values_list("title", flat=True)
    # The value stays as stored and compared; the label is in the reader's language.
    return [(title, title) for title in titles] + [(SAFETY_CLAUSE, str(SAFETY_CLAUSE_LABEL))]


def open_items(actor: Any) -> QuerySet[Report]:
    """The open items the person may act on: in their groups, never about themselves."""
    return items_for(actor).filter(status=ReportStatus.OPEN)


def items_for(actor: Any) -> QuerySet[Report]:
    """The items the person may act on while they are open, whatever their state now.

    A complaint or a flag about a facilitator is for the organizers (only they act on
    facilitators), and one about an organizer for the site's administrators. Care is
    for everyone who keeps the group: crisis words or a worry about a facilitator
    reach their co-facilitators too, since at night they may be the ones awake.
    (The roles are read from the row as it is; standing is in `moderated_groups`.)
    """
    items = Report.objects.filter(group__in=permissions.moderated_groups(actor))
    # Nobody reviews reports about themselves (or reads the notes written about them).
    items = items.exclude(member__user=actor.pk)
    judgement = ~Q(kind__in=CARE)
    if not getattr(actor, "is_superuser", False):
        items = items.exclude(
            judgement & (Q(member__user__is_organizer=True) | Q(member__user__is_superuser=True))
        )
    if not getattr(actor, "is_organizer", False):
        items = items.exclude(judgement & Q(member__role=Role.FACILITATOR))
    return items


# How a session's record names each kind of item raised while it ran, in this order.
RAISED_LABELS = {
    ReportKind.CRISIS: gettext_lazy("Crisis words"),
    ReportKind.WORRY: gettext_lazy("Someone worried about a member"),
    ReportKind.REPORT: gettext_lazy("Reports"),
    ReportKind.HELD: gettext_lazy("Messages held for review"),
    ReportKind.FILTER: gettext_lazy("Word-filter flags"),
}


def raised_in_session(
    *, viewer: Any, group: Group, since: datetime, until: datetime
) -> list[SessionRaised]:
    """Queue items opened in `group` between `since` and `until`, counted by kind (one
    query), as the viewer's queue would have shown them: never an item about
    themselves, nor a judgement of a facilitator to a fellow facilitator. Counts
    only: no message, note or name."""
    rows = (
        items_for(viewer)
        .filter(group=group, created_at__gte=since, created_at__lte=until)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"), still_open=Count("pk", filter=Q(status=ReportStatus.OPEN)))
    )
    counts = {row["kind"]: row for row in rows}
    days = {"since": localdate(since).isoformat(), "until": localdate(until).isoformat()}
    log = f"{reverse('moderation:log')}?{urlencode({'group': group.slug, **days})}"
    found = []
    for kind, label in RAISED_LABELS.items():
        row = counts.get(kind)
        if row is None:
            continue
        found.append(
            SessionRaised(
                label=str(label),
                count=row["n"],
                still_open=row["still_open"],
                link=reverse("moderation:queue") if row["still_open"] else log,
                link_text=gettext("Open the safety queue")
                if row["still_open"]
                else gettext("What was decided, in the moderation log"),
            )
        )
    return found


def navigation(actor: Any) -> dict[str, Any]:
    """Whether the person keeps at least one group's queue (`moderates`), for the site's
    navigation (community/navigation.py), which reads `queue_numbers` only if so."""
    return {"moderates": Exists(permissions.moderated_groups(actor))}


# The queue's numbers for someone who moderates nothing.
NO_QUEUE = {"urgent": 0, "held": 0, "urgent_item": None, "urgent_group": None}


def queue_numbers(actor: Any) -> dict[str, Any]:
    """What the navigation counts for the safety queue of a person who moderates.

    `urgent` and `held`: its open urgent items and messages waiting for review;
    `urgent_item` and `urgent_group`: the newest urgent item's id and its group's id
    (numbers only: the navigation shows on every page, so no group's name goes into it).
    """
    items = open_items(actor)
    urgent = items.filter(urgency=Urgency.URGENT).order_by("-created_at", "-pk")
    return {
        "urgent": count_of(urgent),
        # As the room's bar shows them: a message its author withdrew waits for nobody.
        "held": count_of(items.filter(kind=ReportKind.HELD, message__deleted_at__isnull=True)),
        "urgent_item": Subquery(urgent.values("pk")[:1]),
        "urgent_group": Subquery(urgent.values("group_id")[:1]),
    }


def queue(actor: Any, *, limit: int = 50) -> list[Report]:
    """Open items the person may act on, urgent first then oldest, with bounded context.

    Each item's own message is readable through the item (`item.via`); the messages
    around it only to the group's facilitators, who read the room anyway.
    """
    reports: list[Report] = list(
        open_items(actor)
        .select_related("group", "message__author__user", "member__user")
        .prefetch_related(Prefetch("notes", queryset=ReportNote.objects.order_by("created_at")))
        .annotate(reporter_count=Count("notes"))
        .order_by("urgency", "created_at")[:limit]
    )
    facilitating = set(
        Membership.objects.filter(
            user=actor, role=Role.FACILITATOR, status=MembershipStatus.ACTIVE
        ).values_list("group_id", flat=True)
    )
    windows = [
        Q(group_id=r.group_id, seq__gte=r.message.seq - CONTEXT, seq__lte=r.message.seq + CONTEXT)
        for r in reports
        if r.message is not None and r.message.seq is not None and r.group_id in facilitating
    ]
    around: list[Message] = []
    if windows:
        around = readable(
            Message.objects.filter(reduce(or_, windows))
            .select_related("author__user")
            .order_by("group_id", "seq"),
            reader=None,
            moderator=True,
        )
    for report in reports:
        named = readable([report.message], reader=None, moderator=True) if report.message else []
        report.via = f"report {report.pk}"
        report.context = (  # type: ignore[attr-defined]
            _context(named[0], around) if named and report.group_id in facilitating else named
        )
    return reports


def _context(message: Message, around: list[Message]) -> list[Message]:
    if message.seq is None:
        return [message]
    low, high = message.seq - CONTEXT, message.seq + CONTEXT
    return [
        message if m.pk == message.pk else m
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
    """Audit entries the person may read, newest first, filtered.

    People are named as their group knows them (`actor_name`, `target_name`): a
    pseudonym stays a pseudonym here too, for organizers as well (the account
    behind one is a separate, audited lookup).
    """
    entries = AuditEntry.objects.select_related("group").annotate(
        actor_name=_name_in_group("actor"), target_name=_name_in_group("target_user")
    )
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


def _name_in_group(person: str) -> Coalesce:
    """The name `person` goes by in the entry's group, or their display name site-wide."""
    pseudonym = Membership.objects.filter(group=OuterRef("group"), user=OuterRef(person)).values(
        "pseudonym"
    )[:1]
    return Coalesce(
        NullIf(Subquery(pseudonym), Value("")),
        F(f"{person}__display_name"),
        output_field=CharField(),
    )


def record(user: Any) -> QuerySet[AuditEntry]:
    """What was decided about this person, with any appeal.

    Closing a report about them is not a decision about them, and showing it would
    tell them they were reported; nor is a moderator's read of their message or look
    at the account behind their name.
    """
    return (
        AuditEntry.objects.filter(target_user=user)
        .exclude(action__startswith="report_")
        .exclude(action__in=NOT_DECISIONS)
        .select_related("group", "appeal")
        .order_by("-created_at", "-id")
    )


def pending_appeals() -> QuerySet[Appeal]:
    return (
        Appeal.objects.filter(status=AppealStatus.PENDING)
        .select_related("entry__group", "entry__actor", "user")
        .order_by("created_at")
    )
