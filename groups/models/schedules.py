"""When a group meets, and the private calendar links its members subscribe to."""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.models.groups import Group, Membership


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class Repeat(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every other week")
    DATES = "dates", _("On given dates")


class Schedule(models.Model):
    """A group's meeting times, kept in the group's own time zone.

    Stored as wall-clock time and an IANA zone rather than as UTC instants, so a
    session at 19:00 in London stays at 19:00 across the clocks changing.
    """

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="schedule")
    repeat = models.CharField(max_length=12, choices=Repeat.choices, default=Repeat.WEEKLY)
    # Days of the week, Monday 0 to Sunday 6, as "0,3"; for weekly and fortnightly.
    weekdays = models.CharField(max_length=13, blank=True)
    # The first day of the series: fortnightly weeks count from its week.
    first_date = models.DateField()
    # One-off dates as ISO strings, for repeat "dates".
    dates = models.JSONField(default=list, blank=True)
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=90)
    time_zone = models.CharField(max_length=64)
    # How long before a session its reminder goes out; 0 sends none.
    reminder_minutes = models.PositiveSmallIntegerField(default=60)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Schedule of group {self.group_id}"

    @property
    def days(self) -> list[int]:
        return [int(d) for d in self.weekdays.split(",") if d != ""]


class Reminder(models.Model):
    """A session whose reminder went out, so the sweep sends each one once."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="reminders")
    session_start = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "session_start"], name="one_reminder_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder for schedule {self.schedule_id} at {self.session_start}"


class CalendarFeed(models.Model):
    """One member's private link to a group's sessions, for a calendar app.

    The token is the whole credential (calendar apps cannot sign in), so it is
    random, per member and revocable; the feed never names the group.
    """

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(max_length=40, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Calendar feed {self.pk} of membership {self.membership_id}"
