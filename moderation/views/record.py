"""A member's own record: what was decided about them, and appealing a decision once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from community import params
from community.refusals import shown_to
from groups.models import AuditEntry
from moderation import selectors
from moderation.actions import appeals
from moderation.forms import AppealForm


@login_required
def record(request: HttpRequest) -> HttpResponse:
    """What was decided about me, and a way to appeal each decision once."""
    if request.method == "POST":
        # Only a decision about the person themselves: anyone else's is not there.
        entry = get_object_or_404(
            AuditEntry, pk=params.posted_id(request, "entry"), target_user=request.user
        )
        form = AppealForm(request.POST)
        if form.is_valid():
            with shown_to(request):
                appeals.appeal(user=request.user, entry=entry, **form.cleaned_data)
                messages.success(
                    request, _("Your appeal is with the organizers. You will hear back here.")
                )
        return redirect("moderation:record")
    return render(
        request,
        "moderation/record.html",
        {
            "entries": selectors.record(request.user),
            "form": AppealForm(),
            "appealable": appeals.APPEALABLE,
        },
    )
