"""Joining, requests, invitations, consent, leaving and facilitator roles."""

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import ratelimit
from community.errors import Refused
from community.names import name_key, validate_name
from groups import audit, events, permissions
from groups.models import (
    Agreement,
    Consent,
    Group,
    Invite,
    JoinPolicy,
    JoinRequest,
    Membership,
    MembershipStatus,
    NameChange,
    RequestStatus,
    Role,
)


def _refuse_if_banned(membership: Membership | None) -> None:
    if membership is not None and membership.status == MembershipStatus.BANNED:
        raise Refused(
            "banned",
            _(
                "You can't rejoin this group. If you think this was a mistake, you can appeal "
                "from your record."
            ),
        )


def _check_standing(user: Any) -> None:
    if not permissions.is_in_good_standing(user):
        raise Refused(
            "not_verified",
            _("Please confirm your email address first; then you can join groups."),
        )


def _check_agreement(group: Group, version: int) -> Agreement:
    if version != group.agreement_version:
        raise Refused(
            "agreement_changed",
            _("The agreement changed while you were reading. Please read the new version."),
        )
    return Agreement.objects.get(group=group, version=version)


def _pseudonym(group: Group, user: Any, pseudonym: str) -> tuple[str, str]:
    """Return the cleaned pseudonym and its key, refusing look-alikes of others' names."""
    if not group.pseudonyms_allowed:
        return "", ""
    if not (pseudonym or "").strip():
        _refuse_display_name_like_a_pseudonym(group, user)
        return "", ""
    try:
        cleaned = validate_name(pseudonym)
    except Exception as error:  # ValidationError carries the sentence we show.
        raise Refused("invalid_name", " ".join(getattr(error, "messages", [str(error)]))) from None
    key = name_key(cleaned)
    others = Membership.objects.filter(group=group).exclude(user=user)
    taken = others.filter(name_key=key).exists() or any(
        name_key(name) == key
        for name in others.filter(status=MembershipStatus.ACTIVE, pseudonym="").values_list(
            "user__display_name", flat=True
        )
    )
    if taken:
        raise Refused(
            "name_taken",
            _(
                "Someone in this group already goes by that name, or one that looks just like it. "
                "Please choose another."
            ),
        )
    return cleaned, key


def _refuse_display_name_like_a_pseudonym(group: Group, user: Any) -> None:
    """Someone joining under their display name must not look like another's pseudonym."""
    if Membership.objects.filter(group=group, user=user).exclude(pseudonym="").exists():
        return  # rejoining: their earlier name in this group stays theirs
    _refuse_display_name_taken(group, user)


def _refuse_display_name_taken(group: Group, user: Any) -> None:
    others = Membership.objects.filter(group=group).exclude(user=user)
    if others.filter(name_key=name_key(user.display_name)).exists():
        raise Refused(
            "name_taken",
            _(
                "Someone in this group already goes by a name that looks just like yours. "
                "Please choose a name to use here."
            ),
        )


def _check_seat(group: Group) -> None:
    active = Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE).count()
    if active >= group.capacity:
        raise Refused(
            "full",
            _(
                "This group is full right now. Small groups keep conversations safe; please check "
                "back later or look for a similar group."
            ),
        )


def _seat(
    *,
    group: Group,
    user: Any,
    membership: Membership | None,
    consented: int,
    pseudonym: str,
    key: str,
) -> Membership:
    if membership is None:
        membership = Membership(group=group, user=user)
    membership.role = Role.MEMBER
    membership.status = MembershipStatus.ACTIVE
    membership.consented_version = consented
    membership.joined_at = timezone.now()
    membership.left_at = None
    if pseudonym or not membership.pseudonym:
        membership.pseudonym, membership.name_key = pseudonym, key
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        raise Refused(
            "name_taken", _("Someone just took that name. Please choose another.")
        ) from None
    return membership


