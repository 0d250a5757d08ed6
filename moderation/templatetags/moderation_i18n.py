"""Template words for moderation pages that come from stored values."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from groups.audit import action_label as _action_label
from moderation.models import clause_label as _clause_label

register = template.Library()


@register.filter
def clause_label(clause: str) -> str:
    """A stored clause as the reader reads it: the agreement's words, or ours translated."""
    return _clause_label(clause or "")


@register.filter
def action_label(code: str) -> str:
    """A logged action as the log's reader reads it, in their language."""
    return _action_label(code or "")


@register.simple_tag
def record_line(day: str, what: str, group: str = "", clause: str = "", until: str = "") -> str:
    """One line of "My record", as one sentence whichever parts it has."""
    values = {
        "day": escape(day),
        "what": escape(what),
        "group": escape(group),
        "clause": escape(clause_label(clause)),
        "until": escape(until),
    }
    # Translators: %(day)s is a date; %(what)s is the decision, a whole sentence such as
    # "A facilitator hid one of your messages"; %(group)s is a group's name.
    lines = {
        (False, False, False): gettext("<strong>%(day)s</strong>: %(what)s."),
        (True, False, False): gettext("<strong>%(day)s</strong>: %(what)s in %(group)s."),
        (False, True, False): gettext(
            "<strong>%(day)s</strong>: %(what)s, about the agreement's “%(clause)s”."
        ),
        (True, True, False): gettext(
            "<strong>%(day)s</strong>: %(what)s in %(group)s, about the agreement's “%(clause)s”."
        ),
        (False, False, True): gettext("<strong>%(day)s</strong>: %(what)s, until %(until)s."),
        (True, False, True): gettext(
            "<strong>%(day)s</strong>: %(what)s in %(group)s, until %(until)s."
        ),
        (False, True, True): gettext(
            "<strong>%(day)s</strong>: %(what)s, about the agreement's “%(clause)s”, "
            "until %(until)s."
        ),
        (True, True, True): gettext(
            "<strong>%(day)s</strong>: %(what)s in %(group)s, about the agreement's "
            "“%(clause)s”, until %(until)s."
        ),
    }
    return mark_safe(lines[bool(group), bool(clause), bool(until)] % values)  # noqa: S308
