"""Organizers deciding members' appeals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from community import params
from community.refusals import shown_to
from moderation import permissions, selectors
from moderation.actions import appeals
from moderation.forms import DecideAppealForm
from moderation.models import Appeal


@login_required
def appeals_list(request: HttpRequest) -> HttpResponse:
    permissions.access_site_for_organizer(request.user)
    if request.method == "POST":
        appeal = get_object_or_404(Appeal, pk=params.posted_id(request, "appeal"))
        form = DecideAppealForm(request.POST)
        if form.is_valid():
            with shown_to(request):
                appeals.decide(
                    actor=request.user,
                    appeal=appeal,
                    overturn=form.cleaned_data["decision"] == "overturn",
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("Decided. The member was told."))
        return redirect("moderation:appeals")
    # Offer the decision only where the action would take it: never to the person who
    # made the decision or appealed, and an organizer's appeal only to a superuser.
    return render(
        request,
        "moderation/appeals.html",
        {
            "appeals": [
                (appeal, permissions.can_decide_appeal(request.user, appeal))
                for appeal in selectors.pending_appeals()
            ],
            "form": DecideAppealForm(),
        },
    )
