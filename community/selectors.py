"""Reads for site-wide pages."""

from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from community.models import CrisisLine, Notice


def crisis_lines_for(region: str) -> QuerySet[CrisisLine]:
    """Return crisis lines with `region`'s first, then lines that answer anywhere."""
    rank = Case(
        When(region=region, then=Value(0)),
        When(region="INTL", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return CrisisLine.objects.annotate(rank=rank).order_by("rank", "region", "order", "name")


def crisis_card_lines(region: str) -> list[CrisisLine]:
    """The few lines a crisis card shows: only those that answer where the person is.

    A number from another country may not connect at all; /crisis/ lists the rest.
    """
    return list(crisis_lines_for(region).filter(region__in=[region, "INTL"])[:3])


def recent_notices(user: Any, *, limit: int = 5) -> list[Notice]:
    """The person's latest private notices; showing them marks them read."""
    notices = list(Notice.objects.filter(user=user).order_by("-created_at")[:limit])
    unread = [n.pk for n in notices if n.read_at is None]
    if unread:
        Notice.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return notices
