"""Keep every process's screening rules current, whichever path changed them.

The actions, the Django admin (its forms and its bulk delete) and cascades from a
deleted group all save or delete the model, so the signal is the one place that
sees them all. The version moves only after the change commits: a process that
reloaded earlier would otherwise cache the old rows under the new version.
"""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from moderation import screening
from moderation.models import CrisisPhrase, WordFilter


@receiver(post_save, sender=WordFilter, dispatch_uid="screening-filter-saved")
@receiver(post_delete, sender=WordFilter, dispatch_uid="screening-filter-deleted")
@receiver(post_save, sender=CrisisPhrase, dispatch_uid="screening-phrase-saved")
@receiver(post_delete, sender=CrisisPhrase, dispatch_uid="screening-phrase-deleted")
def rules_changed(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After commit, tell every process to reload its screening rules."""
    transaction.on_commit(screening.rules_changed, using=using, robust=True)