@transaction.atomic
def join_group(
    *,
    user: Any,
    group: Group,
    agreement_version: int,
    pseudonym: str = "",
    invite: Invite | None = None,
) -> Membership:
    """Join an open group (or any group with an invite), consenting to its agreement."""
    _check_standing(user)
    group = Group.objects.select_for_update().get(pk=group.pk)
    membership = Membership.objects.filter(group=group, user=user).first()
    _refuse_if_banned(membership)
    if permissions.is_member(membership):
        raise Refused("already_member", _("You are already part of this group."))
    if invite is not None:
        invite = Invite.objects.select_for_update().get(pk=invite.pk)
        if invite.group_id != group.id or not invite.is_usable:
            raise Refused("invite_unusable", _("This invitation has expired or was withdrawn."))
        allowed = permissions.can_accept_invite(user, group, membership)
    else:
        allowed = permissions.can_join_directly(user, group, membership)
    if not allowed:
        if group.archived:
            raise Refused("archived", _("This group has closed and is not taking new members."))
        if membership is not None and membership.status == MembershipStatus.REMOVED:
            raise Refused(
                "request_needed",
                _("You're welcome to ask to come back: the facilitators will read your request."),
            )
        raise Refused(
            "invite_only" if group.join_policy == JoinPolicy.INVITE else "request_needed",
            _("This group welcomes new members by request or invitation."),
        )
    agreement = _check_agreement(group, agreement_version)
    _check_seat(group)
    cleaned, key = _pseudonym(group, user, pseudonym)
    membership = _seat(
        group=group,
        user=user,
        membership=membership,
        consented=agreement.version,
        pseudonym=cleaned,
        key=key,
    )
    Consent.objects.get_or_create(user=user, agreement=agreement)
    if invite is not None:
        invite.uses += 1
        invite.save(update_fields=["uses"])
    JoinRequest.objects.filter(group=group, user=user, status=RequestStatus.PENDING).update(
        status=RequestStatus.WITHDRAWN, decided_at=timezone.now()
    )
    return membership


@transaction.atomic
def request_to_join(*, user: Any, group: Group, note: str = "", pseudonym: str = "") -> JoinRequest:
    """Ask the facilitators of a by-request group for a seat, under the name asked for."""
    _check_standing(user)
    membership = Membership.objects.filter(group=group, user=user).first()
    _refuse_if_banned(membership)
    if permissions.is_member(membership):
        raise Refused("already_member", _("You are already part of this group."))
    if group.archived:
        raise Refused("archived", _("This group has closed and is not taking new members."))
    if not permissions.can_request(user, group, membership):
        raise Refused("not_by_request", _("This group does not take requests to join."))
    if JoinRequest.objects.filter(group=group, user=user, status=RequestStatus.PENDING).exists():
        raise Refused("already_requested", _("Your request is already with the facilitators."))
    cleaned, __ = _pseudonym(group, user, pseudonym)
    try:
        with transaction.atomic():
            return JoinRequest.objects.create(
                group=group, user=user, note=note.strip()[:500], pseudonym=cleaned
            )
    except IntegrityError:
        raise Refused(
            "already_requested", _("Your request is already with the facilitators.")
        ) from None


@transaction.atomic
def withdraw_request(*, user: Any, join_request: JoinRequest) -> JoinRequest:
    if join_request.user_id != user.id or join_request.status != RequestStatus.PENDING:
        raise Refused("not_pending", _("That request is no longer waiting."))
    join_request.status = RequestStatus.WITHDRAWN
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_at"])
    return join_request


@transaction.atomic
def decide_request(*, actor: Any, join_request: JoinRequest, approve: bool) -> JoinRequest:
    """Welcome or decline a request. The newcomer still consents on their first visit."""
    group = Group.objects.select_for_update().get(pk=join_request.group_id)
    actor_membership = permissions.membership_for(actor, group)
    if not (
        permissions.can_facilitate(actor, group, actor_membership)
        or permissions.is_organizer(actor)
    ):
        raise Refused("forbidden", _("Only this group's facilitators can answer requests."))
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != RequestStatus.PENDING:
        raise Refused("not_pending", _("Someone has already answered this request."))
    if approve:
        membership = Membership.objects.filter(group=group, user=join_request.user).first()
        _refuse_if_banned(membership)
        if group.archived:
            raise Refused("archived", _("This group has closed and is not taking new members."))
        _check_seat(group)
        try:
            pseudonym, key = _pseudonym(group, join_request.user, join_request.pseudonym)
        except Refused:
            # Someone took a look-alike name while the request waited: they choose
            # another when they first read the agreement (`consent`).
            pseudonym, key = "", ""
        _seat(
            group=group,
            user=join_request.user,
            membership=membership,
            consented=0,
            pseudonym=pseudonym,
            key=key,
        )
    join_request.status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    audit.record(
        "join_approved" if approve else "join_declined",
        actor=actor,
        group=group,
        target_user=join_request.user,
    )
    return join_request


@transaction.atomic
def create_invite(*, actor: Any, group: Group, days: int = 7, max_uses: int = 1) -> Invite:
    """Make an invitation link that expires and can be used a limited number of times."""
    if group.archived:
        raise Refused("archived", _("This group has closed, so it can't invite anyone now."))
    if not permissions.can_invite(actor, group, permissions.membership_for(actor, group)):
        raise Refused("forbidden", _("Only this group's facilitators can invite people."))
    if not 1 <= days <= 30 or not 1 <= max_uses <= 50:
        raise Refused("invalid", _("Links last 1 to 30 days and can be used 1 to 50 times."))
    invite = Invite.objects.create(
        group=group,
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days),
        max_uses=max_uses,
    )
    audit.record("invite_created", actor=actor, group=group, expires_at=invite.expires_at)
    return invite


