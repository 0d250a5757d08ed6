"""Who may do what in a group: predicates and fetch-and-authorize helpers.

Views and consumers ask these; they never re-implement them. The `access_*`
helpers answer "missing" and "forbidden" the same way (404) so that probing a
member-only page never reveals whether a group exists.
"""

from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from community import rows
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
    Message,
    Resource,
    ResourceStatus,
    Role,
)


def passes(check: Callable[..., object], *args: Any) -> bool:
    """A predicate from its raising check: whether `check(*args)` does not refuse."""
    try:
        check(*args)
    except Refused:
        return False
    return True


class NotFound(Http404):
    """Raised for both a missing group and one the person may not see."""


def membership_for(user: Any, group: Group) -> Membership | None:
    """Return the person's membership row in `group` (any status), or None."""
    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(group=group, user=user).first()
    if membership is not None:
        membership.user = user  # the row just matched on: naming them reads nothing more
    return membership


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


def not_member(*, forbidden: bool = False) -> Refused:
    """The refusal for someone who is not (or no longer) a member of the group; code
    `forbidden` where a page asks (a meeting's calendar), `not_member` elsewhere."""
    return Refused(
        "forbidden" if forbidden else "not_member", _("Only members of this group can do that.")
    )


def require_member(membership: Membership | None, *, forbidden: bool = False) -> Membership:
    """Return the membership if it is an active member's, else refuse (`not_member`)."""
    if not is_member(membership) or membership is None:
        raise not_member(forbidden=forbidden)
    return membership


def require_reader(user: Any, group: Group, membership: Membership | None) -> Membership:
    """Return the membership if its person may read the room (`can_read`), else refuse.

    `user` None judges the membership's own person, as `membership_with_person` read them.
    """
    person = membership.user if user is None and membership is not None else user
    if membership is not None and not can_read(person, group, membership):
        membership = None
    return require_member(membership)


def is_exempt_from_room_limits(membership: Membership) -> bool:
    """Facilitators post through a room pause, slow mode and the hold on first messages."""
    return membership.role == Role.FACILITATOR


def can_post(user: Any, group: Group, membership: Membership | None) -> bool:
    """May write in the room: reading, plus the current agreement and an open room."""
    return passes(check_can_post, user, group, membership)


def check_can_post(user: Any, group: Group, membership: Membership | None) -> Membership:
    """Return the membership if its person may write in the room now, else refuse.

    `user` None judges the membership's own person (a send reads it fresh from
    the database, never as a socket saw them at connect).
    """
    membership = require_reader(user, group, membership)
    _check_room_open(group, membership, posting=True)
    if membership.is_muted and membership.muted_until:  # facilitators too (by an organizer)
        raise Refused(
            "muted",
            _("You are paused from posting for now.") + " " + (membership.mute_reason or ""),
            until=membership.muted_until.isoformat(),
        )
    if not is_exempt_from_room_limits(membership) and group.is_paused:
        raise Refused("paused", _("The room is paused for a moment. Only facilitators can post."))
    return membership


def _check_room_open(group: Group, membership: Membership, *, posting: bool) -> None:
    """What being heard in the room asks beyond reading it: an open group, and consent to
    its current agreement (the sentence says what agreeing again is for)."""
    if group.archived:
        raise Refused("archived", _("This group has closed; its conversation is read-only."))
    if needs_consent(group, membership):
        raise Refused(
            "consent_required",
            _("The group's agreement changed. Please read it and agree again to post.")
            if posting
            else _("The group's agreement changed. Please read it and agree again first."),
        )


def check_can_edit(
    user: Any, group: Group, membership: Membership | None, message: Message | None
) -> tuple[Membership, Message]:
    """Refuse unless the person may write now and `message` (None: not found) is theirs.

    The writer is judged first: a paused member hears of the pause, not of the message.
    """
    membership = check_can_post(user, group, membership)
    if message is None or message.author_id != membership.pk:
        raise Refused("not_found", _("That message can't be found, or it isn't yours."))
    if message.is_deleted or message.is_hidden:
        raise Refused("gone", _("That message has been removed."))
    return membership, message


