"""Setting when a group meets, and the private calendar links of its members."""

from datetime import date, time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.actions import time_zones
from community.errors import Refused
from groups import audit, permissions, selectors
from groups.models import CalendarFeed, Group, Membership, Repeat, Schedule

MAX_DATES = 60
MAX_LENGTH_MINUTES = 600
MAX_REMINDER_MINUTES = 2880  # two days


def _require_keeper(actor: Any, group: Group) -> None:
    if not permissions.can_keep(actor, group, permissions.membership_for(actor, group)):
        raise Refused("forbidden", _("Only the group's facilitators and organizers can do that."))


def _checked(
    repeat: str, weekdays: list[int], dates: list[date], duration: int, zone: str, reminder: int
) -> None:
    if repeat not in Repeat.values:
        raise Refused("invalid", _("Please choose how often the group meets."))
    if repeat == Repeat.DATES and not dates:
        raise Refused("invalid", _("Please give at least one date."))
    if repeat != Repeat.DATES and not weekdays:
        raise Refused("invalid", _("Please choose at least one day of the week."))
    if len(dates) > MAX_DATES:
        raise Refused("invalid", _("Please give at most %(count)s dates.") % {"count": MAX_DATES})
    if any(not 0 <= day <= 6 for day in weekdays):
        raise Refused("invalid", _("Please choose days of the week."))
    if not 15 <= duration <= MAX_LENGTH_MINUTES:
        raise Refused(
            "invalid",
            _("A session lasts from 15 to %(max)s minutes.") % {"max": MAX_LENGTH_MINUTES},
        )
    if zone not in time_zones():
        raise Refused("invalid", _("Please choose the group's time zone."))
    if not 0 <= reminder <= MAX_REMINDER_MINUTES:
        raise Refused("invalid", _("A reminder goes out at most two days before."))


@transaction.atomic
def set_schedule(
    *,
    actor: Any,
    group: Group,
    repeat: str,
    weekdays: list[int],
    first_date: date,
    dates: list[date],
    start_time: time,
    duration_minutes: int,
    time_zone: str,
    reminder_minutes: int,
) -> Schedule:
    """Create or replace the group's schedule."""
    _require_keeper(actor, group)
    _checked(repeat, weekdays, dates, duration_minutes, time_zone, reminder_minutes)
    if repeat == Repeat.DATES:
        weekdays, first_date = [], min(dates)
    else:
        dates = []
    schedule, __ = Schedule.objects.update_or_create(
        group=group,
        defaults={
            "repeat": repeat,
            "weekdays": ",".join(str(d) for d in sorted(set(weekdays))),
            "first_date": first_date,
            "dates": sorted({d.isoformat() for d in dates}),
            "start_time": start_time,
            "duration_minutes": duration_minutes,
            "time_zone": time_zone,
            "reminder_minutes": reminder_minutes,
            "updated_at": timezone.now(),
        },
    )
    audit.record("schedule_set", actor=actor, group=group)
    return schedule


@transaction.atomic
def clear_schedule(*, actor: Any, group: Group) -> None:
    _require_keeper(actor, group)
    if Schedule.objects.filter(group=group).delete()[0]:
        audit.record("schedule_cleared", actor=actor, group=group)


@transaction.atomic
def open_feed(*, membership: Membership | None) -> CalendarFeed:
    """The member's calendar link: the one they have, else a new one."""
    membership = permissions.require_member(membership, forbidden=True)
    return selectors.calendar_link(membership) or CalendarFeed.objects.create(membership=membership)


@transaction.atomic
def revoke_feeds(*, membership: Membership | None) -> int:
    """Stop every calendar link of this member here; a calendar app gets 404 after."""
    membership = permissions.require_member(membership, forbidden=True)
    return CalendarFeed.objects.filter(membership=membership, revoked_at=None).update(
        revoked_at=timezone.now()
    )
