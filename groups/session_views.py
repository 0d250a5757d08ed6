"""The record of a group's past sessions: for its facilitators and the organizers only."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from community.middleware import private_page
from groups import permissions, session_records


@login_required
@private_page
def sessions(request: HttpRequest, slug: str) -> HttpResponse:
    """The group's past sessions, newest first."""
    group, membership = permissions.access_group_for_facilitator(request.user, slug)
    page = session_records.past_sessions(group, page=request.GET.get("page", 1))
    return render(
        request,
        "groups/sessions.html",
        {"group": group, "membership": membership, "page": page},
    )


@login_required
@private_page
def session(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One past session: when, who came, the rounds held and what was raised."""
    group, membership = permissions.access_group_for_facilitator(request.user, slug)
    record = session_records.past_session(group, pk)
    if record is None:  # another group's session, or one still running, is not here
        raise permissions.NotFound("No session here.")
    return render(
        request,
        "groups/session.html",
        {
            "group": group,
            "membership": membership,
            "session": record,
            "ended_at": session_records.ended_at(record),
            "attendees": session_records.attendees(record),
            "rounds": session_records.rounds(record),
            "raised": session_records.raised(viewer=request.user, group=group, session=record),
        },
    )
