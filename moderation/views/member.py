"""One member: their page, the organizers' account look-up, and the actions about
them (nudge, mute, unmute, remove, ban)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from community.errors import Refused
from community.redirects import back, local_target
from community.refusals import shown_to
from groups.models import AuditEntry, Membership
from groups.permissions import NotFound
from moderation import permissions, selectors
from moderation.actions import members
from moderation.forms import ClauseForm, MuteForm, NudgeForm


@login_required
def member(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_page(request, permissions.access_member_for_moderator(request.user, pk))


@login_required
@require_POST
def member_account(request: HttpRequest, pk: int) -> HttpResponse:
    """Organizers: who is behind this name (each look is written to the log)."""
    target = permissions.access_member_for_moderator(request.user, pk)
    try:
        account = members.look_up_account(actor=request.user, membership=target)
    except Refused:
        # Not shown: to whoever may not look, the look-up is not there at all.
        raise NotFound("No page here.") from None
    return _member_page(request, target, account=account)


def _member_page(request: HttpRequest, target: Membership, account: Any = None) -> HttpResponse:
    clauses = selectors.clause_choices(target.group)
    return render(
        request,
        "moderation/member.html",
        {
            "target": target,
            "group": target.group,
            "allowed": permissions.can_act_on(request.user, target.group, target),
            "may_look_up": permissions.is_organizer(request.user),
            "account": account,
            # Three forms on one page: give each its own ids, so each label names its field.
            "mute_form": MuteForm(clauses=clauses, auto_id="mute-%s"),
            "nudge_form": NudgeForm(clauses=clauses, auto_id="nudge-%s"),
            "clause_form": ClauseForm(clauses=clauses, auto_id="end-%s"),
            "templates": selectors.nudge_templates(),
            # Earlier names here: who said what stays readable for those who keep the room.
            "earlier_names": target.name_changes.all()[:20],
            "history": AuditEntry.objects.filter(group=target.group, target_user=target.user)
            .exclude(action__in=selectors.NOT_DECISIONS)
            .select_related("actor")[:20],
        },
    )


def _invalid(request: HttpRequest, form: Any) -> None:
    errors = " ".join(str(e) for field_errors in form.errors.values() for e in field_errors)
    messages.error(request, _("Please check the form: %(errors)s") % {"errors": errors})


Run = Callable[[Any, Membership, dict[str, Any]], Any]


def _nudge(actor: Any, target: Membership, data: dict[str, Any]) -> None:
    members.nudge(actor=actor, membership=target, clause=data["clause"], text=data["text"])


def _mute(actor: Any, target: Membership, data: dict[str, Any]) -> None:
    members.mute(
        actor=actor,
        membership=target,
        minutes=data["minutes"],
        clause=data["clause"],
        reason=data["reason"],
    )


def _unmute(actor: Any, target: Membership, data: dict[str, Any]) -> None:
    members.unmute(actor=actor, membership=target)


def _remove(actor: Any, target: Membership, data: dict[str, Any]) -> None:
    members.remove(actor=actor, membership=target, clause=data["clause"], reason=data["reason"])


def _ban(actor: Any, target: Membership, data: dict[str, Any]) -> None:
    members.ban(actor=actor, membership=target, clause=data["clause"], reason=data["reason"])


# Each action of the member page: its form (None: nothing to fill in), what it runs,
# and what the facilitator is told when it worked.
ACTIONS: dict[str, tuple[type[ClauseForm] | type[NudgeForm] | None, Run, str]] = {
    "nudge": (NudgeForm, _nudge, gettext_noop("Your note was sent privately.")),
    "mute": (
        MuteForm,
        _mute,
        gettext_noop("Their posting is paused. They were told why and until when."),
    ),
    "unmute": (None, _unmute, gettext_noop("They can post again.")),
    "remove": (
        ClauseForm,
        _remove,
        gettext_noop("Removed. They may come back by request or invitation."),
    ),
    "ban": (ClauseForm, _ban, gettext_noop("Banned. Their open windows were closed.")),
}
CONFIRMED_TWICE = {"remove", "ban"}


@login_required
@require_POST
def member_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Nudge, mute, unmute, remove or ban a member."""
    target = permissions.access_member_for_moderator(request.user, pk)
    if action not in ACTIONS:
        raise NotFound("No page here.")
    form_class, run, success = ACTIONS[action]
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST, clauses=selectors.clause_choices(target.group))
        if not form.is_valid():
            _invalid(request, form)
            return back(request, reverse("moderation:member", args=[pk]))
        data = form.cleaned_data
        if action in CONFIRMED_TWICE and request.POST.get("confirmed") != "yes":
            # The heaviest decisions are asked twice: with their name and what follows.
            return render(
                request,
                "moderation/confirm_end.html",
                {
                    "target": target,
                    "group": target.group,
                    "action": action,
                    "data": data,
                    "next": local_target(request),
                },
            )
    with shown_to(request):
        run(request.user, target, data)
        messages.success(request, _(success))
    return back(request, reverse("moderation:member", args=[pk]))
