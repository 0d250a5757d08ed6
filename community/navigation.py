"""The numbers in the site's navigation, read in one query for each signed-in page.

The navigation says how many of a person's notes are still unread and, for the
people who keep groups safe, how many items wait in the safety queue. Each app
adds what it counts with `register()`: a function of the person returning named
ORM expressions (subqueries), all evaluated in one statement on the person's own
row. community counts notes; moderation adds the queue's numbers in its
`AppConfig.ready()`, so this module never imports it.

The values are plain numbers, ids and booleans, never a group's name or a
message's text: the personal socket (groups/personal.py) sends them as they are,
on any page of the site.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import Expression, F, Func, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from community.models import User
from community.selectors import unread_notices

Provider = Callable[[Any], dict[str, Any]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add `provider(user) -> {name: expression}` to what the navigation counts."""
    if provider not in _providers:
        _providers.append(provider)


def count_of(queryset: QuerySet[Any]) -> Expression:
    """The number of rows of `queryset`, as an expression for another query's SELECT."""
    counted = queryset.order_by().values(n=Func(F("pk"), function="COUNT"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def expressions(user: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for provider in _providers:
        found.update(provider(user))
    return found


def values(user: Any) -> dict[str, Any] | None:
    """Every registered value for a signed-in, active person (one query); else None."""
    if not getattr(user, "is_authenticated", False):
        return None
    found = User.objects.filter(pk=user.pk, is_active=True).order_by().values(**expressions(user))
    return next((dict(row) for row in found[:1]), None)


def context(request: Any) -> dict[str, Any]:
    """Template context processor: `nav`, read only when a template looks at it."""
    return {"nav": _Lazy(request)}


class _Lazy:
    """The values, read at the first lookup (a page that never shows them costs nothing)."""

    def __init__(self, request: Any) -> None:
        self.request = request
        self.read: dict[str, Any] | None = None

    def __getitem__(self, name: str) -> Any:
        if self.read is None:
            self.read = values(getattr(self.request, "user", None)) or {}
        return self.read[name]

    def __bool__(self) -> bool:
        return getattr(getattr(self.request, "user", None), "is_authenticated", False)


def _notes(user: Any) -> dict[str, Any]:
    return {"notes": count_of(unread_notices(user))}


register(_notes)
