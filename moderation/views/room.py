"""A room's controls (slow mode, holding newcomers' messages, pause, word filters):
the page, and one view per form on it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from community import params
from groups import permissions as group_permissions
from groups.models import Group
from moderation import permissions
from moderation.actions import filters, rooms
from moderation.forms import FilterForm, PauseForm, RoomForm
from moderation.models import WordFilter
from moderation.views.posting import form_of, only_read, posted

room_form = form_of("moderation:room", permissions.access_moderated_group)


@login_required
def room(request: HttpRequest, slug: str) -> HttpResponse:
    """Room controls: slow mode, pause, holding newcomers' messages, and word filters."""
    group = permissions.access_moderated_group(request.user, slug)
    if refused := only_read(request):
        return refused
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


@room_form
def room_settings(request: HttpRequest, group: Group) -> None:
    """Slow mode and holding newcomers' first messages, saved together or not at all."""
    if (data := posted(request, RoomForm)) is not None:
        rooms.update_settings(actor=request.user, group=group, **data)
        messages.success(request, _("Room settings saved."))


@room_form
def room_pause(request: HttpRequest, group: Group) -> None:
    if (data := posted(request, PauseForm)) is not None:
        rooms.pause(actor=request.user, group=group, **data)
        messages.success(request, _("The room is paused. Everyone sees your message."))


@room_form
def room_resume(request: HttpRequest, group: Group) -> None:
    rooms.resume(actor=request.user, group=group)
    messages.success(request, _("The room is open again."))


@room_form
def room_add_filter(request: HttpRequest, group: Group) -> None:
    if (data := posted(request, FilterForm)) is not None:
        filters.add_filter(actor=request.user, group=group, **data)
        messages.success(request, _("The filter is on."))


@room_form
def room_remove_filter(request: HttpRequest, group: Group) -> None:
    word_filter = get_object_or_404(WordFilter, pk=params.posted_id(request, "filter"), group=group)
    filters.remove_filter(actor=request.user, word_filter=word_filter)
    messages.success(request, _("The filter is off."))
