"""Actions about a room: slow mode, pausing, and holding newcomers' first messages."""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.cleaning import check_text
from community.errors import Refused
from groups import audit, events
from groups.models import Group
from moderation import permissions
from moderation.actions.common import require

PAUSE_MESSAGE_MAX = 300
# What a pause says when the facilitator adds no words of their own (issue 17 item 5).
# Stored as the room's pause message in the language of the facilitator who paused it,
# and shown to everyone in the room alike.
GROUNDING_PROMPT = gettext_noop(
    "Let's take a breath together. Feel your feet on the floor, let your shoulders drop, "
    "and notice three things you can see. We'll pick up again soon."
)


def _room(actor: Any, group: Group) -> Group:
    require(permissions.can_moderate_group(actor, group))
    return Group.objects.select_for_update().get(pk=group.pk)


def _slow(actor: Any, room: Group, seconds: int) -> None:
    if not 0 <= seconds <= 3600:
        raise Refused("invalid", _("Slow mode can be between 0 seconds and an hour."))
    _save(actor, room, "slow_mode_seconds", seconds, "slow_mode", f"{seconds} seconds")


def _hold(actor: Any, room: Group, count: int) -> None:
    if not 0 <= count <= 20:
        raise Refused("invalid", _("Choose between 0 and 20 messages."))
    _save(actor, room, "hold_first_messages", count, "hold_first", f"{count} messages")


def _save(actor: Any, room: Group, field: str, value: int, action: str, reason: str) -> None:
    setattr(room, field, value)
    room.save(update_fields=[field])
    audit.record(action, actor=actor, group=room, reason=reason)


@transaction.atomic
def set_slow_mode(*, actor: Any, group: Group, seconds: int) -> Group:
    """Ask members to wait `seconds` between messages (0 turns it off)."""
    room = _room(actor, group)
    _slow(actor, room, seconds)
    events.room_state_changed(room)
    return room


@transaction.atomic
def pause(*, actor: Any, group: Group, minutes: int | None, message: str = "") -> Group:
    """Pause the room: only facilitators post until it resumes (by hand or at a set time).

    A pause without words of the facilitator's own carries the grounding prompt."""
    message = check_text(message, field="message", max_length=PAUSE_MESSAGE_MAX, collapse=True)
    message = message or _(GROUNDING_PROMPT)
    room = _room(actor, group)
    if minutes is not None and not 1 <= minutes <= 24 * 60:
        raise Refused("invalid", _("A pause can last from a minute to a day, or until resumed."))
    room.paused_until = timezone.now() + timedelta(minutes=minutes or 24 * 60 * 365)
    room.pause_message = message
    room.save(update_fields=["paused_until", "pause_message"])
    audit.record(
        "pause",
        actor=actor,
        group=room,
        expires_at=room.paused_until if minutes else None,
    )
    events.room_state_changed(room)
    return room


@transaction.atomic
def resume(*, actor: Any, group: Group) -> Group:
    room = _room(actor, group)
    room.paused_until, room.pause_message = None, ""
    room.save(update_fields=["paused_until", "pause_message"])
    audit.record("resume", actor=actor, group=room)
    events.room_state_changed(room)
    return room


@transaction.atomic
def hold_first_messages(*, actor: Any, group: Group, count: int) -> Group:
    """Hold each new member's first `count` messages for a facilitator (0 turns it off)."""
    room = _room(actor, group)
    _hold(actor, room, count)
    return room


@transaction.atomic
def update_settings(
    *, actor: Any, group: Group, slow_mode_seconds: int, hold_first_messages: int
) -> Group:
    """The room page's settings, saved together: slow mode and holding newcomers' first
    messages. One transaction: if either part is refused, neither is written."""
    room = _room(actor, group)
    _slow(actor, room, slow_mode_seconds)
    _hold(actor, room, hold_first_messages)
    events.room_state_changed(room)
    return room
