"""Reminders before a group's sessions, sent by a `django.tasks` task on the worker.

A sweep (`manage.py send_reminders`, every minute from the compose file's
`reminders` service) enqueues `send_due_reminders`; the worker finds each session
whose reminder time has come and reminds its members once: a note on Hearth for
everyone, an email only for those who asked. Neither names the group, in case
someone else reads the person's screen or inbox.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.notices import notify
from groups.meetings import Session, next_session
from groups.models import Membership, MembershipStatus, Reminder, Schedule

SUBJECT = gettext_lazy("A session soon")


def _is_due(schedule: Schedule, session: Session, now: datetime) -> bool:
    """Not started yet, and within the schedule's reminder time of starting."""
    return session.start - timedelta(minutes=schedule.reminder_minutes) <= now < session.start


def _when(session: Session, zone_name: str) -> str:
    """The session's start in the person's zone, in the active language."""
    zone = ZoneInfo(zone_name or "UTC")
    start = session.start.astimezone(zone)
    # Translators: "Thursday at 19:00 (Europe/Madrid time)".
    return _("%(weekday)s at %(time)s (%(zone)s time)") % {
        "weekday": date_format(start, "l"),
        "time": f"{start:%H:%M}",
        "zone": zone_name or "UTC",
    }


def _remind(schedule: Schedule, session: Session) -> list[EmailMessage]:
    """Leave each member a note; return the emails to send once this commits."""
    members = Membership.objects.filter(
        group_id=schedule.group_id,
        status=MembershipStatus.ACTIVE,
        consented_version__gt=0,
        user__is_active=True,
    ).select_related("user")
    link = schedule.group.get_absolute_url()
    emails = []
    for membership in members:
        user = membership.user
        # Outside any request: each person reads their reminder in their own language.
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            when = _when(session, user.time_zone)
            notify(
                user,
                kind="reminder",
                title=_("A session soon"),
                text=_("One of your groups meets %(when)s. Come as you are; listening is enough.")
                % {"when": when},
                link=link,
                until=session.end,
            )
            if user.email_reminders:
                body = (
                    _("Hello %(name)s,") % {"name": user.display_name}
                    + "\n\n"
                    + _("One of your groups on Hearth meets %(when)s.") % {"when": when}
                    + "\n"
                    + _("Come as you are; listening is enough.")
                    + "\n\n"
                    + _("You asked for these reminders; turn them off in your Hearth profile.")
                    + "\n"
                )
                emails.append(
                    EmailMessage(str(SUBJECT), body, settings.DEFAULT_FROM_EMAIL, [user.email])
                )
    return emails


@task
def send_due_reminders() -> int:
    """Remind the members of every session whose reminder time has come; once each."""
    now = timezone.now()
    sent = 0
    due = Schedule.objects.filter(reminder_minutes__gt=0, group__archived=False)
    for schedule in due.select_related("group"):
        session = next_session(schedule, now=now)
        if session is None or not _is_due(schedule, session, now):
            continue
        with transaction.atomic():
            __, created = Reminder.objects.get_or_create(
                schedule=schedule, session_start=session.start
            )
            if not created:
                continue  # an earlier sweep sent this one
            emails = _remind(schedule, session)
        for email in emails:
            email.send()
        sent += 1
    return sent
