"""What the chat write path asks of screening, and who answers.

Groups needs a verdict on the words a member writes (a message, a round's
answer) and needs something to happen once a screened message is stored (queue
items, a crisis card), but the matching and those actions belong to moderation,
which depends on groups and not back. So groups names what it needs here, and
moderation registers its implementation in its `AppConfig.ready()`
(`register`), as it does for a session's record (groups/session_records.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from groups.models import Group, Membership, Message


@dataclass
class Verdict:
    action: str = "allow"  # allow, block, hold or flag
    clause: str = ""
    crisis: bool = False
    filter_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Screener:
    """The three things the write path asks of screening."""

    # What should happen to this text, posted in this group (matching only).
    screen: "Callable[[str, Group], Verdict]"
    # Once `message` is stored (inside the sender's transaction): what its verdict calls for.
    after_store: "Callable[[Message, Verdict], None]"
    # Crisis words outside a message (a round's answer), from this member.
    crisis_in_words: "Callable[[Membership], None]"


_screener: Screener | None = None


def register(screener: Screener) -> None:
    """Make `screener` the one the write path asks (moderation's, at start-up). A second,
    different one is refused, as a second handler of a frame type is: two apps
    screening words would each believe its rules were the ones that held."""
    global _screener
    if _screener is not None and _screener != screener:
        raise ImproperlyConfigured("Another screening is already registered.")
    _screener = screener


def _registered() -> Screener:
    if _screener is None:
        # Never post unscreened words: without moderation there is no one to ask.
        raise ImproperlyConfigured("No screening is registered (is moderation installed?)")
    return _screener


def screen(text: str, group: "Group") -> Verdict:
    """The verdict on `text` posted in `group`."""
    return _registered().screen(text, group)


def after_store(message: "Message", verdict: Verdict) -> None:
    """Open what `verdict` calls for, now that `message` is stored."""
    _registered().after_store(message, verdict)


def crisis_in_words(membership: "Membership") -> None:
    """Crisis words from `membership` outside a message: tell those who can help."""
    _registered().crisis_in_words(membership)
