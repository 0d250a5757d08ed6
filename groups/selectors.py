"""Reads that pages and sockets use, each with a fixed number of queries."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf

from community.models import Theme
from community.text import render_word_diff
from groups import permissions
from groups.models import (
    Agreement,
    Boundary,
    BoundaryKind,
    CalendarFeed,
    Clause,
    Group,
    Invite,
    JoinRequest,
    Membership,
    MembershipStatus,
    Message,
    Reaction,
    RequestStatus,
    Resource,
    ResourceHelped,
    ResourceStatus,
    ResourceTag,
    Role,
)

# Full-text search stems English words the same way on every server.
SEARCH_CONFIG = "english"

ACTIVE = Q(memberships__status=MembershipStatus.ACTIVE)


def directory(topic: str = "") -> QuerySet[Group]:
    """Listed, open-for-business groups with their size and topics."""
    groups = (
        Group.objects.filter(listed=True, archived=False)
        .select_related("schedule")
        .annotate(member_count=Count("memberships", filter=ACTIVE))
        .prefetch_related("topics")
        .order_by("name")
    )
    if topic:
        groups = groups.filter(topics__slug=topic)
    return groups


def current_agreement(group: Group) -> Agreement | None:
    """The current version with its clauses prefetched."""
    return (
        Agreement.objects.filter(group=group, version=group.agreement_version)
        .prefetch_related(Prefetch("clauses", queryset=Clause.objects.order_by("position")))
        .first()
    )


def group_with_size(slug: str) -> Group | None:
    return (
        Group.objects.filter(slug=slug)
        .select_related("schedule")
        .annotate(member_count=Count("memberships", filter=ACTIVE))
        .prefetch_related("topics")
        .first()
    )


def _members(group: Group) -> QuerySet[Membership]:
    """Active members, facilitators first, with the person each one is."""
    return (
        Membership.objects.filter(group=group, status=MembershipStatus.ACTIVE)
        .select_related("user")
        .order_by("-role", "pseudonym", "user__display_name")
    )


def members_visible_to(
    user: Any, group: Group, membership: Membership | None = None
) -> QuerySet[Membership]:
    """The group's active members, for someone who may read the room; none for anyone else.

    `membership` is the person's in `group` when the caller has it already (no query then).
    """
    membership = membership or permissions.membership_for(user, group)
    found = _members(group)
    return found if permissions.can_read(user, group, membership) else found.none()


def facilitators_visible_to(
    user: Any, group: Group, membership: Membership | None = None
) -> QuerySet[Membership]:
    """The group's facilitators, for its readers and for the organizers who appoint them."""
    found = _members(group).filter(role=Role.FACILITATOR)
    if permissions.can_manage_group(user):
        return found
    return members_visible_to(user, group, membership).filter(role=Role.FACILITATOR)


def my_memberships(user: Any) -> QuerySet[Membership]:
    """A person's active groups, with what they need to show on the home page."""
    return (
        Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE)
        .select_related("group__schedule")
        .annotate(unread=F("group__last_seq") - F("last_read_seq"))
        .order_by("group__name")
    )


def my_requests(user: Any) -> QuerySet[JoinRequest]:
    """Requests still waiting, and answers from the last weeks."""
    return (
        JoinRequest.objects.filter(user=user)
        .exclude(status=RequestStatus.WITHDRAWN)
        .select_related("group")
        .order_by("-created_at")[:10]
    )


def pending_requests(group: Group) -> QuerySet[JoinRequest]:
    return JoinRequest.objects.filter(group=group, status=RequestStatus.PENDING).select_related(
        "user"
    )


def invites(group: Group) -> QuerySet[Invite]:
    return Invite.objects.filter(group=group).select_related("created_by")


@dataclass
class ClauseChange:
    kind: str  # "added", "removed", "changed", "same"
    title: str
    body_html: str
    diff_html: str = ""


def agreement_changes(group: Group, since_version: int) -> list[ClauseChange]:
    """Clause by clause, how the current agreement differs from `since_version`."""
    versions = Agreement.objects.filter(
        group=group, version__in=[since_version, group.agreement_version]
    ).prefetch_related(Prefetch("clauses", queryset=Clause.objects.order_by("position")))
    by_version = {a.version: list(a.clauses.all()) for a in versions}
    old = {c.key: c for c in by_version.get(since_version, [])}
    new = by_version.get(group.agreement_version, [])
    changes = []
    for clause in new:
        before = old.pop(clause.key, None)
        if before is None:
            changes.append(ClauseChange("added", clause.title, clause.body_html))
        elif before.body != clause.body:
            changes.append(
                ClauseChange(
                    "changed",
                    clause.title,
                    clause.body_html,
                    render_word_diff(before.body, clause.body),
                )
            )
        else:
            changes.append(ClauseChange("same", clause.title, clause.body_html))
    changes.extend(ClauseChange("removed", c.title, c.body_html) for c in old.values())
    return changes


