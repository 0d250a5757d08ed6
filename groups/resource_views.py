"""Resource pages: the community library, each group's library, and sharing into chat.

Views parse input, call the resource actions, and render; the text pipeline renders
every field, and group resources answer 404 to anyone who can't read the group.
"""

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from community.redirects import back
from community.refusals import shown_in, shown_to
from community.text import render_markdown
from groups import permissions, selectors
from groups.actions import chat
from groups.actions import resources as actions
from groups.forms import ResourceForm, ShareForm
from groups.models import Group, Membership, Resource, ResourceStatus


def _resource(
    request: HttpRequest, slug: str | None, pk: int
) -> tuple[Resource, Membership | None]:
    return permissions.access_resource(
        request.user, slug, pk, among=selectors.resource_pages(request.user)
    )


@login_required
def library(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    group, membership = permissions.access_library(request.user, slug)
    query, tag = request.GET.get("q", ""), request.GET.get("tag", "")
    items = selectors.fold_for(
        selectors.resources_visible_to(request.user, group, membership, query=query, tag=tag)
    )
    return render(
        request,
        "resources/library.html",
        {
            "group": group,
            "membership": membership,
            "items": items,
            "helped": selectors.helped_by(request.user, [r.pk for r in items]),
            "tags": selectors.resource_tags(group),
            "query": query,
            "tag": tag,
            "can_publish": permissions.can_publish_resource(request.user, group, membership),
            "can_suggest": group is not None
            and permissions.can_suggest_resource(request.user, group, membership),
            "suggestions": (
                selectors.resources_visible_to(
                    request.user, group, membership, status=ResourceStatus.SUGGESTED
                ).count()
                if group is not None
                and permissions.can_publish_resource(request.user, group, membership)
                else 0
            ),
        },
    )


def _form_data(form: ResourceForm) -> dict[str, Any]:
    data = form.cleaned_data
    fields = ("title", "summary", "body", "link", "kind", "tags", "themes")
    return {key: data[key] for key in fields}


@login_required
def write(request: HttpRequest, slug: str | None = None, pk: int | None = None) -> HttpResponse:
    """Create (or suggest) and edit, with a preview rendered by the same pipeline."""
    group, membership, resource = permissions.access_resource_editor(
        request.user, slug, pk, among=selectors.resource_pages(request.user)
    )
    publishing = permissions.can_publish_resource(request.user, group, membership)
    initial = {}
    if resource is not None:
        initial = {
            "title": resource.title,
            "summary": resource.summary,
            "body": resource.body,
            "link": resource.link,
            "kind": resource.kind,
            "tags": ", ".join(t.name for t in resource.tags.all()),
            "themes": list(resource.themes.all()),
        }
    form = ResourceForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = {
                "title": form.cleaned_data["title"],
                "summary": form.cleaned_data["summary"],
                "html": render_markdown(form.cleaned_data["body"]),
            }
        else:
            with shown_in(form):
                if resource is None:
                    saved = actions.create(actor=request.user, group=group, **_form_data(form))
                else:
                    saved = actions.edit(actor=request.user, resource=resource, **_form_data(form))
                if saved.status == ResourceStatus.SUGGESTED:
                    messages.success(
                        request, _("Thank you. A facilitator will look at your suggestion.")
                    )
                    return redirect(_library_url(group))
                messages.success(request, _("Published."))
                return redirect(saved)
    return render(
        request,
        "resources/form.html",
        {
            "group": group,
            "membership": membership,
            "form": form,
            "resource": resource,
            "preview": preview,
            "publishing": publishing,
        },
        status=400 if request.method == "POST" and preview is None else 200,
    )


def _library_url(group: Group | None) -> str:
    return (
        reverse("resources:library")
        if group is None
        else reverse("groups:resources", args=[group.slug])
    )


def _share_targets(request: HttpRequest, resource: Resource) -> list[tuple[str, str]]:
    if resource.group is not None:
        return [(resource.group.slug, resource.group.name)]
    return [
        (m.group.slug, m.group.name)
        for m in selectors.my_memberships(request.user)
        if permissions.can_post(request.user, m.group, m)
    ]


@login_required
def detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    resource, membership = _resource(request, slug, pk)
    selectors.fold_for([resource])
    targets = (
        _share_targets(request, resource) if resource.status == ResourceStatus.PUBLISHED else []
    )
    return render(
        request,
        "resources/detail.html",
        {
            "group": resource.group,
            "membership": membership,
            "resource": resource,
            "helped": bool(selectors.helped_by(request.user, [resource.pk])),
            "can_manage": permissions.can_publish_resource(
                request.user, resource.group, membership
            ),
            "steps": step_urls(resource),
            "share_form": ShareForm(groups=targets, initial={"client_id": uuid.uuid4().hex})
            if targets
            else None,
        },
    )


def step_urls(resource: Resource) -> dict[str, str]:
    """Where each button of a resource's page posts: its group's library, or the site's."""
    steps = ("pin", "unpin", "archive", "restore", "approve")
    if resource.group_id is None:
        return {step: reverse(f"resources:{step}", args=[resource.pk]) for step in steps}
    slug = resource.group.slug  # type: ignore[union-attr]
    return {step: reverse(f"groups:resource_{step}", args=[slug, resource.pk]) for step in steps}


def _button(step: Callable[..., Any], done: str) -> Callable[..., HttpResponse]:
    """The view of one of those buttons: `step(actor=, resource=)`, say `done`, go back."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
        resource, _membership = _resource(request, slug, pk)
        with shown_to(request):
            step(actor=request.user, resource=resource)
            messages.success(request, _(done))
        return back(request, resource)

    return view


pin = _button(partial(actions.set_pinned, pinned=True), gettext_noop("Pinned to the top."))
unpin = _button(partial(actions.set_pinned, pinned=False), gettext_noop("Unpinned."))
archive = _button(partial(actions.set_archived, archived=True), gettext_noop("Archived."))
restore = _button(
    partial(actions.set_archived, archived=False), gettext_noop("Back in the library.")
)
approve = _button(actions.approve, gettext_noop("Published. Thank you for reviewing it."))


@login_required
@require_POST
def helped(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """Set "this helped me" to what the form says: `helped=off` takes it back."""
    resource, _membership = _resource(request, slug, pk)
    with shown_to(request):
        now = actions.set_helped(
            user=request.user, resource=resource, helped=request.POST.get("helped") != "off"
        )
        messages.success(request, _("Glad it helped.") if now else _("Taken back."))
    return redirect(resource)


@login_required
@require_POST
def share(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    """Share a resource into a group's chat, as a card, through the chat's write path."""
    resource, _membership = _resource(request, slug, pk)
    form = ShareForm(request.POST, groups=_share_targets(request, resource))
    if not form.is_valid():
        messages.error(request, _("Please choose a group you can post in."))
        return redirect(resource)
    group, _membership = permissions.access_group_for_reader(
        request.user, form.cleaned_data["group"]
    )
    with shown_to(request):
        chat.send_message(
            user=request.user,
            group=group,
            client_id=form.cleaned_data["client_id"],
            body=form.cleaned_data["body"],
            resource_id=resource.pk,
        )
        messages.success(request, _("Shared into the conversation."))
        return redirect(f"{reverse('groups:group', args=[group.slug])}#composer")
    return redirect(resource)


@login_required
def suggestions(request: HttpRequest, slug: str) -> HttpResponse:
    group, membership = permissions.access_group_for_publisher(request.user, slug)
    return render(
        request,
        "resources/suggestions.html",
        {
            "group": group,
            "membership": membership,
            "items": selectors.fold_for(
                selectors.suggestions_visible_to(request.user, group, membership)
            ),
        },
    )
