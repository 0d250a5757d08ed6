"""Private notes to one person: stored for their home and notes pages, never naming a group."""

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from community.models import Notice


def notify(
    user: Any,
    *,
    kind: str,
    title: str,
    text: str,
    link: str = "",
    until: datetime | None = None,
    ended_title: str = "",
) -> Notice:
    """Leave a notice for `user`. Keep group names and message text out of it.

    With `until`, the note tells of something that ends then (a pause on posting);
    after that it is worded with `ended_title` and no longer counts as unread. The
    text itself names no time: pages show `until` in the reader's own time zone.
    """
    return Notice.objects.create(
        user=user,
        kind=kind,
        title=title,
        text=text,
        link=link,
        until=until,
        ended_title=ended_title,
    )


def end_notices(user: Any, *, kind: str, link: str | None = None) -> int:
    """What the person's notes of `kind` (about `link`) tell of is over now."""
    now = timezone.now()
    notes = Notice.objects.filter(Q(until__isnull=True) | Q(until__gt=now), user=user, kind=kind)
    if link is not None:
        notes = notes.filter(link=link)
    return notes.update(until=now)


def dismiss(*, user: Any, notice_id: int) -> bool:
    """Put a note down; it stays in the history. False when it is not the person's."""
    found = Notice.objects.filter(pk=notice_id, user=user, dismissed_at__isnull=True)
    return bool(found.update(dismissed_at=timezone.now())) or (
        Notice.objects.filter(pk=notice_id, user=user).exists()
    )


def dismiss_all(*, user: Any) -> int:
    """Put every note down."""
    return Notice.objects.filter(user=user, dismissed_at__isnull=True).update(
        dismissed_at=timezone.now()
    )