# --- Chat ----------------------------------------------------------------------


def text_withheld(message: Message, *, reader: Membership | None, moderator: bool = False) -> bool:
    """Whether `message`'s words must not be shown to this reader.

    Nobody reads an author-deleted message (its earlier words are revisions, shown
    elsewhere by rule). A hidden message is read by the group's facilitators, or by a
    moderator through an item that names it; a held one by those and its author.
    """
    if message.is_deleted:
        return True
    facilitator = moderator or (
        reader is not None and reader.group_id == message.group_id and reader.is_facilitator
    )
    if message.is_hidden and not facilitator:
        return True
    author = reader is not None and reader.pk == message.author_id
    return message.held and not (facilitator or author)


def readable[M: Message](
    messages: Iterable[M], *, reader: Membership | None, moderator: bool = False
) -> list[M]:
    """The messages as this reader may see them: withheld words taken out.

    Every read of message text for a page, an event or an export goes through here,
    so a surface that forgets a rule shows a placeholder, never the words. The
    instances are for showing only (`withheld` says which were cleared): never save one.
    """
    shown = list(messages)
    for message in shown:
        message.withheld = text_withheld(message, reader=reader, moderator=moderator)
        if message.withheld:
            message.body = message.body_html = message.content_warning = ""
            message.resource = None
    return shown


def _visible_messages(group: Group, viewer: Membership) -> QuerySet[Message]:
    """Published messages plus the viewer's own held ones, with their authors."""
    return (
        Message.objects.filter(group=group)
        .filter(Q(held=False) | Q(author=viewer))
        .select_related("author__user", "resource__group")
        .prefetch_related("resource__themes")  # no query unless a resource was shared
    )


def latest_messages(
    group: Group, viewer: Membership, *, before: int | None = None, limit: int = 50
) -> list[Message]:
    """The `limit` messages before sequence `before` (or the newest), oldest first."""
    messages = _visible_messages(group, viewer).filter(seq__isnull=False)
    if before is not None:
        messages = messages.filter(seq__lt=before)
    page = list(messages.order_by("-seq")[:limit])
    page.reverse()
    if before is None:
        # The viewer's own messages still waiting for a facilitator (not the declined).
        waiting = _visible_messages(group, viewer).filter(held=True, hidden_at__isnull=True)
        page.extend(waiting.order_by("created_at"))
    return readable(page, reader=viewer)


def held_for_review(group: Group, viewer: Membership | None, *, limit: int = 20) -> list[Message]:
    """Messages waiting for a facilitator in the room, oldest first (never the viewer's own:
    nobody decides on their own message). For those who keep the room
    (`permissions.keeps_room`, checked by the caller)."""
    waiting = Message.objects.filter(
        group=group, held=True, hidden_at__isnull=True, deleted_at__isnull=True
    )
    if viewer is not None:
        waiting = waiting.exclude(author=viewer)
    found = waiting.select_related("author__user").order_by("created_at", "pk")[:limit]
    return readable(found, reader=viewer, moderator=True)


def messages_after(group: Group, viewer: Membership, after_seq: int, cap: int) -> list[Message]:
    """Messages after `after_seq` in order, at most `cap + 1` (the extra one says "more")."""
    return readable(
        _visible_messages(group, viewer).filter(seq__gt=after_seq).order_by("seq")[: cap + 1],
        reader=viewer,
    )


def changed_since(
    group: Group, viewer: Membership, after_change: int, upto_seq: int, cap: int
) -> list[Message]:
    """Earlier messages edited, removed or reacted to after change number `after_change`."""
    return readable(
        _visible_messages(group, viewer)
        .filter(change__gt=after_change, seq__lte=upto_seq)
        .order_by("change")[: cap + 1],
        reader=viewer,
    )


def my_reactions(viewer: Membership, message_ids: list[int]) -> dict[int, set[str]]:
    """Which reactions the viewer gave, per message, in one query."""
    mine: dict[int, set[str]] = {}
    for message_id, kind in Reaction.objects.filter(
        member=viewer, message_id__in=message_ids
    ).values_list("message_id", "kind"):
        mine.setdefault(message_id, set()).add(kind)
    return mine


