from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """Look up `key` in a dict (reaction counts by kind)."""
    return (mapping or {}).get(key)


# How each logged decision reads to the person it was about (their "My record" page).
RECORD_WORDS = {
    "mute": _("A facilitator muted your posting for a while"),
    "unmute": _("The pause on your posting was lifted"),
    "nudge": _("A facilitator sent you a private note"),
    "pause_answer": _("A facilitator answered your request for a pause"),
    "hide": _("A facilitator hid one of your messages"),
    "restore": _("One of your messages was shown again"),
    "remove": _("You were removed from the group"),
    "ban": _("You were banned from the group"),
    "suspend": _("An organizer paused your account"),
    "unsuspend": _("Your account was opened again"),
    "decline_message": _("A facilitator did not post one of your messages"),
    "approve_message": _("A facilitator posted a message of yours that was waiting"),
    "join_approved": _("You were welcomed into the group"),
    "join_declined": _("Your request to join was declined"),
    "facilitator_appointed": _("You became a facilitator"),
    "facilitator_revoked": _("You returned to being a member"),
    "appeal_upheld": _("Your appeal was decided: the decision stands"),
    "appeal_overturned": _("Your appeal was decided: the decision was reversed"),
}


@register.filter
def record_words(action: str) -> str:
    """A logged action in plain words, addressed to the person it was about."""
    return str(RECORD_WORDS.get(action, action.replace("_", " ").capitalize()))