def check_can_react(
    user: Any, group: Group, membership: Membership | None, author_id: int
) -> Membership:
    """Refuse unless the person may write now and the author left reactions open to them.

    Taking a reaction back asks only `check_can_post`.
    """
    membership = check_can_post(user, group, membership)
    check_can_react_to(membership, author_id)
    return membership


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


def access_group_for_member(user: Any, slug: str) -> tuple[Group, Membership]:
    """Fetch a group the person is an active member of (read or not yet), or 404."""
    group = get_group(slug)
    membership = membership_for(user, group)
    if not is_member(membership) or membership is None:
        raise NotFound("No group here.")
    return group, membership


def access_group_for_room_keeper(user: Any, slug: str) -> tuple[Group, Membership]:
    """Fetch a group whose room the person keeps from inside it (`keeps_room`), or 404."""
    group, membership = access_group_for_reader(user, slug)
    if not keeps_room(user, group, membership):
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
    return passes(check_can_suggest_resource, user, group, membership)


def check_can_suggest_resource(
    user: Any, group: Group | None, membership: Membership | None
) -> None:
    """Refuse unless the person may suggest a resource to `group` (None: the community's
    library, where nobody suggests)."""
    # A paused member hears of the pause, whatever else stands in the way.
    if membership is not None and membership.is_muted:
        raise Refused(
            "muted", _("Your posting is paused for now, and that includes suggesting resources.")
        )
    if (
        group is None
        or group.archived
        or not can_read(user, group, membership)
        or needs_consent(group, membership)
    ):
        raise Refused("forbidden", _("You can't add resources here."))


def access_library(user: Any, slug: str | None) -> tuple[Group | None, Membership | None]:
    """The library's group (None: the community's), or 404 for anyone who can't see it."""
    if slug is None:
        if not is_in_good_standing(user):
            raise NotFound("No page here.")
        return None, None
    return access_group_for_reader(user, slug)


def access_resource[R: Resource](
    user: Any, slug: str | None, pk: int, *, among: QuerySet[R]
) -> tuple[R, Membership | None]:
    """Fetch a resource of that library (from `among`) the person may see, or 404 for
    a missing one and a hidden one alike."""
    group, membership = access_library(user, slug)
    return _resource_in(user, group, membership, pk, among), membership


def _resource_in[R: Resource](
    user: Any, group: Group | None, membership: Membership | None, pk: int, among: QuerySet[R]
) -> R:
    resource = among.filter(pk=pk, group=group).first()
    if resource is None or not can_view_resource(user, resource, membership):
        raise NotFound("No page here.")
    return resource


def access_resource_editor[R: Resource](
    user: Any, slug: str | None, pk: int | None, *, among: QuerySet[R]
) -> tuple[Group | None, Membership | None, R | None]:
    """The library, and the resource (None: a new one) the person may write there, or 404.

    Editing a resource is for those who may publish in its library; writing a new one,
    for them and (in a group) for the members who may suggest.
    """
    group, membership = access_library(user, slug)
    resource = _resource_in(user, group, membership, pk, among) if pk is not None else None
    if can_publish_resource(user, group, membership):
        return group, membership, resource
    if resource is None and group is not None and can_suggest_resource(user, group, membership):
        return group, membership, resource
    raise NotFound("No page here.")


def access_group_for_publisher(user: Any, slug: str) -> tuple[Group, Membership]:
    """Fetch a group whose resources the person may publish (and review), or 404."""
    group, membership = access_group_for_reader(user, slug)
    if not can_publish_resource(user, group, membership):
        raise NotFound("No page here.")
    return group, membership


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
    if resource.status == ResourceStatus.PUBLISHED:
        return True
    if resource.status == ResourceStatus.SUGGESTED and resource.author_id == user.pk:
        return True
    return can_publish_resource(user, group, membership)


# --- A member's name in a group ---------------------------------------------------


def can_rename(user: Any, group: Group, membership: Membership | None) -> bool:
    """Choose another name in this group: a reader who may speak there now."""
    return passes(check_can_rename, user, group, membership)