def roster(group: Group) -> dict[int, dict[str, Any]]:
    """Active members by membership id, for naming who is here and who is typing
    (as `payloads.member_payload` names each one)."""
    rows = _members(group).values_list("pk", "pseudonym", "user__display_name", "role")
    return {pk: {"id": pk, "name": alias or name, "role": role} for pk, alias, name, role in rows}


# --- Resources -------------------------------------------------------------------------


def with_author_names(items: QuerySet[Resource]) -> QuerySet[Resource]:
    """Each resource's `author_name`: who shared it, as the group knows them.

    In a group that is the name they chose there (a pseudonym stays a pseudonym;
    `Resource.author` is the account, whose own name must not show); None when
    they are no longer a member. A community-wide resource is an organizer's,
    shown under their own name.
    """
    name_here = (
        Membership.objects.filter(group=OuterRef("group"), user=OuterRef("author"))
        .annotate(name=Coalesce(NullIf("pseudonym", Value("")), "user__display_name"))
        .values("name")[:1]
    )
    return items.annotate(
        author_name=Case(
            When(group__isnull=True, then=F("author__display_name")),
            default=Subquery(name_here),
            output_field=CharField(),
        )
    )


def resource_pages(reader: Any) -> QuerySet[Resource]:
    """Resources as their own page shows them: group, author and their name, tags, themes.

    Unfiltered: `permissions.access_resource` picks the one a person may see.
    """
    return with_author_names(
        Resource.objects.select_related("group", "author").prefetch_related(
            "tags", themes_seen_by(reader)
        )
    )


def resources_visible_to(
    user: Any,
    group: Group | None,
    membership: Membership | None = None,
    *,
    query: str = "",
    tag: str = "",
    status: str = ResourceStatus.PUBLISHED,
) -> QuerySet[Resource]:
    """A library's resources (`group` None: the community's) as this person may see them.

    None at all of a library they can't see (a group they can't read; the community's
    when not in good standing), and suggested or archived ones only to those who may
    publish there. `membership` is the person's in `group` when the caller has it
    already (no query then).
    """
    if group is None:
        allowed = permissions.is_in_good_standing(user)
    else:
        membership = membership or permissions.membership_for(user, group)
        allowed = permissions.can_read(user, group, membership)
    if allowed and status != ResourceStatus.PUBLISHED:
        allowed = permissions.can_publish_resource(user, group, membership)
    found = _library(group=group, viewer=user, query=query, tag=tag, status=status)
    return found if allowed else found.none()


def _library(
    *, group: Group | None, viewer: Any, query: str, tag: str, status: str
) -> QuerySet[Resource]:
    """A library's resources, pinned first, filtered by tag and searched.

    PostgreSQL ranks with full-text search; elsewhere a plain substring match stands in.
    """
    scope = Q(group__isnull=True) if group is None else Q(group=group)
    items = with_author_names(
        Resource.objects.filter(scope, status=status)
        .select_related("group")
        .prefetch_related("tags", themes_seen_by(viewer))
    )
    if tag:
        items = items.filter(tags__slug=tag.replace("\x00", ""))
    # A NUL can't reach PostgreSQL (it refuses the whole query): it separates words here.
    query = " ".join(query.replace("\x00", " ").split())[:200]
    if not query:
        return items.order_by("-pinned", "-created_at")
    if connection.vendor == "postgresql":
        vector = (
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
            + SearchVector("body", weight="C", config=SEARCH_CONFIG)
        )
        search = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        matches = Resource.objects.annotate(document=vector).filter(document=search)
        return (
            items.filter(Q(pk__in=matches.values("pk")) | Q(tags__name__iexact=query))
            .annotate(rank=SearchRank(vector, search))
            .distinct()
            .order_by("-pinned", "-rank", "-created_at")
        )
    text = Q()
    for word in query.split()[:8]:
        text &= (
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(body__icontains=word)
            | Q(tags__name__icontains=word)
        )
    return items.filter(text).distinct().order_by("-pinned", "-created_at")


def suggestions_visible_to(
    user: Any, group: Group, membership: Membership | None = None
) -> QuerySet[Resource]:
    """A group's suggestions waiting for review, newest first, with who suggested each;
    none for anyone who may not publish (and so review) there.

    The page shows no tags, so none are fetched (the library's selector prefetches them),
    but it names the hard themes a reviewer should know of.
    """
    found = with_author_names(
        Resource.objects.filter(group=group, status=ResourceStatus.SUGGESTED)
        .select_related("group")
        .prefetch_related(themes_seen_by(user))
        .order_by("-created_at")
    )
    return found if permissions.can_publish_resource(user, group, membership) else found.none()


