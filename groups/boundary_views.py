"""Mute and block over HTTP: from a message's menu, the member list and Settings.

Every write goes through groups/actions/boundaries.py. The room's script posts
here and asks for JSON; without a script the form posts and comes back.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community.errors import Refused
from groups import permissions, selectors
from groups.actions import boundaries


def _done(kind: str, name: str) -> str:
    """What each choice says afterwards: plain, and pointing to where it is undone."""
    if kind == "mute":
        return _(
            "You've muted %(name)s in this group. Their messages fold away for you, "
            "and they won't be told. You can undo this in Settings, under "
            "“People you've muted or blocked”."
        ) % {"name": name}
    if kind == "block":
        return _(
            "You've blocked %(name)s in this group. They won't be told. You can undo this "
            "in Settings, under “People you've muted or blocked”."
        ) % {"name": name}
    return _("%(name)s is no longer muted or blocked for you.") % {"name": name}


def _answer(request: HttpRequest, back: str, text: str, *, ok: bool) -> HttpResponse:
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": text}, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, text)
    return redirect(back)


@login_required
@require_POST
def set_boundary(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Mute, block, or neither, for member `pk` of the group."""
    group, _membership = permissions.access_group_for_reader(request.user, slug)
    kind = request.POST.get("kind", "")
    places = {
        "members": reverse("groups:members", args=[slug]),
        "settings": reverse("boundaries"),
    }
    back = places.get(request.POST.get("back", ""), reverse("groups:group", args=[slug]))
    try:
        target = boundaries.set_boundary(user=request.user, group=group, target_id=pk, kind=kind)
    except Refused as refusal:
        return _answer(request, back, refusal.message, ok=False)
    return _answer(request, back, _done(kind, target.display_name), ok=True)


@login_required
@require_GET
def boundary_list(request: HttpRequest) -> HttpResponse:
    """People you've muted or blocked, each named as the group where you met them knows them."""
    return render(
        request, "groups/boundaries.html", {"boundaries": selectors.my_boundaries(request.user)}
    )


@login_required
@require_POST
def remove_boundary(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        boundary = boundaries.remove_boundary(user=request.user, boundary_id=pk)
    except Refused:
        raise permissions.NotFound("No boundary here.") from None
    messages.success(request, _done("none", boundary.target.display_name))
    return redirect("boundaries")
