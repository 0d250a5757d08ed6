from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """Look up `key` in a dict (reaction counts by kind)."""
    return (mapping or {}).get(key)


# How each logged decision reads to the person it was about (their "My record" page).
RECORD_WORDS = {
    "mute": "A facilitator muted your posting for a while",
    "unmute": "The pause on your posting was lifted",
    "nudge": "A facilitator sent you a private note",
    "pause_answer": "A facilitator answered your request for a pause",
    "hide": "A facilitator hid one of your messages",
    "restore": "One of your messages was shown again",
    "remove": "You were removed from the group",
    "ban": "You were banned from the group",
    "suspend": "An organizer paused your account",
    "unsuspend": "Your account was opened again",
    "decline_message": "A facilitator did not post one of your messages",
    "approve_message": "A facilitator posted a message of yours that was waiting",
    "join_approved": "You were welcomed into the group",
    "join_declined": "Your request to join was declined",
    "facilitator_appointed": "You became a facilitator",
    "facilitator_revoked": "You returned to being a member",
    "appeal_upheld": "Your appeal was decided: the decision stands",
    "appeal_overturned": "Your appeal was decided: the decision was reversed",
}


@register.filter
def record_words(action: str) -> str:
    """A logged action in plain words, addressed to the person it was about."""
    return RECORD_WORDS.get(action, action.replace("_", " ").capitalize())
