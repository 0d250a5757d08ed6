"""A room's controls (slow mode, holding newcomers' messages, pause, word filters):
the page, and one view per form on it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from community import params
from community.refusals import shown_to
from groups import permissions as group_permissions
from moderation import permissions
from moderation.actions import filters, rooms
from moderation.forms import FilterForm, PauseForm, RoomForm
from moderation.models import WordFilter


@login_required
@require_safe
def room(request: HttpRequest, slug: str) -> HttpResponse:
    """Room controls: slow mode, pause, holding newcomers' messages, and word filters."""
    group = permissions.access_moderated_group(request.user, slug)
    group.refresh_from_db()
    return render(
        request,
        "moderation/room.html",
        {
            "group": group,
            "membership": group_permissions.membership_for(request.user, group),
            "form": RoomForm(
                initial={
                    "slow_mode_seconds": group.slow_mode_seconds,
                    "hold_first_messages": group.hold_first_messages,
                }
            ),
            "pause_form": PauseForm(),
            "filter_form": FilterForm(),
            "filters": WordFilter.objects.filter(group=group),
        },
    )


@login_required
@require_POST
def room_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Slow mode and holding newcomers' first messages, saved together or not at all."""
    group = permissions.access_moderated_group(request.user, slug)
    form = RoomForm(request.POST)
    if form.is_valid():
        with shown_to(request):
            rooms.update_settings(actor=request.user, group=group, **form.cleaned_data)
            messages.success(request, _("Room settings saved."))
    return redirect("moderation:room", slug=slug)


@login_required
@require_POST
def room_pause(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.access_moderated_group(request.user, slug)
    form = PauseForm(request.POST)
    if form.is_valid():
        with shown_to(request):
            rooms.pause(actor=request.user, group=group, **form.cleaned_data)
            messages.success(request, _("The room is paused. Everyone sees your message."))
    return redirect("moderation:room", slug=slug)


@login_required
@require_POST
def room_resume(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.access_moderated_group(request.user, slug)
    with shown_to(request):
        rooms.resume(actor=request.user, group=group)
        messages.success(request, _("The room is open again."))
    return redirect("moderation:room", slug=slug)


@login_required
@require_POST
def room_add_filter(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.access_moderated_group(request.user, slug)
    form = FilterForm(request.POST)
    if form.is_valid():
        with shown_to(request):
            filters.add_filter(actor=request.user, group=group, **form.cleaned_data)
            messages.success(request, _("The filter is on."))
    return redirect("moderation:room", slug=slug)


@login_required
@require_POST
def room_remove_filter(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.access_moderated_group(request.user, slug)
    word_filter = get_object_or_404(WordFilter, pk=params.posted_id(request, "filter"), group=group)
    with shown_to(request):
        filters.remove_filter(actor=request.user, word_filter=word_filter)
        messages.success(request, _("The filter is off."))
    return redirect("moderation:room", slug=slug)
