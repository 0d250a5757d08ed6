"""Where a page shows a refusal: on the form that asked, or as a message.

A view that runs an action writes `with shown_in(form):` or
`with shown_to(request):` around the action and what follows its success. A
`Refused` raised inside is shown and swallowed (an action refuses before it
writes, or in its own transaction), and the view carries on after the block,
usually to render the form again or to redirect. Views that answer a refusal
otherwise (JSON, a 404, a special page) catch it themselves.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from community.errors import Refused


@contextmanager
def shown_in(form: Any, field: str | None = None) -> Iterator[None]:
    """A refusal becomes the form's error (on `field`, or the whole form)."""
    try:
        yield
    except Refused as refusal:
        form.add_error(field, refusal.message)


@contextmanager
def shown_to(request: HttpRequest) -> Iterator[None]:
    """A refusal becomes an error message on the next page."""
    try:
        yield
    except Refused as refusal:
        messages.error(request, refusal.message)
