"""Private notes to one person: stored for their home page, never naming a group."""

from typing import Any

from community.models import Notice


def notify(user: Any, *, kind: str, title: str, text: str, link: str = "") -> Notice:
    """Leave a notice for `user`. Keep group names and message text out of it."""
    return Notice.objects.create(user=user, kind=kind, title=title, text=text, link=link)
