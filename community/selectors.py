"""Reads for site-wide pages."""

import re
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from community.models import CrisisLine, DataExport, Notice, Theme


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


def unread_notices(user: Any) -> QuerySet[Notice]:
    """Notes the person has not put down and that are still true, newest first.

    A note whose moment has passed (a pause on posting that has lifted) is history:
    it stays on the notes page, worded in the past, but no longer waits on home.
    """
    return Notice.objects.filter(
        Q(until__isnull=True) | Q(until__gt=timezone.now()),
        user=user.pk,
        dismissed_at__isnull=True,
    ).order_by("-created_at", "-pk")


def notices_for_home(user: Any, *, limit: int = 3) -> list[Notice]:
    """The newest few unread notes; showing them changes nothing."""
    return list(unread_notices(user)[:limit])


def all_notices(user: Any, *, limit: int = 100) -> list[Notice]:
    """The person's notes, newest first: the history on the notes page."""
    return list(Notice.objects.filter(user=user).order_by("-created_at", "-pk")[:limit])


def my_exports(user: Any) -> list[DataExport]:
    """The person's downloads still kept, newest first, without their bytes."""
    found = DataExport.objects.filter(user=user).defer("content")
    return [e for e in found if not e.is_expired]


def themes_for(user: Any) -> list[Theme]:
    """The organizers' themes in their order, each with `avoided` for this person (one query)."""
    avoided = Theme.avoided_by.through.objects.filter(theme=OuterRef("pk"), user=user.pk)
    return list(Theme.objects.annotate(avoided=Exists(avoided)))


def words(text: str) -> str:
    """Lower-cased words between single spaces: "Self-harm, loss" is "self harm loss".

    room.js has the same rule (`words`), so a live message folds as a reloaded one does.
    """
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


def avoided_names(themes: list[Theme]) -> set[str]:
    """The words of the themes marked avoided, to match content warnings."""
    return {words(theme.name) for theme in themes if getattr(theme, "avoided", False)}


def touches(warning: str, avoided: set[str]) -> bool:
    """Whether a warning names an avoided theme as whole words.

    "Talk of suicide" and "Suicide, loss" touch "suicide"; "suicidal" does not.
    """
    padded = f" {words(warning)} "
    return any(f" {name} " in padded for name in avoided)
