"""Screening chat text against word filters and crisis phrases.

The chat write path asks `screen()` for a verdict (through groups/screening.py,
where moderation/apps.py registers it); this is the one place that knows how text
is matched. It only matches: what a verdict then does (queue items, a crisis
card) is moderation.actions.reports.after_store, registered beside it.

Matching folds case, accents, look-alike digits and symbols and repeated letters,
joins letters spelled out with spaces or dots, and respects word boundaries, so
"k i l l e d" matches "killed" while "skilled" does not.

Each process keeps the compiled rules. Any save or delete of a filter or phrase
(the actions, the admin, a cascade) bumps a version in the shared cache once it
commits (moderation/signals.py); `screen()` reads that version at most once a
second per process (a Redis round trip per message was a measurable part of a
send) and reloads when it moved, so every process sees the change within a
second, and the process that made it at once. The rules are also reloaded every
few seconds, for writes that send no signal (a queryset's update(), raw SQL).
"""

import re
import time
import unicodedata
import uuid
from dataclasses import dataclass

from django.core.cache import cache

from groups.models import Group
from groups.screening import Verdict
from moderation.models import CrisisPhrase, FilterAction, WordFilter

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_INNER_I = re.compile(r"(?<=\w)!+(?=\w)")  # "k!lled"
_INNER_L = re.compile(r"(?<=\w)\|+(?=\w)")  # "ki||ed"
_REPEATS = re.compile(r"(\w)\1+")
_REPEATS_OR_ONE = re.compile(r"(.)\1*")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
# A run of at least three single letters separated by spaces or punctuation: "k i l l".
_SPELLED = re.compile(r"\b(?:\w[\s._*\-]+){2,}\w\b")
_CACHE_SECONDS = 10.0
VERSION_KEY = "moderation:screening-rules-version"
VERSION_EVERY = 1.0  # seconds between reads of the shared version, per process
_version: tuple[float, object] | None = None  # (when read, what)
_clock = time.monotonic  # a name of its own, so tests can move it


def _unify(text: str) -> str:
    """Lower-case, strip accents, look-alikes and punctuation; keep doubled letters."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_LEET)
    text = _INNER_L.sub(lambda m: "l" * len(m.group(0)), text)
    text = _INNER_I.sub(lambda m: "i" * len(m.group(0)), text)
    text = _SPELLED.sub(lambda m: re.sub(r"[\s._*\-]+", "", m.group(0)), text)
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower-case, strip accents and look-alikes, squeeze repeats and punctuation."""
    return _REPEATS.sub(r"\1", _unify(text))


def _letters(word: str) -> str:
    """A letter may stretch ("kiiilled"); a doubled one must stay doubled ("as" is not "ass")."""
    return "".join(
        re.escape(m.group(1)) + ("+" if len(m.group(0)) == 1 else "{2,}")
        for m in _REPEATS_OR_ONE.finditer(word)
    )


def _pattern(phrase: str) -> re.Pattern[str] | None:
    unified = _unify(phrase)
    if not unified:
        return None
    words = [_letters(word) for word in unified.split(" ")]
    return re.compile(r"(?<!\w)" + r"\s?".join(words) + r"(?!\w)")


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    action: str
    clause: str
    filter_id: int | None = None


_SEVERITY = {"allow": 0, "flag": 1, "hold": 2, "block": 3}
# Per group (None: site-wide), when the rules were loaded, under which shared version.
_rules: dict[int | None, tuple[float, object, list[Rule]]] = {}


def _load(group_id: int | None) -> list[Rule]:
    rules = []
    filters = WordFilter.objects.filter(group__isnull=True)
    if group_id is not None:
        filters = WordFilter.objects.filter(group_id=group_id)
    for word_filter in filters:
        pattern = _pattern(word_filter.phrase)
        if pattern is not None:
            rules.append(Rule(pattern, word_filter.action, word_filter.clause, word_filter.pk))
    if group_id is None:
        for phrase in CrisisPhrase.objects.values_list("phrase", flat=True):
            pattern = _pattern(phrase)
            if pattern is not None:
                rules.append(Rule(pattern, "crisis", ""))
    return rules


def _rules_for(group_id: int | None, version: object) -> list[Rule]:
    cached = _rules.get(group_id)
    if cached is None or cached[1] != version or time.monotonic() - cached[0] > _CACHE_SECONDS:
        cached = (time.monotonic(), version, _load(group_id))
        _rules[group_id] = cached
    return cached[2]


def forget_rules() -> None:
    """Drop this process's cached rules (and what it knew of the shared version)."""
    global _version
    _rules.clear()
    _version = None


def _shared_version() -> object:
    global _version
    now = _clock()
    if _version is None or now - _version[0] > VERSION_EVERY:
        _version = (now, cache.get(VERSION_KEY))
    return _version[1]


def rules_changed() -> None:
    """Make every process reload its rules: call once a change to them has committed."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    forget_rules()


def screen(text: str, *, group_id: int) -> Verdict:
    """Return what should happen to `text` posted in the group `group_id`."""
    folded = _unify(text)
    verdict = Verdict()
    version = _shared_version()
    for rule in [*_rules_for(None, version), *_rules_for(group_id, version)]:
        if not rule.pattern.search(folded):
            continue
        if rule.action == "crisis":
            verdict.crisis = True
            continue
        if rule.filter_id is not None:
            verdict.filter_ids.append(rule.filter_id)
        if _SEVERITY[rule.action] > _SEVERITY[verdict.action]:
            verdict.action, verdict.clause = rule.action, rule.clause
    if verdict.crisis and verdict.action == "block":
        # Someone who may be in crisis is never turned away: words a filter would block
        # wait for a facilitator instead, who also gets the urgent item, and the author
        # still gets the crisis card.
        verdict.action = "hold"
    return verdict


def screen_in(text: str, group: Group) -> Verdict:
    """`screen()` as groups asks for it (groups/screening.py): by the group itself."""
    return screen(text, group_id=group.pk)


__all__ = [
    "FilterAction",
    "Verdict",
    "fold",
    "forget_rules",
    "rules_changed",
    "screen",
    "screen_in",
]
