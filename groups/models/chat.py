"""Chat: messages with a gap-free per-group sequence, their edits and reactions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models.groups import Group, Membership


class Intent(models.TextChoices):
    SHARING = "sharing", _("Sharing")
    LISTENING = "listening", _("Just listening, please")
    ADVICE = "advice", _("Open to advice")
    CELEBRATING = "celebrating", _("Celebrating")


class ReactionKind(models.TextChoices):
    HEARD = "heard", _("Heard you")
    CARE = "care", _("Sending care")
    METOO = "metoo", _("Me too")
    THANKS = "thanks", _("Thank you")


class RemovedBy(models.TextChoices):
    """Who took a message out of the room, as `message.removed` says (docs/protocol.md)."""

    # Never shown as words (the room says it in its own sentences): no labels to translate.
    AUTHOR = "author"
    FACILITATOR = "facilitator"


class HeldReason(models.TextChoices):
    """Why a message waits for a facilitator; the room and the queue say so."""

    NEWCOMER = "newcomer", _("New member's message")
    FILTER = "filter", _("Held by a word filter")
    CRISIS = "crisis", _("Crisis words")


class Message(models.Model):
    """One message in a group's room. Never hard-deleted by the application."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="messages")
    # Gap-free within the group; null while a newcomer's message waits for approval.
    seq = models.BigIntegerField(null=True, blank=True)
    # Bumped (from the group's counter) on every change, so a returning client can
    # ask for everything that changed since it was last here.
    change = models.BigIntegerField(default=0)
    client_id = models.CharField(max_length=64)
    body = models.TextField(max_length=4000)
    body_html = models.TextField()
    intent = models.CharField(max_length=12, choices=Intent.choices, blank=True)
    content_warning = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set by moderation: hidden from members (facilitators can still read it).
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_clause = models.CharField(max_length=80, blank=True)
    held = models.BooleanField(default=False)
    # Set with `held`; empty for messages held before reasons were kept.
    held_reason = models.CharField(max_length=10, choices=HeldReason.choices, blank=True)
    # A resource shared into the room, shown as a card.
    resource = models.ForeignKey(
        "groups.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Reaction counts by kind, kept beside the message so reads are one query.
    reactions = models.JSONField(default=dict, blank=True)

    # Not stored: set by groups.selectors.readable when the words were taken out.
    withheld: bool = False

    class Meta:
        ordering = ["group", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "seq"], condition=Q(seq__isnull=False), name="seq_unique_in_group"
            ),
            models.UniqueConstraint(fields=["author", "client_id"], name="client_id_unique"),
        ]
        indexes = [
            models.Index(fields=["group", "change"], name="message_change_idx"),
            models.Index(fields=["group", "held"], name="message_held_idx"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} (#{self.seq})"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class MessageRevision(models.Model):
    """An earlier text of an edited or deleted message, kept for facilitators."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message", "created_at"]

    def __str__(self) -> str:
        return f"Revision {self.pk}"


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reaction_rows")
    member = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "member", "kind"], name="one_reaction_each")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.message_id}"