def check_can_rename(user: Any, group: Group, membership: Membership | None) -> None:
    # A new name is seen by everyone in the room: the same conditions as speaking
    # (but not a room pause, which is a breath, not a judgment).
    membership = require_reader(user, group, membership)
    if not group.pseudonyms_allowed:
        raise Refused("names_fixed", _("In this group everyone goes by the name on their account."))
    _check_room_open(group, membership, posting=False)
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
    return passes(check_can_set_boundary, user, group, membership, target)


def check_can_set_boundary(
    user: Any, group: Group, membership: Membership | None, target: Membership | None
) -> None:
    membership = require_reader(user, group, membership)
    if target is None or target.group_id != group.pk:
        raise Refused("not_found", _("That person can't be found in this group."))
    if target.pk == membership.pk:
        raise Refused("self", _("That's you. There's nobody to mute there."))


def can_react_to(membership: Membership, author_id: int) -> bool:
    """Whether the author of a message has left reactions open to this member."""
    return passes(check_can_react_to, membership, author_id)


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
    membership = _membership_in_room(slug, user) if user.is_authenticated else None
    if membership is None:
        # A re-check whose session has ended says so, if the group is still there.
        ended = session is not None and not session_holds(session, user)
        if ended and Group.objects.filter(slug=slug).exists():
            return CLOSE_NOT_SIGNED_IN
        return CLOSE_NOT_ALLOWED
    # Judge the person as the database has them now (read with the membership), not
    # as the socket saw them at connect: a suspension or an unverified address counts.
    person, group = membership.user, membership.group
    if session is not None and not session_holds(session, person):
        return CLOSE_NOT_SIGNED_IN
    if not can_read(person, group, membership):
        return CLOSE_NOT_ALLOWED
    return group, membership, True, can_post(person, group, membership)


def verified_column(db: Any) -> str:
    """For a hand-written read joining the user's table: whether the person has a
    verified address, as a column (its one parameter is True). The reader stores it
    as `user._hearth_verified`, which `is_verified` reads instead of a query."""
    quote = db.ops.quote_name
    emails, person = quote(EmailAddress._meta.db_table), quote(get_user_model()._meta.db_table)
    return (
        f"EXISTS (SELECT 1 FROM {emails} WHERE {emails}.user_id = {person}.id "  # noqa: S608
        f"AND {emails}.verified = %s)"
    )


# The room socket's read, at connect and at every re-check, in one statement whose
# columns are listed once per connection (community/rows.py). With the ORM's reads
# (group, membership with its person, boundaries) a connect cost 11.6 ms of server
# CPU against 6.0 (docs/performance.md, 6 December 2026). The long texts a room never
# shows are left in the database: each socket keeps its copies while it is open.
_ROOM_ROW = rows.Joined(
    Membership,
    Group,
    get_user_model(),
    leave_out={Group: ("description", "description_html"), get_user_model(): ("bio", "bio_html")},
)


def _membership_in_room(slug: str, user: Any) -> Membership | None:
    """The person's membership (any status) in the group `slug`, with the group and
    the person as the database has them now (verified flag included), or None.

    The membership's `has_boundaries` says whether it owns a boundary or meets a block.
    """
    db = connections[DEFAULT_DB_ALIAS]  # resolved once: `connection` is a proxy
    quote = db.ops.quote_name
    member, room = quote(Membership._meta.db_table), quote(Group._meta.db_table)
    person = quote(get_user_model()._meta.db_table)
    lines = quote(Boundary._meta.db_table)
    sql = (
        f"SELECT {_ROOM_ROW.columns(db)}, {verified_column(db)}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {lines} WHERE {lines}.owner_id = {member}.id "
        f"OR ({lines}.target_id = {member}.id AND {lines}.kind = %s)) "
        f"FROM {member} JOIN {room} ON {room}.id = {member}.group_id "
        f"JOIN {person} ON {person}.id = {member}.user_id "
        f"WHERE {room}.slug = %s AND {member}.user_id = %s"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [True, BoundaryKind.BLOCK, slug, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    membership, group, person_now = _ROOM_ROW.instances(row, db)
    person_now._hearth_verified = bool(row[-2])  # as is_verified caches it
    # Whether the person set a boundary here or meets a block (most do neither: then
    # the room need not read them, selectors.room_boundaries).
    membership.has_boundaries = bool(row[-1])
    membership.group, membership.user = group, person_now
    return membership
