"""What every moderation action shares: refusing, naming clauses, telling people."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from community.cleaning import check_text
from community.errors import Refused
from community.notices import notify
from groups import events
from groups.models import Group

CLAUSE_MAX = 80  # the clause columns: a report's, the audit log's, a hidden message's
REASON_MAX = 500  # the audit log's reason


def require(allowed: bool) -> None:
    if not allowed:
        raise Refused("forbidden", _("You can't take that action here."))


def clause_text(clause: str) -> str:
    """A clause as given, trimmed; refused if the rows can't hold it."""
    return check_text(clause, field="clause", max_length=CLAUSE_MAX)


def reason_text(reason: str) -> str:
    """A reason for the log, trimmed; refused if the log can't hold it."""
    return check_text(reason, field="reason", max_length=REASON_MAX)


def language_of(user: Any) -> str:
    """The language a person reads Hearth in (the site's own if they chose none)."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def speaking_to(user: Any) -> translation.override:
    """Words written for one person (a notice, a stored explanation) are in their
    language, whoever's request writes them: `with speaking_to(user): ...`."""
    return translation.override(language_of(user))


def leave_note(user: Any, **fields: Any) -> None:
    """Leave a private note, and update the count of unread notes on their open pages."""
    notify(user, **fields)
    events.alerts_changed([user.pk])


def tell(
    user: Any,
    group: Group | None,
    *,
    kind: str,
    title: str,
    text: str,
    until: datetime | None = None,
    ended_title: str = "",
    **live: Any,
) -> None:
    """Leave a private notice and show it at once on the person's open sockets.

    `until` is when what it tells of ends (the notice frame carries it, so a client
    shows it in the reader's own time zone); `live` adds fields only the open
    sockets need (such as the message it is about).
    """
    link = reverse("groups:group", args=[group.slug]) if group is not None else ""
    leave_note(
        user, kind=kind, title=title, text=text, link=link, until=until, ended_title=ended_title
    )
    if until is not None:
        live["until"] = until.isoformat()
    events.to_user(
        user.pk,
        {"type": "notice", "kind": kind, "title": title, "text": text, **live},
        group_id=group.pk if group is not None else None,
    )


def group_link(group: Group) -> str:
    """How a person's notes about a group point at it (they never name it)."""
    return reverse("groups:group", args=[group.slug])
