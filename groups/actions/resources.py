"""Resources: publish, suggest, approve, edit, pin, archive, and "this helped me"."""

from collections.abc import Iterable
from typing import Any, Required, TypedDict, Unpack

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community.errors import Refused
from community.models import Theme
from community.text import link_domain, render_markdown, safe_link
from groups import permissions
from groups.models import Group, Resource, ResourceHelped, ResourceKind, ResourceStatus, ResourceTag
from groups.tagging import tags_named


class Written(TypedDict, total=False):
    """What a resource says: the fields its form edits, for `create` and `edit`."""

    title: Required[str]
    summary: str
    body: str
    link: str
    kind: str
    tags: Iterable[str]
    themes: Iterable[Theme]


def _save(resource: Resource, written: Written) -> None:
    """Clean and render every field the way the one text pipeline says, then save the
    resource with its tags and themes."""
    if unknown := set(written) - set(Written.__annotations__):  # callers pass form data
        raise TypeError(f"A resource has no field {', '.join(sorted(unknown))}.")
    _fill(
        resource,
        title=written["title"],
        summary=written.get("summary", ""),
        body=written.get("body", ""),
        link=written.get("link", ""),
        kind=written.get("kind", ResourceKind.ARTICLE),
    )
    resource.save()
    resource.tags.set(tags_named(ResourceTag, written.get("tags", ())))
    resource.themes.set(written.get("themes", ()))


def _fill(resource: Resource, *, title: str, summary: str, body: str, link: str, kind: str) -> None:
    title = " ".join(title.split())
    if not title:
        raise Refused("invalid", _("Please give the resource a title."))
    if kind not in ResourceKind.values:
        raise Refused("invalid", _("Please choose what kind of resource this is."))
    cleaned_link = ""
    if link.strip():
        cleaned_link = safe_link(link) or ""
        if not cleaned_link:
            raise Refused("invalid_link", _("Links must start with http:// or https://."))
    if not body.strip() and not cleaned_link:
        raise Refused("invalid", _("Please add some text, a link, or both."))
    resource.title, resource.summary = title[:120], " ".join(summary.split())[:300]
    resource.body, resource.body_html = body.strip(), render_markdown(body)
    resource.link, resource.link_domain = cleaned_link, link_domain(cleaned_link)
    resource.kind = kind


@transaction.atomic
def create(*, actor: Any, group: Group | None, **written: Unpack[Written]) -> Resource:
    """Publish a resource (those who may) or suggest one to a group (its members)."""
    membership = permissions.membership_for(actor, group) if group is not None else None
    if permissions.can_publish_resource(actor, group, membership):
        status = ResourceStatus.PUBLISHED
    else:
        permissions.check_can_suggest_resource(actor, group, membership)
        status = ResourceStatus.SUGGESTED
    resource = Resource(group=group, author=actor, status=status)
    _save(resource, written)
    return resource


def _editable(actor: Any, resource: Resource) -> Resource:
    locked = (
        Resource.objects.select_for_update(of=("self",)).select_related("group").get(pk=resource.pk)
    )
    if not permissions.can_publish_resource(actor, locked.group):
        raise Refused("forbidden", _("You can't change this resource."))
    return locked


@transaction.atomic
def edit(*, actor: Any, resource: Resource, **written: Unpack[Written]) -> Resource:
    resource = _editable(actor, resource)
    resource.updated_at = timezone.now()
    _save(resource, written)
    return resource


@transaction.atomic
def approve(*, actor: Any, resource: Resource) -> Resource:
    """Publish a member's suggestion."""
    resource = _editable(actor, resource)
    if resource.status != ResourceStatus.SUGGESTED:
        raise Refused("not_suggested", _("That resource is not waiting for approval."))
    resource.status, resource.updated_at = ResourceStatus.PUBLISHED, timezone.now()
    resource.save(update_fields=["status", "updated_at"])
    return resource


@transaction.atomic
def set_pinned(*, actor: Any, resource: Resource, pinned: bool) -> Resource:
    resource = _editable(actor, resource)
    resource.pinned = pinned
    resource.save(update_fields=["pinned"])
    return resource


@transaction.atomic
def set_archived(*, actor: Any, resource: Resource, archived: bool) -> Resource:
    """Archive (or decline a suggestion), or bring an archived resource back."""
    resource = _editable(actor, resource)
    resource.status = ResourceStatus.ARCHIVED if archived else ResourceStatus.PUBLISHED
    resource.pinned = resource.pinned and not archived
    resource.save(update_fields=["status", "pinned"])
    return resource


@transaction.atomic
def set_helped(*, user: Any, resource: Resource, helped: bool) -> bool:
    """Say "this helped me" (or take it back). Saying it twice is saying it once.

    The form sends the state the person chose, not a toggle, so a double click or a
    resent form leaves it as they meant. Returns whether it is said now.
    """
    resource = (
        Resource.objects.select_for_update(of=("self",)).select_related("group").get(pk=resource.pk)
    )
    if resource.status != ResourceStatus.PUBLISHED or not permissions.can_view_resource(
        user, resource
    ):
        raise Refused("not_found", _("That resource can't be found."))
    if not helped:
        removed, __ = ResourceHelped.objects.filter(resource=resource, user=user).delete()
        if removed:
            Resource.objects.filter(pk=resource.pk).update(helped_count=F("helped_count") - 1)
        return False
    try:
        with transaction.atomic():
            ResourceHelped.objects.create(resource=resource, user=user)
    except IntegrityError:
        return True  # said already
    Resource.objects.filter(pk=resource.pk).update(helped_count=F("helped_count") + 1)
    return True
