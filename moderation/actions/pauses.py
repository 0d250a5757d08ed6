"""A member's private "I need a pause", and a facilitator's private answer to it."""

from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community import ratelimit
from community.cleaning import check_text
from community.errors import Refused
from community.models import Notice
from groups import audit, events, selectors
from groups import permissions as group_permissions
from groups.models import Group, Membership
from moderation import permissions
from moderation.actions.common import (
    group_link,
    language_of,
    leave_note,
    require,
    speaking_to,
    tell,
)

NOTE_MAX = 300
ANSWER_MAX = 800  # as a nudge's note
PAUSE_RATE = 1 / 60  # tokens per second: one a minute, per member per group
PAUSE_BURST = 1
# Said to the member who asked, in their language: `_(REQUESTED)`.
REQUESTED = gettext_noop(
    "Thank you for saying so. The facilitators have been told, privately; nobody else "
    "in the room knows. Take the time you need."
)


def _limit(user: Any, group: Group) -> None:
    ratelimit.require(
        f"pause:{group.pk}:{user.pk}",
        rate=PAUSE_RATE,
        burst=PAUSE_BURST,
        refusal=_(
            "The facilitators already have your request for a pause. You can ask again in a minute."
        ),
    )


@transaction.atomic
def request_pause(*, member: Any, group: Group, note: str = "") -> Membership:
    """Tell the room's keepers, privately and live, that a member needs a pause.

    Open to every member who may read the room (as asking for help is): a member
    muted, or whose consent is for an older agreement, may still ask. Nobody else in
    the room hears of it. The note reaches the keepers' open sockets only: it is
    stored nowhere, and their notes page says only that someone asked.
    """
    note = check_text(note, field="note", max_length=NOTE_MAX, collapse=True)
    group = Group.objects.get(pk=group.pk)
    membership = group_permissions.membership_for(member, group)
    membership = group_permissions.require_reader(member, group, membership)
    _limit(member, group)
    payload = {
        "type": "pause.requested",
        "member": {"id": membership.pk, "name": membership.display_name},
        "note": note,
        "at": timezone.now().isoformat(),
        "paused": group.is_paused,
    }
    for keeper in selectors.room_keepers(group):
        if keeper.pk == membership.pk:
            continue
        # On their notes page (and the navigation's count, live anywhere): no name, no note.
        with speaking_to(keeper.user):
            title = _("Someone asked for a pause")
            text = _(
                "A member of one of your groups asked, privately, for a pause. "
                "Open the room to answer them."
            )
        leave_note(
            keeper.user,
            kind="pause_request",
            title=title,
            text=text,
            link=_request_link(group, membership),
        )
        events.to_user(keeper.user_id, payload, group_id=group.pk)
    return membership


def _request_link(group: Group, membership: Membership) -> str:
    # The room, and (by number only) whose request: answering it ends every keeper's note.
    return f"{group_link(group)}#pause-{membership.pk}"


def _end_request_notes(membership: Membership) -> None:
    """Someone answered this member: the other keepers' notes of the request are history."""
    notes = list(
        Notice.objects.filter(
            kind="pause_request",
            link=_request_link(membership.group, membership),
            until__isnull=True,
            dismissed_at__isnull=True,
        ).select_related("user")
    )
    if not notes:
        return
    # Each keeper reads the ended note in their own language: one update per language.
    by_language: dict[str, list[int]] = {}
    for notice in notes:
        by_language.setdefault(language_of(notice.user), []).append(notice.pk)
    now = timezone.now()
    for language, ids in by_language.items():
        with translation.override(language):
            ended_title = _("Someone asked for a pause, and was answered")
        Notice.objects.filter(pk__in=ids).update(until=now, ended_title=ended_title)
    events.alerts_changed([notice.user_id for notice in notes])


def _target(membership: Membership) -> Membership:
    locked = (
        Membership.objects.select_for_update().select_related("user", "group").get(pk=membership.pk)
    )
    if not group_permissions.is_member(locked):
        raise Refused("not_member", _("That person is no longer in the group."))
    return locked


@transaction.atomic
def answer_pause(*, actor: Any, membership: Membership, text: str) -> None:
    """Answer a member privately (after their request for a pause, or at any time).

    Any keeper of the room may answer any member but themselves: an answer is care,
    not a sanction. The log names actor and member, never the words.
    """
    text = check_text(text, field="text", label="note", max_length=ANSWER_MAX, collapse=True)
    if not text:
        raise Refused("empty", _("Please write a few words to send."), field="text")
    target = _target(membership)
    require(permissions.can_moderate_group(actor, target.group) and target.user_id != actor.pk)
    audit.record("pause_answer", actor=actor, group=target.group, target_user=target.user)
    _end_request_notes(target)
    with speaking_to(target.user):
        title = _("A facilitator answered you")
    tell(target.user, target.group, kind="pause_answer", title=title, text=text)
