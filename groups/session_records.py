"""The short private record of a group's past sessions, for those who keep the group.

When a session ran, how long, who started it, who came (by the name each goes by
in the group), the rounds held and what was raised meanwhile. Nothing here reads
a message, and a round's answers are read only as numbers summed up in SQL (how
many answered or passed, an average and a spread): no answer's words and no one
person's score ever leave the database for these pages.

What was raised lives in moderation (reports, crisis words, held messages), and
groups never imports moderation: moderation registers a reader here in its
`AppConfig.ready()` (`register_raised`), as it does for the navigation's counts.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from community.navigation import count_of
from groups.models import Attendance, Group, LiveSession, Membership, Round, RoundKind
from groups.session_state import OVERTIME

PER_PAGE = 25
# Fewer scores than this are not summed up: an average of one is that person's own number.
MIN_SCORES = 3


def is_over(*, now: datetime) -> Q:
    """Sessions that have ended, or were forgotten and are past their overtime."""
    return Q(ended_at__isnull=False) | Q(ends_at__lt=now - OVERTIME)


def _past(group: Group, *, now: datetime) -> QuerySet[LiveSession]:
    return (
        LiveSession.objects.filter(is_over(now=now), group=group)
        .select_related("started_by__user")
        .defer("started_by__user__bio", "started_by__user__bio_html")
    )


def past_sessions(group: Group, *, page: Any = 1, now: datetime | None = None) -> Page:
    """A page of the group's past sessions, newest first, each with how many came and
    how many rounds it held (two queries: the count and the page)."""
    now = now or timezone.now()
    sessions = (
        _past(group, now=now)
        .annotate(
            attended_count=count_of(Attendance.objects.filter(session=OuterRef("pk"))),
            round_count=count_of(Round.objects.filter(session=OuterRef("pk"))),
        )
        .order_by("-started_at", "-pk")
    )
    return Paginator(sessions, PER_PAGE).get_page(page)


def past_session(group: Group, pk: int, *, now: datetime | None = None) -> LiveSession | None:
    """One past session of this group, or None (another group's is missing here)."""
    return _past(group, now=now or timezone.now()).filter(pk=pk).first()


def ended_at(session: LiveSession) -> datetime:
    """When the session ended; for one nobody ended, its planned end."""
    return session.ended_at or session.ends_at


def attendees(session: LiveSession) -> list[Membership]:
    """Who was in the room, named as the group knows them (a pseudonym stays one)."""
    found = (
        Membership.objects.filter(attended__session=session)
        .select_related("user")
        .defer("user__bio", "user__bio_html")
    )
    return sorted(found, key=lambda m: m.display_name.casefold())


@dataclass(frozen=True)
class RoundRecord:
    """A round as its keepers may look back on it: counts and a spread, never an answer."""

    kind: str
    kind_label: str
    prompt: str
    opened_at: datetime
    closed_at: datetime | None
    answered: int = 0
    passed: int = 0
    scored: int = 0
    average: float | None = None
    lowest: int | None = None
    highest: int | None = None
    had_turn: int = 0
    in_order: int = 0

    @property
    def is_piece(self) -> bool:
        return self.kind == RoundKind.TALKING_PIECE

    @property
    def summed_up(self) -> bool:
        return self.scored >= MIN_SCORES


def rounds(session: LiveSession) -> list[RoundRecord]:
    """The session's rounds in order, each answered round summed up in the one query."""
    found = (
        Round.objects.filter(session=session)
        .only("kind", "prompt", "opened_at", "closed_at", "order", "position")
        .annotate(
            answered=Count("answers", filter=Q(answers__passed=False)),
            passed_count=Count("answers", filter=Q(answers__passed=True)),
            scored=Count("answers__score"),
            average=Avg("answers__score"),
            lowest=Min("answers__score"),
            highest=Max("answers__score"),
        )
        .order_by("opened_at", "pk")
    )
    records = []
    for round_ in found:
        kind_label = RoundKind(round_.kind).label if round_.kind in RoundKind.values else ""
        when: dict[str, Any] = {
            "kind": round_.kind,
            "kind_label": str(kind_label),
            "prompt": round_.prompt,
            "opened_at": round_.opened_at,
            "closed_at": round_.closed_at,
        }
        if round_.kind == RoundKind.TALKING_PIECE:
            order = [m for m in round_.order if isinstance(m, int)]
            # Everyone up to the holder's place has held the piece (a skip takes a
            # person out of the order still to come, never out of what happened).
            reached = order[: min(round_.position + 1, len(order))]
            records.append(
                RoundRecord(**when, had_turn=len(set(reached)), in_order=len(set(order)))
            )
            continue
        summed = round_.scored >= MIN_SCORES
        records.append(
            RoundRecord(
                **when,
                answered=round_.answered,
                passed=round_.passed_count,
                scored=round_.scored,
                average=round(round_.average, 1) if summed else None,
                lowest=round_.lowest if summed else None,
                highest=round_.highest if summed else None,
            )
        )
    return records


# --- What was raised during a session (read by moderation) ----------------------


@dataclass(frozen=True)
class Raised:
    """A kind of item raised during a session: how many, still open, and where to see them."""

    label: str
    count: int
    still_open: int = 0
    link: str = ""
    link_text: str = ""


RaisedReader = Callable[..., list[Raised]]
_readers: list[RaisedReader] = []


def register_raised(reader: RaisedReader) -> None:
    """Add `reader(viewer=, group=, since=, until=) -> [Raised]` (one query each)."""
    if reader not in _readers:
        _readers.append(reader)


def raised(*, viewer: Any, group: Group, session: LiveSession) -> list[Raised]:
    """What was raised in the group while the session ran, as this viewer may know of it."""
    since, until = session.started_at, ended_at(session)
    found: list[Raised] = []
    for reader in _readers:
        found.extend(reader(viewer=viewer, group=group, since=since, until=until))
    return found
