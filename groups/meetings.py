"""When a group's sessions fall, worked out from its schedule; no database access.

Each session is the schedule's wall-clock time on a day in the group's zone, so
it moves in UTC when the clocks change and stays put for the people meeting.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.dateformat import format as date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from groups.models import Repeat, Schedule

# Far enough ahead for a fortnightly group to show a season in a calendar app.
HORIZON_DAYS = 400


@dataclass(frozen=True)
class Session:
    start: datetime  # aware, in UTC
    end: datetime

    def is_on(self, now: datetime) -> bool:
        return self.start <= now < self.end


def _week(day: date) -> int:
    return day.toordinal() // 7  # ordinal 1 is a Monday, so weeks run Monday to Sunday


def _meets_on(schedule: Schedule, day: date, days: list[int], dates: set[str]) -> bool:
    if day < schedule.first_date and schedule.repeat != Repeat.DATES:
        return False
    if schedule.repeat == Repeat.DATES:
        return day.isoformat() in dates
    if day.weekday() not in days:
        return False
    return schedule.repeat == Repeat.WEEKLY or ((_week(day) - _week(schedule.first_date)) % 2 == 0)


def _at(schedule: Schedule, day: date) -> Session:
    zone = ZoneInfo(schedule.time_zone)
    # A start inside a spring-forward gap (02:30 that never happens) is read with the
    # offset before the change, so it lands an hour later on the clock: 03:30.
    start = datetime.combine(day, schedule.start_time, tzinfo=zone).astimezone(UTC)
    return Session(start, start + timedelta(minutes=schedule.duration_minutes))


def sessions(schedule: Schedule, *, after: datetime) -> Iterator[Session]:
    """Sessions not yet over at `after`, earliest first, up to the horizon."""
    zone = ZoneInfo(schedule.time_zone)
    # A day back, so a session that began yesterday evening and runs on is found.
    day = after.astimezone(zone).date() - timedelta(days=1)
    days, dates = schedule.days, set(schedule.dates)
    for __ in range(HORIZON_DAYS):
        if _meets_on(schedule, day, days, dates):
            session = _at(schedule, day)
            if session.end > after:
                yield session
        day += timedelta(days=1)


def next_session(schedule: Schedule | None, *, now: datetime) -> Session | None:
    """The session on now, else the next one; None without a schedule or sessions."""
    if schedule is None:
        return None
    return next(sessions(schedule, after=now), None)


def schedule_of(group: object) -> Schedule | None:
    """The group's schedule, None if it has none (no query once select_related)."""
    try:
        return group.schedule  # type: ignore[attr-defined]
    except Schedule.DoesNotExist:
        return None


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def when_words(session: Session, *, now: datetime) -> str:
    """The session in the viewer's zone (the active one): "Thursday 19:00, in 2 days".

    In the active language: the day and month names are Django's own translations.
    """
    start, end = localtime(session.start), localtime(session.end)
    if session.is_on(now):
        return _("On now, until %(time)s") % {"time": _clock(end)}
    days = (start.date() - localtime(now).date()).days
    if days == 0:
        return _("Today %(time)s") % {"time": _clock(start)}
    if days == 1:
        return _("Tomorrow %(time)s") % {"time": _clock(start)}
    values = {"weekday": date_format(start, "l"), "time": _clock(start), "days": days}
    if days < 7:
        # Translators: "Thursday 19:00, in 2 days".
        words = ngettext(
            "%(weekday)s %(time)s, in %(days)s day",
            "%(weekday)s %(time)s, in %(days)s days",
            days,
        )
    else:
        values |= {"day": start.day, "month": date_format(start, "F")}
        # Translators: "Thursday 10 December 19:00, in 7 days".
        words = ngettext(
            "%(weekday)s %(day)s %(month)s %(time)s, in %(days)s day",
            "%(weekday)s %(day)s %(month)s %(time)s, in %(days)s days",
            days,
        )
    # Some languages write the names of days in lower case: a phrase still starts with
    # a capital.
    return capfirst(words % values)
