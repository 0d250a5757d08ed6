"""When a group meets: its keepers set the schedule, members take a calendar link."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community import languages
from community.middleware import private_page
from community.refusals import shown_in
from groups import ics, permissions, selectors
from groups.actions import schedules as actions
from groups.forms import ScheduleForm
from groups.meetings import schedule_of


def _initial(group: Any) -> dict[str, Any]:
    schedule = schedule_of(group)
    if schedule is None:
        return {"repeat": "weekly", "duration_minutes": 90, "time_zone": "Europe/London"}
    return {
        "repeat": schedule.repeat,
        "weekdays": [str(d) for d in schedule.days],
        "first_date": schedule.first_date,
        "dates": "\n".join(schedule.dates),
        "start_time": schedule.start_time,
        "duration_minutes": schedule.duration_minutes,
        "time_zone": schedule.time_zone,
        "reminder_minutes": schedule.reminder_minutes,
    }


@login_required
@private_page
def schedule(request: HttpRequest, slug: str) -> HttpResponse:
    """The group's facilitators and organizers set when it meets."""
    group, _membership = permissions.access_group_for_facilitator(request.user, slug)
    form = ScheduleForm(request.POST or None, initial=_initial(group))
    if request.method == "POST" and request.POST.get("clear") == "1":
        actions.clear_schedule(actor=request.user, group=group)
        messages.success(request, _("The group has no meeting times now."))
        return redirect("groups:schedule", slug=slug)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with shown_in(form):
            actions.set_schedule(
                actor=request.user,
                group=group,
                repeat=data["repeat"],
                weekdays=data["weekdays"],
                first_date=data["first_date"] or timezone.localdate(),
                dates=data["dates"],
                start_time=data["start_time"],
                duration_minutes=data["duration_minutes"],
                time_zone=data["time_zone"],
                reminder_minutes=data["reminder_minutes"],
            )
            messages.success(request, _("The meeting times are saved."))
            return redirect("groups:schedule", slug=slug)
    return render(
        request,
        "groups/schedule.html",
        {"group": group, "form": form, "has_schedule": schedule_of(group) is not None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@private_page
def calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """A member's own calendar link to the group's sessions: make it, copy it, stop it."""
    group, membership = permissions.access_group_for_reader(request.user, slug)
    if request.method == "POST":
        if request.POST.get("revoke") == "1":
            actions.revoke_feeds(membership=membership)
            messages.success(request, _("That link stopped working. Calendars using it go quiet."))
        else:
            actions.open_feed(membership=membership)
        return redirect("groups:calendar", slug=slug)
    feed = selectors.calendar_link(membership)
    link = (
        request.build_absolute_uri(reverse("groups:calendar_feed", args=[feed.token]))
        if feed
        else ""
    )
    return render(
        request,
        "groups/calendar.html",
        {"group": group, "membership": membership, "link": link},
    )


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed a calendar app fetches: the token is the credential, no sign-in."""
    feed = selectors.calendar_feed(token)
    if feed is None:
        raise Http404("No calendar here.")
    group = feed.membership.group
    # A calendar app asks in its own language, or none: the feed speaks the member's.
    with translation.override(languages.for_recipient(feed.membership.user)):
        body = ics.feed(
            schedule_of(group),
            token=token,
            url=request.build_absolute_uri(group.get_absolute_url()),
            now=timezone.now(),
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="hearth.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
