"""Who may do what in a group: predicates and fetch-and-authorize helpers.

Views and consumers ask these; they never re-implement them. The `access_*`
helpers answer "missing" and "forbidden" the same way (404) so that probing a
member-only page never reveals whether a group exists.
"""

from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext as _

from community.errors import Refused

# Site-wide standing, asked through this module too.
from community.permissions import is_in_good_standing as is_in_good_standing
from community.permissions import is_organizer as is_organizer
from community.permissions import is_verified as is_verified
from community.wsauth import session_holds
from groups.closes import CLOSE_NOT_ALLOWED, CLOSE_NOT_SIGNED_IN
from groups.models import (
    Boundary,
    BoundaryKind,
    Group,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Role,
)


class NotFound(Http404):
    """Raised for both a missing group and one the person may not see."""


def membership_for(user: Any, group: Group) -> Membership | None:
    """Return the person's membership row in `group` (any status), or None."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(group=group, user=user).first()


def membership_with_person(group: Group, user: Any) -> Membership | None:
    """The person's membership read together with their account as it is now.

    Decisions about a socket's frames judge `membership.user` from this read, never
    the user the socket cached at connect: a deactivation, a suspension or a lost
    verification counts at once (the verified flag comes in the same query).
    """
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("user")
        .defer("user__bio", "user__bio_html")
        .annotate(
            person_verified=Exists(
                EmailAddress.objects.filter(user=OuterRef("user_id"), verified=True)
            )
        )
        .filter(group=group, user=user)
        .first()
    )
    if membership is not None:
        membership.user._hearth_verified = membership.person_verified  # type: ignore[attr-defined]
    return membership


def is_member(membership: Membership | None) -> bool:
    return membership is not None and membership.status == MembershipStatus.ACTIVE


def can_read(user: Any, group: Group, membership: Membership | None) -> bool:
    """Active members who have consented to some version may read the room."""
    return (
        is_in_good_standing(user)
        and is_member(membership)
        and membership is not None
        and membership.consented_version > 0
    )


def needs_consent(group: Group, membership: Membership | None) -> bool:
    return (
        is_member(membership)
        and membership is not None
        and (membership.consented_version < group.agreement_version)
    )


def can_post(user: Any, group: Group, membership: Membership | None) -> bool:
    """May write in the room: reading, plus the current agreement and an open room."""
    if not can_read(user, group, membership) or membership is None:
        return False
    if group.archived or needs_consent(group, membership) or membership.is_muted:
        return False  # an organizer may mute a facilitator too
    if membership.role == Role.FACILITATOR:
        return True
    return not group.is_paused


def can_facilitate(user: Any, group: Group, membership: Membership | None) -> bool:
    """Holds the space in this group: an active facilitator in good standing."""
    return (
        is_in_good_standing(user)
        and is_member(membership)
        and membership is not None
        and membership.role == Role.FACILITATOR
    )


def can_keep(user: Any, group: Group, membership: Membership | None) -> bool:
    """Keeps this group from its settings and moderation pages: its facilitator, or an
    organizer (member or not)."""
    return can_facilitate(user, group, membership) or is_organizer(user)


def keeps_room(user: Any, group: Group, membership: Membership | None) -> bool:
    """Moderates the room from inside it: its facilitator, or an organizer who is a member."""
    return can_facilitate(user, group, membership) or (
        is_organizer(user) and can_read(user, group, membership)
    )


def can_manage_group(user: Any) -> bool:
    """Create, edit and archive groups; appoint facilitators; publish agreements."""
    return is_organizer(user)


def can_invite(user: Any, group: Group, membership: Membership | None) -> bool:
    return not group.archived and (can_facilitate(user, group, membership) or is_organizer(user))


def can_join_directly(user: Any, group: Group, membership: Membership | None) -> bool:
    """May join an open group at once (capacity is checked when joining).

    Someone a facilitator removed returns only by request or invitation.
    """
    return (
        group.join_policy == JoinPolicy.OPEN
        and _may_become_member(user, group, membership)
        and not _was_removed(membership)
    )


def can_request(user: Any, group: Group, membership: Membership | None) -> bool:
    """May ask to join: a by-request group, or an open one they were removed from."""
    return (
        group.join_policy == JoinPolicy.REQUEST
        or (group.join_policy == JoinPolicy.OPEN and _was_removed(membership))
    ) and _may_become_member(user, group, membership)


def _was_removed(membership: Membership | None) -> bool:
    return membership is not None and membership.status == MembershipStatus.REMOVED


def can_accept_invite(user: Any, group: Group, membership: Membership | None) -> bool:
    return _may_become_member(user, group, membership)


def _may_become_member(user: Any, group: Group, membership: Membership | None) -> bool:
    if not is_in_good_standing(user) or group.archived:
        return False
    if membership is None:
        return True
    return membership.status in {MembershipStatus.LEFT, MembershipStatus.REMOVED}


def get_group(slug: str) -> Group:
    """Fetch a group anyone may know of (its landing page), or 404."""
    try:
        return Group.objects.select_related("schedule").get(slug=slug)
    except Group.DoesNotExist:
        raise NotFound("No group here.") from None


def access_group_for_reader(user: Any, slug: str) -> tuple[Group, Membership]:
    """Fetch a group and the reader's membership, or 404 exactly like a missing group."""
    group = get_group(slug)
    membership = membership_for(user, group)
    if not can_read(user, group, membership) or membership is None:
        raise NotFound("No group here.")
    return group, membership


