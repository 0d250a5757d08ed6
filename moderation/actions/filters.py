"""Word filters and crisis phrases."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from community.cleaning import check_text
from community.errors import Refused
from groups import audit
from groups.models import Group
from moderation import permissions, screening
from moderation.actions.common import clause_text, require
from moderation.models import CrisisPhrase, FilterAction, WordFilter


@transaction.atomic
def add_filter(
    *, actor: Any, group: Group | None, phrase: str, action: str, clause: str = ""
) -> WordFilter:
    """Watch for a phrase in one group (its facilitators) or everywhere (organizers)."""
    require(
        permissions.can_moderate_group(actor, group) if group else permissions.is_organizer(actor)
    )
    phrase = check_text(phrase, field="phrase", max_length=80, collapse=True)
    clause = clause_text(clause)
    if not screening.fold(phrase):
        raise Refused("empty", _("Please give a word or phrase to watch for."))
    if action not in FilterAction.values:
        raise Refused("invalid", _("Please choose what happens on a match."))
    word_filter = WordFilter.objects.create(
        group=group, phrase=phrase, action=action, clause=clause, created_by=actor
    )
    audit.record("filter_added", actor=actor, group=group, clause=clause, reason=action)
    return word_filter


@transaction.atomic
def remove_filter(*, actor: Any, word_filter: WordFilter) -> None:
    group = word_filter.group
    require(
        permissions.can_moderate_group(actor, group) if group else permissions.is_organizer(actor)
    )
    word_filter.delete()
    audit.record("filter_removed", actor=actor, group=group)


@transaction.atomic
def add_crisis_phrase(*, actor: Any, phrase: str) -> CrisisPhrase:
    require(permissions.is_organizer(actor))
    phrase = check_text(phrase, field="phrase", max_length=80, collapse=True)
    if not screening.fold(phrase):
        raise Refused("empty", _("Please give a phrase."))
    crisis_phrase, _created = CrisisPhrase.objects.get_or_create(phrase=phrase)
    audit.record("crisis_phrase_added", actor=actor)
    return crisis_phrase


@transaction.atomic
def remove_crisis_phrase(*, actor: Any, crisis_phrase: CrisisPhrase) -> None:
    require(permissions.is_organizer(actor))
    crisis_phrase.delete()
    audit.record("crisis_phrase_removed", actor=actor)


def record_admin_change(*, actor: Any, rule: WordFilter | CrisisPhrase, what: str) -> None:
    """Log a change made in the Django admin in the same words as the ones above.

    The admin saves the model itself (its forms, its bulk delete); `what` is "added",
    "changed" or "removed".
    """
    if isinstance(rule, WordFilter):
        audit.record(
            f"filter_{what}", actor=actor, group=rule.group, clause=rule.clause, reason=rule.action
        )
    else:
        audit.record(f"crisis_phrase_{what}", actor=actor)
