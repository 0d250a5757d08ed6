"""Ids and cursors read from a request's query string or form, one way for every view.

A value that is not a plain number answers the site's 404 (an id: as good as a
missing object) or 400 (a cursor), never a 500. Only ASCII digits count:
`str.isdigit()` also takes "²", which `int()` then refuses.
"""

import re

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest

MAX_NUMBER = 2**53 - 1  # as for socket frames (groups/frames.py): what a browser counts exactly
_DIGITS = re.compile(r"[0-9]{1,16}")


def _number(value: str | None) -> int | None:
    if value is None or not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_NUMBER else None


def posted_id(request: HttpRequest, name: str) -> int:
    """The id a form posted as `name`; missing or malformed, it answers 404."""
    number = _number(request.POST.get(name))
    if not number:
        raise Http404("No such thing here.")
    return number


def query_cursor(request: HttpRequest, name: str) -> int | None:
    """A number from the query string (`?before=120`, `?report=7`), or None when not given."""
    value = request.GET.get(name)
    if value is None:
        return None
    number = _number(value)
    if number is None:
        raise BadRequest(f"{name} must be a whole number")
    return number
