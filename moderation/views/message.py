"""One message: the page a facilitator reads it on, hiding it, restoring it, and
deciding a held one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import params
from community.errors import Refused
from community.redirects import back
from community.refusals import shown_to
from groups.selectors import readable
from moderation import permissions, selectors
from moderation.actions import messages as message_actions
from moderation.actions import reads
from moderation.forms import ClauseForm


@login_required
def message(request: HttpRequest, pk: int) -> HttpResponse:
    """One message with the actions a facilitator can take, read as the rules allow."""
    access = permissions.access_message_for_moderator(
        request.user,
        pk,
        report=params.query_cursor(request, "report"),
        appeal=params.query_cursor(request, "appeal"),
    )
    target = access.message
    clauses = selectors.clause_choices(target.group)
    if request.method == "POST":
        form = ClauseForm(request.POST, clauses=clauses)
        if form.is_valid():
            with shown_to(request):
                message_actions.hide(actor=request.user, message_id=target.pk, **form.cleaned_data)
                messages.success(request, _("Hidden. Members see that a facilitator removed it."))
                return back(request, request.get_full_path())
    else:
        form = ClauseForm(clauses=clauses)
    # Earlier words (before an edit, or withdrawn by the author) are for the group's
    # facilitators, and only while an item about the message is open.
    item = access.via or (permissions.open_item_about(target) if access.facilitator else "")
    revisions = list(target.revisions.all()) if access.facilitator and item else []
    readable([target], reader=access.reader, moderator=access.through_item or access.facilitator)
    if access.through_item or revisions:
        reads.record_reads(actor=request.user, reads=[(target, item)])
    return render(
        request,
        "moderation/message.html",
        {"target": target, "group": target.group, "form": form, "revisions": revisions},
    )


@login_required
@require_POST
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    target = permissions.access_message_to_act_on(request.user, pk)
    with shown_to(request):
        message_actions.restore(actor=request.user, message_id=target.pk)
        messages.success(request, _("Restored. Members can read it again."))
    return back(request, reverse("moderation:message", args=[pk]))


@login_required
@require_POST
def decide_held(request: HttpRequest, pk: int) -> HttpResponse:
    """Post a held message to the room, or not: from the queue, or the room's bar."""
    target = permissions.access_message_to_act_on(request.user, pk)
    approve = request.POST.get("decision") == "approve"

    def decide() -> None:
        if approve:
            message_actions.approve_held(actor=request.user, message_id=target.pk)
        else:
            message_actions.decline_held(
                actor=request.user, message_id=target.pk, clause=request.POST.get("clause", "")
            )

    done = _("Posted to the room.") if approve else _("Not posted. Its author was told kindly.")
    if request.headers.get("Accept") == "application/json":
        # The room's bar (static/js/alerts.js): the answer goes to the page as JSON, not
        # a flash, so the refusal is its body (409) rather than a message or a form error.
        try:
            decide()
        except Refused as refusal:
            return JsonResponse({"ok": False, "detail": refusal.message}, status=409)
        return JsonResponse({"ok": True, "detail": done})
    with shown_to(request):
        decide()
        messages.success(request, done)
    return back(request, reverse("moderation:queue"))
