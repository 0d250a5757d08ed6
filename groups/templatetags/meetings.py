from typing import Any

from django import template
from django.utils import timezone

from groups.meetings import next_session, schedule_of, when_words

register = template.Library()


@register.inclusion_tag("groups/_next_session.html")
def next_session_of(group: Any, length: bool = False) -> dict[str, Any]:
    """The group's next session in the viewer's time zone, or nothing."""
    now = timezone.now()
    schedule = schedule_of(group)
    session = next_session(schedule, now=now)
    if schedule is None or session is None:
        return {"session": None}
    return {
        "session": session,
        "words": when_words(session, now=now),
        "minutes": schedule.duration_minutes if length else None,
    }
