"""A session the group holds in its room: its rounds, their answers, who came.

Stored so that a late joiner or a reconnecting client sees where the session is,
and so facilitators keep a short record afterwards. No message text is kept here.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RoundKind(models.TextChoices):
    CHECK_IN = "check_in", _("Check-in")
    TALKING_PIECE = "talking_piece", _("Talking piece")
    CHECK_OUT = "check_out", _("Check-out")


class PieceOrder(models.TextChoices):
    JOINED = "joined", _("As people joined the group")
    RANDOM = "random", _("In a random order")
    VOLUNTEERS = "volunteers", _("Volunteers first")


class LiveSession(models.Model):
    """One sitting of the group, from its start to its end."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="sessions")
    started_by = models.ForeignKey(
        "groups.Membership", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    # When it is meant to end: the session bar counts down to it.
    ends_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # The schedule's start this session answers, if it began from the schedule: a
    # session ended early is not started again for the same time.
    scheduled_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "scheduled_for"],
                condition=Q(scheduled_for__isnull=False),
                name="one_session_per_scheduled_time",
            )
        ]

    def __str__(self) -> str:
        return f"session {self.pk} of group {self.group_id}"


class Attendance(models.Model):
    """Someone was in the room during a session (their name there is read when shown)."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="attendance")
    membership = models.ForeignKey(
        "groups.Membership", on_delete=models.CASCADE, related_name="attended"
    )
    first_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "membership"], name="attended_once")
        ]

    def __str__(self) -> str:
        return f"membership {self.membership_id} at session {self.session_id}"


class Round(models.Model):
    """A check-in, a check-out or a talking-piece round within a session."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="rounds")
    kind = models.CharField(max_length=16, choices=RoundKind.choices)
    prompt = models.CharField(max_length=200, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Talking piece: membership ids in turn order, and the index of who holds it.
    order = models.JSONField(default=list, blank=True)
    order_kind = models.CharField(max_length=12, choices=PieceOrder.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    turn_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    turn_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} round {self.pk}"

    @property
    def holder_id(self) -> int | None:
        if self.kind != RoundKind.TALKING_PIECE or self.closed_at is not None:
            return None
        return self.order[self.position] if self.position < len(self.order) else None


class RoundAnswer(models.Model):
    """One member's answer to a check-in or check-out: a number and a few words, or a pass."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="answers")
    membership = models.ForeignKey(
        "groups.Membership", on_delete=models.CASCADE, related_name="round_answers"
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    words = models.CharField(max_length=140, blank=True)
    passed = models.BooleanField(default=False)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "membership"], name="one_answer_per_round")
        ]

    def __str__(self) -> str:
        return f"answer of membership {self.membership_id} to round {self.round_id}"
