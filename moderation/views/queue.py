"""The moderation queue, and resolving or dismissing a report from it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.redirects import back
from community.refusals import shown_to
from moderation import permissions, selectors
from moderation.actions import reads, reports
from moderation.forms import ResolveForm


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    permissions.access_queue(request.user)
    items = selectors.queue(request.user)
    reads.record_reads(
        actor=request.user,
        reads=[(i.message, i.via) for i in items if i.message and not i.message.withheld],
    )
    return render(
        request,
        "moderation/queue.html",
        {
            "items": items,
            "resolve_form": ResolveForm(),
            "organizer": permissions.is_organizer(request.user),
        },
    )


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    report = permissions.access_report_for_moderator(request.user, pk)
    form = ResolveForm(request.POST)
    dismiss = request.POST.get("outcome") == "dismiss"
    if form.is_valid():
        with shown_to(request):
            reports.resolve(
                actor=request.user, report=report, dismiss=dismiss, note=form.cleaned_data["note"]
            )
            messages.success(
                request,
                _("Dismissed. The reporters were thanked.")
                if dismiss
                else _("Resolved. The reporters were told."),
            )
    return back(request, reverse("moderation:queue"))
