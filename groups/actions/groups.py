"""Opening, editing and archiving groups, and publishing their agreements."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community.errors import Refused
from community.text import render_markdown
from groups import audit, events, permissions
from groups.default_agreement import default_clauses
from groups.models import Agreement, Clause, Group, JoinPolicy, Topic
from groups.tagging import tags_named

MIN_CAPACITY, MAX_CAPACITY = 2, 50


def _require_organizer(actor: Any) -> None:
    if not permissions.can_manage_group(actor):
        raise Refused("forbidden", _("Only organizers can do that."))


def _check_fields(*, name: str, capacity: int, join_policy: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Refused("invalid", _("Please give the group a name."))
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise Refused(
            "invalid",
            _("Capacity must be between %(min)s and %(max)s people.")
            % {"min": MIN_CAPACITY, "max": MAX_CAPACITY},
        )
    if join_policy not in JoinPolicy.values:
        raise Refused("invalid", _("Please choose how people join."))
    return name


@transaction.atomic
def create_group(
    *,
    actor: Any,
    name: str,
    description: str = "",
    topics: Iterable[str] = (),
    listed: bool = True,
    join_policy: str = JoinPolicy.OPEN,
    capacity: int = 12,
    pseudonyms_allowed: bool = True,
) -> Group:
    """Open a new group with the default agreement as its version 1."""
    _require_organizer(actor)
    name = _check_fields(name=name, capacity=capacity, join_policy=join_policy)
    group = Group.objects.create(
        name=name,
        description=description.strip(),
        description_html=render_markdown(description),
        listed=listed,
        join_policy=join_policy,
        capacity=capacity,
        pseudonyms_allowed=pseudonyms_allowed,
        created_by=actor,
    )
    group.topics.set(tags_named(Topic, topics))
    audit.record("group_created", actor=actor, group=group)
    # In the creating organizer's language, as the rest of the page they see.
    _publish(
        actor=actor, group=group, clauses=default_clauses(), note=_("The group's first agreement.")
    )
    return group


@transaction.atomic
def edit_group(
    *,
    actor: Any,
    group: Group,
    name: str,
    description: str,
    topics: Iterable[str],
    listed: bool,
    join_policy: str,
    capacity: int,
    pseudonyms_allowed: bool,
) -> Group:
    """Change a group's details."""
    _require_organizer(actor)
    group.name = _check_fields(name=name, capacity=capacity, join_policy=join_policy)
    group.description = description.strip()
    group.description_html = render_markdown(description)
    group.listed = listed
    group.join_policy = join_policy
    group.capacity = capacity
    group.pseudonyms_allowed = pseudonyms_allowed
    group.save()
    group.topics.set(tags_named(Topic, topics))
    audit.record("group_edited", actor=actor, group=group)
    return group


@transaction.atomic
def set_archived(*, actor: Any, group: Group, archived: bool) -> Group:
    """Archive a group (read-only, closed to newcomers) or bring it back."""
    _require_organizer(actor)
    group.archived = archived
    group.save(update_fields=["archived"])
    audit.record("group_archived" if archived else "group_unarchived", actor=actor, group=group)
    events.room_state_changed(group)  # open rooms turn read-only (or open again) at once
    return group


def clause_key(title: str) -> str:
    return slugify(title)[:60] or "clause"


def _publish(
    *, actor: Any, group: Group, clauses: Iterable[tuple[str, str]], note: str
) -> Agreement:
    locked = Group.objects.select_for_update().get(pk=group.pk)
    cleaned: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for title, body in clauses:
        title, body = " ".join(title.split())[:80], body.strip()
        if not title and not body:
            continue
        if not title or not body:
            raise Refused("invalid", _("Each clause needs a short title and its text."))
        key = clause_key(title)
        if key in seen:
            raise Refused(
                "invalid", _("Two clauses are both called “%(title)s”.") % {"title": title}
            )
        seen.add(key)
        cleaned.append((key, title, body))
    if not cleaned:
        raise Refused("invalid", _("An agreement needs at least one clause."))
    version = locked.agreement_version + 1
    agreement = Agreement.objects.create(
        group=locked, version=version, note=note.strip()[:300], published_by=actor
    )
    Clause.objects.bulk_create(
        Clause(
            agreement=agreement,
            position=position,
            key=key,
            title=title,
            body=body,
            body_html=render_markdown(body),
        )
        for position, (key, title, body) in enumerate(cleaned, start=1)
    )
    locked.agreement_version = version
    locked.save(update_fields=["agreement_version"])
    group.agreement_version = version
    audit.record(
        "agreement_published",
        actor=actor,
        group=group,
        reason=_("Version %(version)s") % {"version": version},
    )
    return agreement


@transaction.atomic
def publish_agreement(
    *, actor: Any, group: Group, clauses: Iterable[tuple[str, str]], note: str = ""
) -> Agreement:
    """Publish a new version; members must consent again before they post."""
    _require_organizer(actor)
    agreement = _publish(actor=actor, group=group, clauses=clauses, note=note)
    events.room_state_changed(group)
    return agreement