@transaction.atomic
def revoke_invite(*, actor: Any, invite: Invite) -> Invite:
    group = invite.group
    # Unlike making a link, withdrawing one is always allowed: also in an archived
    # group, whose links would otherwise come back to life if it reopened.
    membership = permissions.membership_for(actor, group)
    if not (
        permissions.can_facilitate(actor, group, membership) or permissions.is_organizer(actor)
    ):
        raise Refused("forbidden", _("Only this group's facilitators can withdraw invitations."))
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at"])
        audit.record("invite_revoked", actor=actor, group=group)
    return invite


@transaction.atomic
def consent(*, user: Any, group: Group, agreement_version: int, pseudonym: str = "") -> Membership:
    """Record consent to the current agreement (and, on a first visit, a chosen name)."""
    _check_standing(user)
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    membership = permissions.require_member(membership)
    agreement = _check_agreement(group, agreement_version)
    if membership.consented_version == 0 and pseudonym:
        membership.pseudonym, membership.name_key = _pseudonym(group, user, pseudonym)
    Consent.objects.get_or_create(user=user, agreement=agreement)
    membership.consented_version = agreement.version
    try:
        with transaction.atomic():
            membership.save(update_fields=["consented_version", "pseudonym", "name_key"])
    except IntegrityError:
        raise Refused(
            "name_taken", _("Someone just took that name. Please choose another.")
        ) from None
    events.recheck_user(user.id, group_id=group.id)
    return membership


@transaction.atomic
def leave_group(*, user: Any, group: Group) -> Membership:
    """Leave a group. History keeps the name; rejoining later is welcome."""
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if not permissions.is_member(membership) or membership is None:
        raise Refused("not_member", _("You are not part of this group."))
    membership.status = MembershipStatus.LEFT
    membership.role = Role.MEMBER
    membership.left_at = timezone.now()
    membership.save(update_fields=["status", "role", "left_at"])
    events.recheck_user(user.id, group_id=group.id)
    return membership


@transaction.atomic
def set_facilitator(*, actor: Any, group: Group, user: Any, facilitator: bool) -> Membership:
    """Appoint a member as facilitator, or return a facilitator to member."""
    if not permissions.can_manage_group(actor):
        raise Refused("forbidden", _("Only organizers can appoint facilitators."))
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if not permissions.is_member(membership) or membership is None:
        raise Refused("not_member", _("That person needs to be a member of the group first."))
    role = Role.FACILITATOR if facilitator else Role.MEMBER
    if membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(
            "facilitator_appointed" if facilitator else "facilitator_revoked",
            actor=actor,
            group=group,
            target_user=user,
        )
        events.recheck_user(user.id, group_id=group.id)
    return membership


# A few new names a day: enough to correct one, too few to flicker through many.
RENAMES_PER_DAY = 3


@transaction.atomic
def rename(*, user: Any, group: Group, pseudonym: str) -> Membership:
    """Go by another name in this group (empty: the account's own display name).

    The room shows every message under the new name; the group's facilitators keep
    the earlier one (NameChange). Open sockets re-read the membership and tell the
    room the new name.
    """
    group = Group.objects.get(pk=group.pk)  # judged on the group as it is now
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(group=group, user=user)
        .first()
    )
    permissions.check_can_rename(user, group, membership)
    assert membership is not None  # the check refuses a missing membership
    old_name = membership.display_name
    if (pseudonym or "").strip():
        cleaned, key = _pseudonym(group, user, pseudonym)
    else:  # back to the account's own name, if nobody here goes by a look-alike of it
        _refuse_display_name_taken(group, user)
        cleaned, key = "", ""
    if cleaned == membership.pseudonym:
        return membership  # the same name: nothing to change or record
    verdict = ratelimit.take(
        f"rename:{membership.pk}", rate=RENAMES_PER_DAY / 86400, burst=RENAMES_PER_DAY
    )
    if not verdict.allowed:
        raise Refused(
            "rate_limited",
            _("You've changed your name here a few times today. You can choose again tomorrow."),
        )
    membership.pseudonym, membership.name_key = cleaned, key
    try:
        with transaction.atomic():
            membership.save(update_fields=["pseudonym", "name_key"])
    except IntegrityError:  # someone took a look-alike of it a moment ago
        raise Refused(
            "name_taken",
            _(
                "Someone in this group already goes by that name, or one that looks just like it. "
                "Please choose another."
            ),
        ) from None
    NameChange.objects.create(
        membership=membership, old_name=old_name, new_name=membership.display_name
    )
    events.recheck_user(user.pk, group_id=group.pk)
    return membership
