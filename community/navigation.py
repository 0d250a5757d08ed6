"""The numbers in the site's navigation, read in one query for each signed-in page.

The navigation says how many of a person's notes are still unread and, for the
people who keep groups safe, how many items wait in the safety queue. Each app
adds what it counts with `register()`: a function of the person returning named
ORM expressions (subqueries), all evaluated in one statement on the person's own
row. community counts notes; moderation adds the queue's numbers in its
`AppConfig.ready()`, so this module never imports it.

Numbers only some people have (the queue's, for those who moderate) are registered
`when=` a value of the first statement: they are read in a second statement for
those people alone, and everyone else gets `otherwise`. Compiling and planning the
queue's four subqueries on every page cost about 10 ms of a member's room page
(7 ms of the server's CPU, 2.6 ms of PostgreSQL's planning; bench/page.py,
7 December 2026), for numbers that are always zero for them.

The values are plain numbers, ids and booleans, never a group's name or a
message's text: the personal socket (groups/personal.py) sends them as they are,
on any page of the site.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Expression, F, Func, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from community.models import User
from community.selectors import unread_notices

Provider = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class _Registered:
    provider: Provider
    when: str | None
    otherwise: dict[str, Any]


_providers: list[_Registered] = []


def register(
    provider: Provider, *, when: str | None = None, otherwise: dict[str, Any] | None = None
) -> None:
    """Add `provider(user) -> {name: expression}` to what the navigation counts.

    With `when`, its names are read only for people whose value `when` (from a provider
    registered without `when`) is true; everyone else's take the values in `otherwise`.
    """
    registered = _Registered(provider, when, otherwise or {})
    if registered not in _providers:
        _providers.append(registered)


def count_of(queryset: QuerySet[Any]) -> Expression:
    """The number of rows of `queryset`, as an expression for another query's SELECT."""
    counted = queryset.order_by().values(n=Func(F("pk"), function="COUNT"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def expressions(user: Any) -> dict[str, Any]:
    """Every registered name with its expression, gated ones included."""
    found: dict[str, Any] = {}
    for registered in _providers:
        found.update(registered.provider(user))
    return found


def values(user: Any) -> dict[str, Any] | None:
    """Every registered value for a signed-in, active person; else None.

    One query, and a second for those with gated values (the people who moderate).
    """
    if not getattr(user, "is_authenticated", False):
        return None
    found = _read(user, [r for r in _providers if r.when is None])
    if found is None:
        return None
    asked = []
    for registered in _providers:
        if registered.when is None:
            continue
        if found.get(registered.when):
            asked.append(registered)
        else:
            found.update(registered.otherwise)
    if asked:
        more = _read(user, asked)
        if more is None:  # deactivated between the two statements
            return None
        found.update(more)
    return found


def _read(user: Any, registered: list[_Registered]) -> dict[str, Any] | None:
    named: dict[str, Any] = {}
    for each in registered:
        named.update(each.provider(user))
    found = User.objects.filter(pk=user.pk, is_active=True).order_by().values(**named)
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
