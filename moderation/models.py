"""Reports, word filters, crisis phrases, nudge templates and appeals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from groups.models import AuditEntry, Group, Membership, Message


class ReportKind(models.TextChoices):
    REPORT = "report", "Report"
    CRISIS = "crisis", "Crisis words"
    WORRY = "worry", "A member is worried"
    FILTER = "filter", "Word filter"
    # Labelled in the queue by why it is held (groups.models.HeldReason).
    HELD = "held", "A message waiting for review"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    DISMISSED = "dismissed", "Dismissed"


class Urgency(models.IntegerChoices):
    URGENT = 0, "Urgent"
    NORMAL = 1, "Normal"


SAFETY_CLAUSE = "Safety concern"


class Report(models.Model):
    """An item in the moderation queue. Repeated reports of one message merge here."""

    kind = models.CharField(max_length=10, choices=ReportKind.choices, default=ReportKind.REPORT)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="reports")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    member = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="reports_about"
    )
    clause = models.CharField(max_length=80, blank=True)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    reporters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ReportNote", related_name="+", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=500, blank=True)

    # Not stored: how the audit log names a read through this item (selectors.queue).
    via: str = ""

    class Meta:
        ordering = ["status", "urgency", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "kind"],
                condition=Q(status="open", message__isnull=False),
                name="one_open_report_per_message_kind",
            ),
            models.UniqueConstraint(
                fields=["member", "kind"],
                condition=Q(status="open", message__isnull=True, member__isnull=False),
                name="one_open_report_per_member_kind",
            ),
        ]
        indexes = [models.Index(fields=["status", "urgency", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ReportNote(models.Model):
    """One person's report merged into a queue item. Never shown to the reported member."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="notes")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    clause = models.CharField(max_length=80, blank=True)
    note = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["report", "reporter"], name="one_note_per_reporter")
        ]

    def __str__(self) -> str:
        return f"Note on report {self.report_id}"


class FilterAction(models.TextChoices):
    BLOCK = "block", "Block the message"
    HOLD = "hold", "Hold it for a facilitator"
    FLAG = "flag", "Let it through and flag it to the queue"


class WordFilter(models.Model):
    """A word or phrase to watch for, in one group or (group empty) everywhere."""

    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="word_filters"
    )
    phrase = models.CharField(max_length=80)
    action = models.CharField(max_length=6, choices=FilterAction.choices, default=FilterAction.FLAG)
    clause = models.CharField(
        max_length=80, blank=True, help_text="The agreement clause a match touches."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["phrase"]

    def __str__(self) -> str:
        return f"Filter {self.pk}"


class CrisisPhrase(models.Model):
    """Words that may mean someone is in danger. A match never blocks; it brings care."""

    phrase = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["phrase"]

    def __str__(self) -> str:
        return f"Crisis phrase {self.pk}"


class NudgeTemplate(models.Model):
    """A warm, plain private note a facilitator can send, citing a clause."""

    title = models.CharField(max_length=80)
    text = models.TextField(max_length=800)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


class AppealStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an organizer"
    UPHELD = "upheld", "The decision stands"
    OVERTURNED = "overturned", "The decision was reversed"


class Appeal(models.Model):
    """A member's one appeal against one decision about them."""

    entry = models.OneToOneField(AuditEntry, on_delete=models.CASCADE, related_name="appeal")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=1500)
    status = models.CharField(
        max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=800, blank=True)

    class Meta:
        ordering = ["status", "created_at"]

    def __str__(self) -> str:
        return f"Appeal {self.pk}"
