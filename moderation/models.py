"""Reports, word filters, crisis phrases, nudge templates and appeals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from groups.models import AuditEntry, Group, Membership, Message


class ReportKind(models.TextChoices):
    REPORT = "report", _("Report")
    CRISIS = "crisis", _("Crisis words")
    WORRY = "worry", _("A member is worried")
    FILTER = "filter", _("Word filter")
    # Labelled in the queue by why it is held (groups.models.HeldReason).
    HELD = "held", _("A message waiting for review")


class ReportStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("report status", "Open")
    RESOLVED = "resolved", _("Resolved")
    DISMISSED = "dismissed", _("Dismissed")


class Urgency(models.IntegerChoices):
    URGENT = 0, _("Urgent")
    NORMAL = 1, _("Normal")


# Stored as written here (a report's, a log entry's or a hidden message's clause) and
# compared; shown through `clause_label`, in the reader's language.
SAFETY_CLAUSE = "Safety concern"
# Translators: the clause cited when someone may be in danger, beside the agreement's own.
SAFETY_CLAUSE_LABEL = _("Safety concern")


def clause_label(clause: str) -> str:
    """A stored clause as a person reads it: the agreement's own words, or ours translated."""
    return str(SAFETY_CLAUSE_LABEL) if clause == SAFETY_CLAUSE else clause


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
        return gettext("%(kind)s #%(id)s") % {"kind": self.get_kind_display(), "id": self.pk}


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
        return gettext("Note on report %(id)s") % {"id": self.report_id}


class FilterAction(models.TextChoices):
    BLOCK = "block", _("Block the message")
    HOLD = "hold", _("Hold it for a facilitator")
    FLAG = "flag", _("Let it through and flag it to the queue")


class WordFilter(models.Model):
    """A word or phrase to watch for, in one group or (group empty) everywhere."""

    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="word_filters",
        verbose_name=_("group"),
    )
    phrase = models.CharField(_("word or phrase"), max_length=80)
    action = models.CharField(
        _("when it appears"),
        max_length=6,
        choices=FilterAction.choices,
        default=FilterAction.FLAG,
    )
    clause = models.CharField(
        _("clause"),
        max_length=80,
        blank=True,
        help_text=_("The agreement clause a match touches."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("word filter")
        verbose_name_plural = _("word filters")

    def __str__(self) -> str:
        return gettext("Filter %(id)s") % {"id": self.pk}


class CrisisPhrase(models.Model):
    """Words that may mean someone is in danger. A match never blocks; it brings care."""

    phrase = models.CharField(_("phrase"), max_length=80, unique=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("crisis phrase")
        verbose_name_plural = _("crisis phrases")

    def __str__(self) -> str:
        return gettext("Crisis phrase %(id)s") % {"id": self.pk}


class NudgeTemplate(models.Model):
    """A warm, plain private note a facilitator can send, citing a clause."""

    title = models.CharField(_("title"), max_length=80)
    text = models.TextField(_("text"), max_length=800)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("nudge template")
        verbose_name_plural = _("nudge templates")

    def __str__(self) -> str:
        return self.title


class AppealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an organizer")
    UPHELD = "upheld", _("The decision stands")
    OVERTURNED = "overturned", _("The decision was reversed")


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
        return gettext("Appeal %(id)s") % {"id": self.pk}
