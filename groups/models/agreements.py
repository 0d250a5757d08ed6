"""Group agreements: versioned, ordered clauses, and the consents given to them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models.groups import Group


class Agreement(models.Model):
    """One published version of a group's agreement. Versions are never edited."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField()
    note = models.CharField(
        max_length=300, blank=True, help_text=_("A sentence on what changed, shown to members.")
    )
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["group", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["group", "version"], name="one_agreement_version")
        ]

    def __str__(self) -> str:
        return f"Agreement v{self.version}"


class Clause(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="clauses")
    position = models.PositiveSmallIntegerField()
    # Stable across versions (from the title), so moderation can cite a clause.
    key = models.SlugField(max_length=60)
    title = models.CharField(max_length=80)
    body = models.TextField(max_length=1500)
    body_html = models.TextField(editable=False)

    class Meta:
        ordering = ["agreement", "position"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "key"], name="clause_key_unique")
        ]

    def __str__(self) -> str:
        return self.title


class Consent(models.Model):
    """A person agreed to a version. Append-only: the application never edits these."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="consents")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agreement"], name="one_consent_per_version")
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Consent records are never edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Consent records are never deleted.")
