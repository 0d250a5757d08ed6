"""Actions about a person: nudge, mute, remove, ban, and site-wide suspension."""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from community.cleaning import check_text
from community.errors import Refused
from community.notices import end_notices
from groups import audit, events
from groups.models import Membership, MembershipStatus, Role
from moderation import permissions
from moderation.actions.common import (
    clause_phrase,
    clause_text,
    group_link,
    reason_text,
    require,
    tell,
)

MUTE_CHOICES = {10: "10 minutes", 60: "1 hour", 24 * 60: "24 hours", 7 * 24 * 60: "7 days"}
MAX_MUTE_MINUTES = 30 * 24 * 60
NUDGE_MAX = 800  # a notice holds 1,500; the form allows 800


def _target(membership: Membership) -> Membership:
    locked = (
        Membership.objects.select_for_update().select_related("user", "group").get(pk=membership.pk)
    )
    if locked.status != MembershipStatus.ACTIVE:
        raise Refused("not_member", "That person is no longer in the group.")
    return locked


@transaction.atomic
def nudge(*, actor: Any, membership: Membership, clause: str, text: str) -> None:
    """Send a private, warm note citing a clause. Nothing else changes."""
    clause = clause_text(clause)
    text = check_text(text, field="text", label="note", max_length=NUDGE_MAX, collapse=True)
    if not text:
        raise Refused("empty", "Please write the note, or choose a template.", field="text")
    target = _target(membership)
    require(permissions.can_act_on(actor, target.group, target))
    audit.record("nudge", actor=actor, group=target.group, target_user=target.user, clause=clause)
    tell(target.user, target.group, kind="nudge", title="A note from a facilitator", text=text)


@transaction.atomic
def mute(
    *, actor: Any, membership: Membership, minutes: int, clause: str, reason: str = ""
) -> Membership:
    """Pause a member from posting for a while. It lifts by itself."""
    clause, reason = clause_text(clause), reason_text(reason)
    target = _target(membership)
    require(permissions.can_act_on(actor, target.group, target))
    if not 1 <= minutes <= MAX_MUTE_MINUTES:
        raise Refused("invalid", "A pause can last from one minute to thirty days.")
    until = timezone.now() + timedelta(minutes=minutes)
    # No time in the words: each page shows `until` in the reader's own time zone.
    explanation = (
        f"A facilitator paused your posting because a message touched {clause_phrase(clause)}. "
        "You can keep reading, and post again when the pause lifts."
    )
    target.muted_until, target.mute_reason = until, explanation
    target.save(update_fields=["muted_until", "mute_reason"])
    audit.record(
        "mute",
        actor=actor,
        group=target.group,
        target_user=target.user,
        clause=clause,
        reason=reason,
        expires_at=until,
    )
    end_notices(target.user, kind="mute", link=group_link(target.group))  # a new pause replaces it
    tell(
        target.user,
        target.group,
        kind="mute",
        title="Posting paused for a while",
        text=explanation,
        until=until,
        ended_title="Your posting was paused for a while",
    )
    events.recheck_user(target.user_id, group_id=target.group_id)
    return target


@transaction.atomic
def unmute(*, actor: Any, membership: Membership, reason: str = "") -> Membership:
    reason = reason_text(reason)
    target = _target(membership)
    require(permissions.can_act_on(actor, target.group, target))
    target.muted_until, target.mute_reason = None, ""
    target.save(update_fields=["muted_until", "mute_reason"])
    audit.record("unmute", actor=actor, group=target.group, target_user=target.user, reason=reason)
    end_notices(target.user, kind="mute", link=group_link(target.group))
    tell(
        target.user,
        target.group,
        kind="unmute",
        title="You can post again",
        text="A facilitator lifted the pause on your posting. Welcome back.",
    )
    events.recheck_user(target.user_id, group_id=target.group_id)
    return target


def _end_membership(
    *, actor: Any, membership: Membership, status: str, clause: str, reason: str
) -> Membership:
    clause, reason = clause_text(clause), reason_text(reason)
    target = _target(membership)
    require(permissions.can_act_on(actor, target.group, target))
    target.status, target.role, target.left_at = status, Role.MEMBER, timezone.now()
    target.save(update_fields=["status", "role", "left_at"])
    banned = status == MembershipStatus.BANNED
    audit.record(
        "ban" if banned else "remove",
        actor=actor,
        group=target.group,
        target_user=target.user,
        clause=clause,
        reason=reason,
    )
    text = f"A facilitator ended your place in a group because of {clause_phrase(clause)}. " + (
        "You can't rejoin it, but you can appeal the decision from your record."
        if banned
        else "You may ask to come back later, by request or invitation. You can also appeal "
        "from your record."
    )
    end_notices(target.user, kind="mute", link=group_link(target.group))  # no posting to pause
    # The sockets re-check first: nothing (a `sync` between the two) reaches the room's
    # socket after the person has heard they are out of it.
    events.recheck_user(target.user_id, group_id=target.group_id)
    tell(target.user, None, kind=status, title="About one of your groups", text=text)
    return target


@transaction.atomic
def remove(*, actor: Any, membership: Membership, clause: str, reason: str = "") -> Membership:
    """Take a member out of the group; they may return by request or invitation."""
    return _end_membership(
        actor=actor,
        membership=membership,
        status=MembershipStatus.REMOVED,
        clause=clause,
        reason=reason,
    )


@transaction.atomic
def ban(*, actor: Any, membership: Membership, clause: str, reason: str = "") -> Membership:
    """Take a member out of the group for good."""
    return _end_membership(
        actor=actor,
        membership=membership,
        status=MembershipStatus.BANNED,
        clause=clause,
        reason=reason,
    )


@transaction.atomic
def look_up_account(*, actor: Any, membership: Membership) -> Any:
    """The account behind a member's name in a group: organizers only, and logged."""
    require(permissions.is_organizer(actor))
    target = Membership.objects.select_related("user", "group").get(pk=membership.pk)
    audit.record("account_lookup", actor=actor, group=target.group, target_user=target.user)
    return target.user


@transaction.atomic
def suspend(*, actor: Any, user: Any, days: int | None, reason: str) -> Any:
    """Suspend an account site-wide (organizers). `days=None` means until lifted."""
    reason = reason_text(reason)
    require(permissions.can_suspend(actor, user))
    if days is not None and not 1 <= days <= 365:
        raise Refused("invalid", "A suspension lasts from one day to a year, or until lifted.")
    until = timezone.now() + (timedelta(days=days) if days else timedelta(days=365 * 100))
    user.suspended_until = until
    user.save(update_fields=["suspended_until"])
    audit.record(
        "suspend", actor=actor, target_user=user, reason=reason, expires_at=until if days else None
    )
    end_notices(user, kind="suspend")
    tell(
        user,
        None,
        kind="suspend",
        title="Your account is paused",
        text="An organizer paused your account. You can read your record and appeal there.",
        until=until if days else None,
        ended_title="Your account was paused",
    )
    events.recheck_user(user.pk)
    return user


@transaction.atomic
def unsuspend(*, actor: Any, user: Any, reason: str = "") -> Any:
    reason = reason_text(reason)
    require(permissions.can_suspend(actor, user))
    user.suspended_until = None
    user.save(update_fields=["suspended_until"])
    audit.record("unsuspend", actor=actor, target_user=user, reason=reason)
    end_notices(user, kind="suspend")
    tell(
        user,
        None,
        kind="unsuspend",
        title="Your account is open again",
        text="An organizer lifted the pause on your account. Welcome back.",
    )
    return user
