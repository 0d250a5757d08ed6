"""Boundaries a member sets for themselves: muting or blocking someone in a group.

A boundary joins two memberships of one group, never two accounts: a person may go
by a different name in each group, and a boundary that followed the account into
another group would fold that group's messages of a different name, telling the
one who set it that the two names are one person (docs/security.md).
"""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models.groups import Membership


class BoundaryKind(models.TextChoices):
    # Mute: their messages fold, their typing and presence are not shown to you.
    # Translators: a boundary a member set towards another (silenced, for themselves).
    MUTE = "mute", _("Muted")
    # Block: as mute, and they cannot react to your messages or see you here or typing.
    BLOCK = "block", _("Blocked")


class Boundary(models.Model):
    """One member's quiet, one-way boundary towards another member of the same group."""

    owner = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="boundaries")
    target = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=BoundaryKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "target"], name="one_boundary_per_pair"),
            models.CheckConstraint(condition=~Q(owner=F("target")), name="no_boundary_with_self"),
        ]
        # "Who has blocked me?" is asked by every socket at connect.
        indexes = [models.Index(fields=["target", "kind"], name="boundary_target_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} boundary {self.pk}"