def access_group_for_facilitator(user: Any, slug: str) -> tuple[Group, Membership | None]:
    """Fetch a group its facilitator (or an organizer) may moderate, or 404."""
    group = get_group(slug)
    membership = membership_for(user, group)
    if can_keep(user, group, membership):
        return group, membership
    raise NotFound("No group here.")


def access_group_for_organizer(user: Any, slug: str) -> Group:
    if not can_manage_group(user):
        raise NotFound("No group here.")
    return get_group(slug)


# --- Resources -------------------------------------------------------------------------


def can_publish_resource(
    user: Any, group: Group | None, membership: Membership | None = None
) -> bool:
    """Community-wide: organizers. In a group: its facilitators (its resources are
    for members only, so an organizer who is not a member neither sees nor posts them)."""
    if group is None:
        return is_organizer(user)
    return can_facilitate(user, group, membership or membership_for(user, group))


def can_suggest_resource(user: Any, group: Group, membership: Membership | None) -> bool:
    """A suggestion is writing to the group: members who agreed to the current version
    and whose posting is not paused."""
    return (
        not group.archived
        and can_read(user, group, membership)
        and not needs_consent(group, membership)
        and membership is not None
        and not membership.is_muted
    )


def can_view_resource(user: Any, resource: Any, membership: Membership | None = None) -> bool:
    """Published community resources: anyone signed in. Group ones: that group's readers.
    Suggestions: their author and those who may publish. Archived: those who may publish."""
    if not is_in_good_standing(user):
        return False
    group = resource.group
    if group is not None:
        membership = membership or membership_for(user, group)
        if not can_read(user, group, membership):
            return False
    if resource.status == "published":
        return True
    if resource.status == "suggested" and resource.author_id == user.pk:
        return True
    return can_publish_resource(user, group, membership)


# --- A member's name in a group ---------------------------------------------------


def can_rename(user: Any, group: Group, membership: Membership | None) -> bool:
    """Choose another name in this group: a reader who may speak there now."""
    try:
        check_can_rename(user, group, membership)
    except Refused:
        return False
    return True


def check_can_rename(user: Any, group: Group, membership: Membership | None) -> None:
    # A new name is seen by everyone in the room: the same conditions as speaking
    # (but not a room pause, which is a breath, not a judgment).
    if not can_read(user, group, membership) or membership is None:
        raise Refused("not_member", _("Only members of this group can do that."))
    if not group.pseudonyms_allowed:
        raise Refused("names_fixed", _("In this group everyone goes by the name on their account."))
    if group.archived:
        raise Refused("archived", _("This group has closed; its conversation is read-only."))
    if needs_consent(group, membership):
        raise Refused(
            "consent_required",
            _("The group's agreement changed. Please read it and agree again first."),
        )
    if membership.is_muted:
        raise Refused(
            "muted",
            _("Your posting is paused for now, and that includes changing your name here."),
        )


# --- Boundaries a member sets (mute, block) ------------------------------------------


def can_set_boundary(
    user: Any, group: Group, membership: Membership | None, target: Membership | None
) -> bool:
    """Mute or block someone of this group: any reader, towards anyone else in it.

    Open to a stale consent and a paused member too, as reporting is: setting a
    boundary writes nothing anyone else reads.
    """
    try:
        check_can_set_boundary(user, group, membership, target)
    except Refused:
        return False
    return True


def check_can_set_boundary(
    user: Any, group: Group, membership: Membership | None, target: Membership | None
) -> None:
    if not can_read(user, group, membership) or membership is None:
        raise Refused("not_member", _("Only members of this group can do that."))
    if target is None or target.group_id != group.pk:
        raise Refused("not_found", _("That person can't be found in this group."))
    if target.pk == membership.pk:
        raise Refused("self", _("That's you. There's nobody to mute there."))


def can_react_to(membership: Membership, author_id: int) -> bool:
    """Whether the author of a message has left reactions open to this member."""
    try:
        check_can_react_to(membership, author_id)
    except Refused:
        return False
    return True


def check_can_react_to(membership: Membership, author_id: int) -> None:
    # The sentence names no block and nobody: it must not read as a verdict on the
    # person, and says what stays open to them.
    if Boundary.objects.filter(
        owner_id=author_id, target=membership, kind=BoundaryKind.BLOCK
    ).exists():
        raise Refused(
            "reaction_unavailable",
            _(
                "Reactions to this message aren't available to you. "
                "You're still welcome to read along and write in the room."
            ),
        )


# --- The room's socket ------------------------------------------------------------

RoomAccess = tuple[Group, Membership, bool, bool]


def access_room(user: Any, slug: str, session: str | None = None) -> RoomAccess | int:
    """The group, the person's membership and whether they may read and post; or the
    close code that says why this socket may not stay (groups/closes.py).

    With `session` (a re-check), the socket's session must still sign the person in:
    not signed out, not expired, not from before a password change.
    """
    # The long texts a room never shows are left in the database: each socket keeps
    # its own copies of these rows for as long as it is open.
    group = Group.objects.filter(slug=slug).defer("description", "description_html").first()
    if group is None:
        return CLOSE_NOT_ALLOWED
    membership = membership_with_person(group, user)
    # Judge the person as the database has them now (read with the membership), not
    # as the socket saw them at connect: a suspension or an unverified address counts.
    person = membership.user if membership is not None else user
    if session is not None and not session_holds(session, person):
        return CLOSE_NOT_SIGNED_IN
    if not can_read(person, group, membership) or membership is None:
        return CLOSE_NOT_ALLOWED
    return group, membership, True, can_post(person, group, membership)
