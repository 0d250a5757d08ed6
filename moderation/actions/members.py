"""Actions about a person: nudge, mute, remove, ban, and site-wide suspension."""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.cleaning import check_text
from community.errors import Refused
from community.notices import end_notices
from groups import audit, events
from groups.models import Membership, MembershipStatus, Role
from moderation import permissions
from moderation.actions.common import (
    clause_text,
    group_link,
    reason_text,
    require,
    speaking_to,
    tell,
)
from moderation.models import clause_label


def _minutes(count: int) -> str:
    return ngettext("%(count)s minute", "%(count)s minutes", count) % {"count": count}


def _hours(count: int) -> str:
    return ngettext("%(count)s hour", "%(count)s hours", count) % {"count": count}


def _days(count: int) -> str:
    return ngettext("%(count)s day", "%(count)s days", count) % {"count": count}


# Labels read when the form is shown, in the reader's language.
_lazy_minutes, _lazy_hours, _lazy_days = (lazy(f, str) for f in (_minutes, _hours, _days))
MUTE_CHOICES = {
    10: _lazy_minutes(10),
    60: _lazy_hours(1),
    24 * 60: _lazy_hours(24),
    7 * 24 * 60: _lazy_days(7),
}
MAX_MUTE_MINUTES = 30 * 24 * 60
NUDGE_MAX = 800  # a notice holds 1,500; the form allows 800


def _target(membership: Membership) -> Membership:
    locked = (
        Membership.objects.select_for_update().select_related("user", "group").get(pk=membership.pk)
    )
    if locked.status != MembershipStatus.ACTIVE:
        raise Refused("not_member", _("That person is no longer in the group."))
    return locked


@transaction.atomic
def nudge(*, actor: Any, membership: Membership, clause: str, text: str) -> None:
    """Send a private, warm note citing a clause. Nothing else changes."""
    clause = clause_text(clause)
    text = check_text(text, field="text", label="note", max_length=NUDGE_MAX, collapse=True)
    if not text:
        raise Refused("empty", _("Please write the note, or choose a template."), field="text")
    target = _target(membership)
    require(permissions.can_act_on(actor, target.group, target))
    audit.record("nudge", actor=actor, group=target.group, target_user=target.user, clause=clause)
    with speaking_to(target.user):
        title = _("A note from a facilitator")
    tell(target.user, target.group, kind="nudge", title=title, text=text)


@transaction.atomic
def mute(
    *, actor: Any, membership: Membership, minutes: int, clause: str, reason: str = ""
) -> Membership:
    """Pause a member from posting for a while. It lifts by itself."""
    clause, reason = clause_text(clause), reason_text(reason)
    target = _target(membership)
    require(permissions.can_act_on(actor, target.group, target))
    if not 1 <= minutes <= MAX_MUTE_MINUTES:
        raise Refused("invalid", _("A pause can last from one minute to thirty days."))
    until = timezone.now() + timedelta(minutes=minutes)
    # No time in the words: each page shows `until` in the reader's own time zone.
    # Stored and shown to the member only: written in their language.
    with speaking_to(target.user):
        if clause:
            explanation = _(
                "A facilitator paused your posting because a message touched the "
                "agreement's “%(clause)s”. You can keep reading, and post again when the "
                "pause lifts."
            ) % {"clause": clause_label(clause)}
        else:
            explanation = _(
                "A facilitator paused your posting because a message touched the group's "
                "agreement. You can keep reading, and post again when the pause lifts."
            )
        title, ended_title = (
            _("Posting paused for a while"),
            _("Your posting was paused for a while"),
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
        title=title,
        text=explanation,
        until=until,
        ended_title=ended_title,
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
    with speaking_to(target.user):
        title = _("You can post again")
        text = _("A facilitator lifted the pause on your posting. Welcome back.")
    tell(target.user, target.group, kind="unmute", title=title, text=text)
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
    with speaking_to(target.user):
        title = _("About one of your groups")
        if banned and clause:
            text = _(
                "A facilitator ended your place in a group because of the agreement's "
                "“%(clause)s”. You can't rejoin it, but you can appeal the decision from "
                "your record."
            ) % {"clause": clause_label(clause)}
        elif banned:
            text = _(
                "A facilitator ended your place in a group because of the group's "
                "agreement. You can't rejoin it, but you can appeal the decision from "
                "your record."
            )
        elif clause:
            text = _(
                "A facilitator ended your place in a group because of the agreement's "
                "“%(clause)s”. You may ask to come back later, by request or invitation. "
                "You can also appeal from your record."
            ) % {"clause": clause_label(clause)}
        else:
            text = _(
                "A facilitator ended your place in a group because of the group's "
                "agreement. You may ask to come back later, by request or invitation. "
                "You can also appeal from your record."
            )
    end_notices(target.user, kind="mute", link=group_link(target.group))  # no posting to pause
    # The sockets re-check first: nothing (a `sync` between the two) reaches the room's
    # socket after the person has heard they are out of it.
    events.recheck_user(target.user_id, group_id=target.group_id)
    tell(target.user, None, kind=status, title=title, text=text)
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
        raise Refused("invalid", _("A suspension lasts from one day to a year, or until lifted."))
    until = timezone.now() + (timedelta(days=days) if days else timedelta(days=365 * 100))
    user.suspended_until = until
    user.save(update_fields=["suspended_until"])
    audit.record(
        "suspend", actor=actor, target_user=user, reason=reason, expires_at=until if days else None
    )
    end_notices(user, kind="suspend")
    with speaking_to(user):
        title, ended_title = _("Your account is paused"), _("Your account was paused")
        text = _("An organizer paused your account. You can read your record and appeal there.")
    tell(
        user,
        None,
        kind="suspend",
        title=title,
        text=text,
        until=until if days else None,
        ended_title=ended_title,
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
    with speaking_to(user):
        title = _("Your account is open again")
        text = _("An organizer lifted the pause on your account. Welcome back.")
    tell(user, None, kind="unsuspend", title=title, text=text)
    return user
