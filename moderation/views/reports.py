"""What members raise about their own room: a report about a message or a member, a
worry about someone, and "I need a pause"."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from community.refusals import shown_in, shown_to
from groups import permissions as group_permissions
from groups.models import Membership, Message
from moderation import permissions, selectors
from moderation.actions import pauses, reports
from moderation.forms import ReportForm


@login_required
def report_message(request: HttpRequest, pk: int) -> HttpResponse:
    target = permissions.access_message_for_reader(request.user, pk)
    return _report(
        request,
        target,
        "message",
        lambda data: reports.report_message(reporter=request.user, message_id=target.pk, **data),
        f"{reverse('groups:group', args=[target.group.slug])}#m-{target.pk}",
    )


@login_required
def report_member(request: HttpRequest, pk: int) -> HttpResponse:
    target = permissions.access_member_for_reader(request.user, pk)
    return _report(
        request,
        target,
        "member",
        lambda data: reports.report_member(reporter=request.user, membership_id=target.pk, **data),
        reverse("groups:members", kwargs={"slug": target.group.slug}),
    )


def _report(
    request: HttpRequest,
    target: Message | Membership,
    about: str,
    send: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """The report form about a message or a member; once sent, back to the room."""
    form = ReportForm(request.POST or None, clauses=selectors.clause_choices(target.group))
    if request.method == "POST" and form.is_valid():
        with shown_in(form):
            send(form.cleaned_data)
            messages.success(request, _(reports.THANKS))
            return redirect(done)
    return render(
        request,
        "moderation/report.html",
        {"form": form, "target": target, "group": target.group, "about": about},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def worry(request: HttpRequest, pk: int) -> HttpResponse:
    target = permissions.access_message_for_reader(request.user, pk)
    if request.method == "POST":
        with shown_to(request):
            reports.worried_about(member=request.user, message_id=target.pk)
            messages.success(
                request,
                _(
                    "Thank you for caring. The facilitators will reach out, and the person "
                    "has been offered support privately. You won't be named."
                ),
            )
        return redirect(f"{reverse('groups:group', args=[target.group.slug])}#m-{target.pk}")
    return render(request, "moderation/worry.html", {"target": target, "group": target.group})


@login_required
def pause_request(request: HttpRequest, slug: str) -> HttpResponse:
    """ "I need a pause" without the room's script: the same action as the socket's frame."""
    group, _membership = group_permissions.access_group_for_reader(request.user, slug)
    note = request.POST.get("note", "") if request.method == "POST" else ""
    if request.method == "POST":
        with shown_to(request):
            pauses.request_pause(member=request.user, group=group, note=note)
            messages.success(request, _(pauses.REQUESTED))
            return redirect("groups:group", slug=group.slug)
    return render(
        request,
        "moderation/pause_request.html",
        {"group": group, "note": note, "note_max": pauses.NOTE_MAX},
        status=400 if request.method == "POST" else 200,
    )
