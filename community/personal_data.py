"""What each app holds about one person, for their download and for erasing them.

community never imports groups or moderation, so each app adds its part in its
`AppConfig.ready()`: `register_section(name, reader)` for the download (a function
of the person returning JSON-ready rows) and `register_eraser(eraser)` for the
erasure (a function of the person that removes or anonymizes what it holds), and
`register_warning(warner)` for what the deletion page should tell them first.
"""

from collections.abc import Callable
from typing import Any

Reader = Callable[[Any], Any]
Eraser = Callable[[Any], None]

_sections: dict[str, Reader] = {}
_titles: dict[str, Any] = {}
_erasers: list[Eraser] = []
_warners: list[Callable[[Any], list[str]]] = []


def register_section(name: str, reader: Reader, title: Any = None) -> None:
    """Add `name.json` to every download, holding `reader(user)`.

    `title` (a lazily translated string) heads the section on the download's index
    page; without one the name is shown as words ("notes received" -> "Notes received").
    """
    _sections[name] = reader
    if title is not None:
        _titles[name] = title


def title_of(name: str) -> str:
    """The section's heading, in the active language when one was registered."""
    return str(_titles.get(name) or name.replace("_", " ").capitalize())


def register_eraser(eraser: Eraser) -> None:
    """Run `eraser(user)` when an account is erased (before community scrubs the person)."""
    if eraser not in _erasers:
        _erasers.append(eraser)


def sections(user: Any) -> dict[str, Any]:
    """Every app's rows about `user`, by section name, in name order."""
    return {name: _sections[name](user) for name in sorted(_sections)}


def erasers() -> list[Eraser]:
    return list(_erasers)


def register_warning(warner: Callable[[Any], list[str]]) -> None:
    """Add `warner(user) -> sentences` to what the deletion page tells the person first."""
    if warner not in _warners:
        _warners.append(warner)


def warnings(user: Any) -> list[str]:
    return [sentence for warner in _warners for sentence in warner(user)]
