"""The append-only audit log of decisions about people and rooms.

It lives in `groups` (not `moderation`) because group actions — agreement
versions, role changes, join decisions — write it too, and `groups` must not
import `moderation`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models.groups import Group


class AuditEntry(models.Model):
    """Who did what to whom, where, citing which clause, and why. Never edited."""

    action = models.CharField(max_length=40, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries_about",
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_entries"
    )
    # What was acted on, by id only: the log never copies message text.
    target_message_id = models.BigIntegerField(null=True, blank=True)
    clause = models.CharField(max_length=80, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # For a read outside the room: the item that named the message ("report 12").
    via = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("audit entries")
        constraints = [
            # A moderator's read of a message through an item is logged once.
            models.UniqueConstraint(
                fields=["actor", "target_message_id", "via"],
                condition=models.Q(action="read_message"),
                name="one_read_per_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Audit entries are never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are never deleted.")