def themes_seen_by(reader: Any) -> Prefetch:
    """A resource's themes, each with `avoided`: whether this reader keeps it folded."""
    avoided = Theme.avoided_by.through.objects.filter(theme=OuterRef("pk"), user=reader.pk)
    return Prefetch("themes", queryset=Theme.objects.annotate(avoided=Exists(avoided)))


def fold_for[R: Resource](items: Iterable[R]) -> list[R]:
    """Each resource with `theme_names` (for everyone) and `folded`: whether it touches a
    theme the reader keeps folded (themes prefetched with `themes_seen_by`)."""
    shown = list(items)
    for resource in shown:
        themes = list(resource.themes.all())
        resource.theme_names = ", ".join(theme.name for theme in themes)
        resource.folded = any(getattr(theme, "avoided", False) for theme in themes)
    return shown


def resource_tags(group: Group | None) -> QuerySet[ResourceTag]:
    """Tags on this library's published resources (one join: same resource for both)."""
    scope = Q(resources__group__isnull=True) if group is None else Q(resources__group=group)
    return ResourceTag.objects.filter(scope, resources__status=ResourceStatus.PUBLISHED).distinct()


def helped_by(user: Any, resource_ids: list[int]) -> set[int]:
    return set(
        ResourceHelped.objects.filter(user=user, resource_id__in=resource_ids).values_list(
            "resource_id", flat=True
        )
    )


# --- Boundaries (mute, block) ---------------------------------------------------------


@dataclass(frozen=True)
class RoomBoundaries:
    """What one member's room view leaves out, read in one query.

    `mine`: the members this one muted or blocked (membership id -> kind), whose
    messages fold. `blocked_by`: the members who blocked this one, who do not show
    here or typing to them. Only the first is ever sent to the member's client.
    """

    mine: dict[int, str]
    blocked_by: frozenset[int]

    def unseen(self, *, facilitator: bool) -> frozenset[int]:
        """Whose typing and presence this member's sockets do not forward.

        A block does not hide anyone from a facilitator's view of who is here:
        knowing who is in the room is part of holding it.
        """
        return frozenset(self.mine) | (frozenset() if facilitator else self.blocked_by)


# Most members set none and meet none: their sockets share this one (never changed).
NO_BOUNDARIES = RoomBoundaries(mine={}, blocked_by=frozenset())


def room_boundaries(membership: Membership) -> RoomBoundaries:
    mine: dict[int, str] = {}
    blocked_by: set[int] = set()
    for owner_id, target_id, kind in Boundary.objects.filter(
        Q(owner=membership) | Q(target=membership, kind=BoundaryKind.BLOCK)
    ).values_list("owner_id", "target_id", "kind"):
        if owner_id == membership.pk:
            mine[target_id] = kind
        else:
            blocked_by.add(owner_id)
    if not mine and not blocked_by:
        return NO_BOUNDARIES
    return RoomBoundaries(mine=mine, blocked_by=frozenset(blocked_by))


def my_boundaries(user: Any) -> QuerySet[Boundary]:
    """The person's boundaries in every group, each naming the other person as that
    group knows them (its own pseudonym there, never another group's)."""
    return (
        Boundary.objects.filter(owner__user=user)
        .select_related("owner__group", "target__user")
        .defer("target__user__bio", "target__user__bio_html")
        .order_by("owner__group__name", "owner__group_id", "-created_at")
    )


def calendar_link(membership: Membership) -> CalendarFeed | None:
    """The member's calendar link that still works, if they made one."""
    return CalendarFeed.objects.filter(membership=membership, revoked_at=None).first()


def calendar_feed(token: str) -> CalendarFeed | None:
    """The link a calendar app fetches, while it and its member's place still hold."""
    return (
        CalendarFeed.objects.filter(
            token=token,
            revoked_at=None,
            membership__status=MembershipStatus.ACTIVE,
            membership__user__is_active=True,
            membership__group__archived=False,
        )
        .select_related("membership__group__schedule", "membership__user")
        .first()
    )


def room_keepers(group: Group) -> list[Membership]:
    """Those who hold this room from inside it: its facilitators and the organizers who
    are members, as the permissions judge them, in the order they joined."""
    # Only the few who may keep it are judged, by the one predicate.
    memberships = (
        Membership.objects.select_related("user")
        .filter(
            Q(role=Role.FACILITATOR) | Q(user__is_organizer=True),
            group=group,
            status=MembershipStatus.ACTIVE,
        )
        .order_by("joined_at", "pk")
    )
    return [
        m
        for m in memberships
        if permissions.keeps_room(m.user, group, m) and permissions.can_read(m.user, group, m)
    ]
