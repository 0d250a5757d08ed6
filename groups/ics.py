"""A group's sessions as an iCalendar feed that never names the group."""

import hashlib
from datetime import datetime, timedelta
from itertools import islice

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Calendar, Event

from groups.meetings import sessions
from groups.models import Schedule

TITLE = gettext_lazy("Hearth session")
MAX_EVENTS = 60


def feed(schedule: Schedule | None, *, token: str, url: str, now: datetime) -> bytes:
    """Sessions from a week back (so today's stays in view) to the next MAX_EVENTS."""
    calendar = Calendar()
    calendar.add("prodid", "-//Hearth//Sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("Hearth sessions"))
    if schedule is not None:
        for session in islice(sessions(schedule, after=now - timedelta(days=7)), MAX_EVENTS):
            event = Event()
            # Stable across fetches, so calendar apps update rather than duplicate, and
            # per link, so two members' feeds share nothing that ties them together.
            uid = hashlib.sha256(f"{token}:{session.start.isoformat()}".encode()).hexdigest()
            event.add("uid", f"{uid[:32]}@hearth")
            event.add("dtstamp", now)
            event.add("dtstart", session.start)
            event.add("dtend", session.end)
            event.add("summary", str(TITLE))
            event.add("url", url)
            calendar.add_component(event)
    return calendar.to_ical()
