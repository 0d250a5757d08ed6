"""Moderation pages. Each view parses a form, calls one action, and renders or redirects."""

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from community import params
from community.errors import Refused
from community.redirects import back
from groups import permissions as group_permissions
from groups.models import AuditEntry, Membership, Message
from groups.permissions import NotFound
from groups.selectors import readable
from moderation import permissions, selectors
from moderation.actions import appeals, filters, members, pauses, reads, reports, rooms
from moderation.actions import messages as message_actions
from moderation.forms import (
    AppealForm,
    ClauseForm,
    DecideAppealForm,
    FilterForm,
    LogFilterForm,
    MuteForm,
    NudgeForm,
    PauseForm,
    PhraseForm,
    ReportForm,
    ResolveForm,
    RoomForm,
    SuspendForm,
)
from moderation.models import Appeal, CrisisPhrase, Report, WordFilter


def _attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run an action; show its refusal or a confirmation. Returns True when it worked."""
    try:
        action()
    except Refused as refusal:
        messages.error(request, refusal.message)
        return False
    messages.success(request, success)
    return True


def _moderator_or_404(request: HttpRequest) -> None:
    if not permissions.can_use_queue(request.user):
        raise NotFound("No page here.")


# --- The queue -----------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    _moderator_or_404(request)
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
    report = get_object_or_404(Report.objects.select_related("group"), pk=pk)
    if not permissions.can_moderate_group(request.user, report.group):
        raise NotFound("No page here.")
    form = ResolveForm(request.POST)
    dismiss = request.POST.get("outcome") == "dismiss"
    if form.is_valid():
        _attempt(
            request,
            lambda: reports.resolve(
                actor=request.user, report=report, dismiss=dismiss, note=form.cleaned_data["note"]
            ),
            _("Dismissed. The reporters were thanked.")
            if dismiss
            else _("Resolved. The reporters were told."),
        )
    return back(request, reverse("moderation:queue"))


# --- A message -----------------------------------------------------------------------


def _acted_on_message(request: HttpRequest, pk: int) -> Message:
    """A message of a group the person moderates, to act on (the action judges who may)."""
    target = get_object_or_404(Message.objects.select_related("group"), pk=pk)
    if not permissions.can_moderate_group(request.user, target.group):
        raise NotFound("No page here.")
    return target


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
        if form.is_valid() and _attempt(
            request,
            lambda: message_actions.hide(
                actor=request.user, message_id=target.pk, **form.cleaned_data
            ),
            _("Hidden. Members see that a facilitator removed it."),
        ):
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
    target = _acted_on_message(request, pk)
    _attempt(
        request,
        lambda: message_actions.restore(actor=request.user, message_id=target.pk),
        _("Restored. Members can read it again."),
    )
    return back(request, reverse("moderation:message", args=[pk]))


@login_required
@require_POST
def decide_held(request: HttpRequest, pk: int) -> HttpResponse:
    """Post a held message to the room, or not: from the queue, or the room's bar."""
    target = _acted_on_message(request, pk)
    approve = request.POST.get("decision") == "approve"

    def decide() -> Any:
        if approve:
            return message_actions.approve_held(actor=request.user, message_id=target.pk)
        return message_actions.decline_held(
            actor=request.user, message_id=target.pk, clause=request.POST.get("clause", "")
        )

    done = _("Posted to the room.") if approve else _("Not posted. Its author was told kindly.")
    if request.headers.get("Accept") == "application/json":
        # The room's bar (static/js/alerts.js): the answer goes to the page, not a flash.
        try:
            decide()
        except Refused as refusal:
            return JsonResponse({"ok": False, "detail": refusal.message}, status=409)
        return JsonResponse({"ok": True, "detail": done})
    _attempt(request, decide, done)
    return back(request, reverse("moderation:queue"))


# --- A member ------------------------------------------------------------------------


def _moderated_member(request: HttpRequest, pk: int) -> Membership:
    target = get_object_or_404(Membership.objects.select_related("group", "user"), pk=pk)
    if not permissions.can_moderate_group(request.user, target.group):
        raise NotFound("No page here.")
    return target


@login_required
def member(request: HttpRequest, pk: int) -> HttpResponse:
    return _member_page(request, _moderated_member(request, pk))


@login_required
@require_POST
def member_account(request: HttpRequest, pk: int) -> HttpResponse:
    """Organizers: who is behind this name (each look is written to the log)."""
    target = _moderated_member(request, pk)
    try:
        account = members.look_up_account(actor=request.user, membership=target)
    except Refused:
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


@login_required
@require_POST
def member_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Nudge, mute, unmute, remove or ban a member."""
    target = _moderated_member(request, pk)
    clauses = selectors.clause_choices(target.group)
    actor = request.user
    forms_by_action = {
        "nudge": NudgeForm,
        "mute": MuteForm,
        "remove": ClauseForm,
        "ban": ClauseForm,
    }
    if action not in {*forms_by_action, "unmute"}:
        raise NotFound("No page here.")
    data: dict[str, Any] = {}
    if action in forms_by_action:
        form = forms_by_action[action](request.POST, clauses=clauses)
        if not form.is_valid():
            _invalid(request, form)
            return back(request, reverse("moderation:member", args=[pk]))
        data = form.cleaned_data
        if action in {"remove", "ban"} and request.POST.get("confirmed") != "yes":
            # The heaviest decisions are asked twice: with their name and what follows.
            return render(
                request,
                "moderation/confirm_end.html",
                {
                    "target": target,
                    "group": target.group,
                    "action": action,
                    "data": data,
                    "next": request.POST.get("next", ""),
                },
            )
    done = {
        "nudge": (
            lambda: members.nudge(
                actor=actor, membership=target, clause=data["clause"], text=data["text"]
            ),
            _("Your note was sent privately."),
        ),
        "mute": (
            lambda: members.mute(
                actor=actor,
                membership=target,
                minutes=data["minutes"],
                clause=data["clause"],
                reason=data["reason"],
            ),
            _("Their posting is paused. They were told why and until when."),
        ),
        "unmute": (
            lambda: members.unmute(actor=actor, membership=target),
            _("They can post again."),
        ),
        "remove": (
            lambda: members.remove(
                actor=actor, membership=target, clause=data["clause"], reason=data["reason"]
            ),
            _("Removed. They may come back by request or invitation."),
        ),
        "ban": (
            lambda: members.ban(
                actor=actor, membership=target, clause=data["clause"], reason=data["reason"]
            ),
            _("Banned. Their open windows were closed."),
        ),
    }
    run, success = done[action]
    _attempt(request, run, success)
    return back(request, reverse("moderation:member", args=[pk]))


# --- A room --------------------------------------------------------------------------


@login_required
def room(request: HttpRequest, slug: str) -> HttpResponse:
    """Room controls: slow mode, pause, holding newcomers' messages, and word filters."""
    group = permissions.access_moderated_group(request.user, slug)
    actor = request.user
    if request.method == "POST":
        what = request.POST.get("what")
        if what == "settings":
            form = RoomForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                _attempt(
                    request,
                    lambda: (
                        rooms.set_slow_mode(
                            actor=actor, group=group, seconds=data["slow_mode_seconds"]
                        ),
                        rooms.hold_first_messages(
                            actor=actor, group=group, count=data["hold_first_messages"]
                        ),
                    ),
                    _("Room settings saved."),
                )
        elif what == "pause":
            pause_form = PauseForm(request.POST)
            if pause_form.is_valid():
                _attempt(
                    request,
                    lambda: rooms.pause(actor=actor, group=group, **pause_form.cleaned_data),
                    _("The room is paused. Everyone sees your message."),
                )
        elif what == "resume":
            _attempt(
                request,
                lambda: rooms.resume(actor=actor, group=group),
                _("The room is open again."),
            )
        elif what == "filter":
            filter_form = FilterForm(request.POST)
            if filter_form.is_valid():
                _attempt(
                    request,
                    lambda: filters.add_filter(
                        actor=actor, group=group, **filter_form.cleaned_data
                    ),
                    _("The filter is on."),
                )
        elif what == "unfilter":
            word_filter = get_object_or_404(
                WordFilter, pk=params.posted_id(request, "filter"), group=group
            )
            _attempt(
                request,
                lambda: filters.remove_filter(actor=actor, word_filter=word_filter),
                _("The filter is off."),
            )
        return redirect("moderation:room", slug=slug)
    group.refresh_from_db()
    return render(
        request,
        "moderation/room.html",
        {
            "group": group,
            "membership": group_permissions.membership_for(actor, group),
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


# --- Site-wide (organizers) ----------------------------------------------------------


@login_required
def site(request: HttpRequest) -> HttpResponse:
    """Organizers: site word filters, crisis phrases and account suspensions."""
    if not permissions.is_organizer(request.user):
        raise NotFound("No page here.")
    actor = request.user
    User = get_user_model()
    if request.method == "POST":
        what = request.POST.get("what")
        if what == "filter":
            form = FilterForm(request.POST)
            if form.is_valid():
                _attempt(
                    request,
                    lambda: filters.add_filter(actor=actor, group=None, **form.cleaned_data),
                    _("The site-wide filter is on."),
                )
        elif what == "unfilter":
            word_filter = get_object_or_404(
                WordFilter, pk=params.posted_id(request, "filter"), group=None
            )
            _attempt(
                request,
                lambda: filters.remove_filter(actor=actor, word_filter=word_filter),
                _("The filter is off."),
            )
        elif what == "phrase":
            phrase_form = PhraseForm(request.POST)
            if phrase_form.is_valid():
                _attempt(
                    request,
                    lambda: filters.add_crisis_phrase(actor=actor, **phrase_form.cleaned_data),
                    _("Added to the crisis phrases."),
                )
        elif what == "unphrase":
            phrase = get_object_or_404(CrisisPhrase, pk=params.posted_id(request, "phrase"))
            _attempt(
                request,
                lambda: filters.remove_crisis_phrase(actor=actor, crisis_phrase=phrase),
                _("Removed from the crisis phrases."),
            )
        elif what == "suspend":
            suspend_form = SuspendForm(request.POST)
            if suspend_form.is_valid():
                data = suspend_form.cleaned_data
                target = User.objects.filter(email__iexact=data["email"]).first()
                if target is None:
                    messages.error(request, _("No account has that email address."))
                else:
                    _attempt(
                        request,
                        lambda: members.suspend(
                            actor=actor, user=target, days=data["days"], reason=data["reason"]
                        ),
                        _("The account is suspended. Its open windows were closed."),
                    )
        elif what == "unsuspend":
            target = get_object_or_404(User, pk=params.posted_id(request, "user"))
            _attempt(
                request,
                lambda: members.unsuspend(actor=actor, user=target),
                _("The account is open again."),
            )
        return redirect("moderation:site")
    return render(
        request,
        "moderation/site.html",
        {
            "filters": WordFilter.objects.filter(group=None),
            "phrases": CrisisPhrase.objects.all(),
            "suspended": User.objects.filter(suspended_until__isnull=False).order_by(
                "display_name"
            ),
            "filter_form": FilterForm(),
            "phrase_form": PhraseForm(),
            "suspend_form": SuspendForm(),
        },
    )


# --- The log -------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _log_entries(request: HttpRequest) -> tuple[LogFilterForm, Any]:
    groups = permissions.moderated_groups(request.user).values_list("slug", "name")
    form = LogFilterForm(request.GET or None, groups=list(groups))
    data = form.cleaned_data if form.is_valid() else {}
    entries = selectors.log(
        request.user,
        group=data.get("group", ""),
        action=data.get("action", ""),
        since=data.get("since"),
        until=data.get("until"),
    )
    return form, entries


@login_required
def log(request: HttpRequest) -> HttpResponse:
    _moderator_or_404(request)
    form, entries = _log_entries(request)
    return render(
        request,
        "moderation/log.html",
        {"form": form, "entries": entries[:200], "query": request.GET.urlencode()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def log_csv(request: HttpRequest) -> StreamingHttpResponse:
    _moderator_or_404(request)
    _form, entries = _log_entries(request)
    writer = csv.writer(_Echo())
    # Translators: the columns of the moderation log's CSV download.
    header = [
        _("time"),
        _("action"),
        _("actor"),
        _("target"),
        pgettext("csv column", "group"),
        _("message id"),
        _("clause"),
        _("reason"),
        _("expires"),
    ]

    def rows() -> Iterator[str]:
        yield writer.writerow(header)
        for e in entries.iterator(chunk_size=500):
            yield writer.writerow(
                [
                    csv_safe(v)
                    for v in (
                        e.created_at.isoformat(),
                        e.action,
                        e.actor_name,
                        e.target_name,
                        e.group.name if e.group else "",
                        e.target_message_id or "",
                        e.clause,
                        e.reason,
                        e.expires_at.isoformat() if e.expires_at else "",
                    )
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="moderation-log.csv"'
    return response


# --- My record and appeals -----------------------------------------------------------


@login_required
def record(request: HttpRequest) -> HttpResponse:
    """What was decided about me, and a way to appeal each decision once."""
    if request.method == "POST":
        entry = get_object_or_404(
            AuditEntry, pk=params.posted_id(request, "entry"), target_user=request.user
        )
        form = AppealForm(request.POST)
        if form.is_valid():
            _attempt(
                request,
                lambda: appeals.appeal(user=request.user, entry=entry, **form.cleaned_data),
                _("Your appeal is with the organizers. You will hear back here."),
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


@login_required
def appeals_list(request: HttpRequest) -> HttpResponse:
    if not permissions.is_organizer(request.user):
        raise NotFound("No page here.")
    if request.method == "POST":
        appeal = get_object_or_404(Appeal, pk=params.posted_id(request, "appeal"))
        form = DecideAppealForm(request.POST)
        if form.is_valid():
            _attempt(
                request,
                lambda: appeals.decide(
                    actor=request.user,
                    appeal=appeal,
                    overturn=form.cleaned_data["decision"] == "overturn",
                    note=form.cleaned_data["note"],
                ),
                _("Decided. The member was told."),
            )
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


# --- Members reporting ---------------------------------------------------------------


def _readable_message(request: HttpRequest, pk: int) -> Message:
    """A message of the person's own room, as the room shows it to them."""
    target = get_object_or_404(Message.objects.select_related("group", "author__user"), pk=pk)
    _group, membership = group_permissions.access_group_for_reader(request.user, target.group.slug)
    if target.held:
        raise NotFound("No page here.")
    return readable([target], reader=membership)[0]


@login_required
def report_message(request: HttpRequest, pk: int) -> HttpResponse:
    target = _readable_message(request, pk)
    form = ReportForm(request.POST or None, clauses=selectors.clause_choices(target.group))
    if request.method == "POST" and form.is_valid():
        try:
            reports.report_message(reporter=request.user, message_id=target.pk, **form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _(reports.THANKS))
            return redirect(f"{reverse('groups:group', args=[target.group.slug])}#m-{target.pk}")
    return render(
        request,
        "moderation/report.html",
        {"form": form, "target": target, "group": target.group, "about": "message"},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def report_member(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(Membership.objects.select_related("group", "user"), pk=pk)
    group_permissions.access_group_for_reader(request.user, target.group.slug)
    form = ReportForm(request.POST or None, clauses=selectors.clause_choices(target.group))
    if request.method == "POST" and form.is_valid():
        try:
            reports.report_member(
                reporter=request.user, membership_id=target.pk, **form.cleaned_data
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _(reports.THANKS))
            return redirect("groups:members", slug=target.group.slug)
    return render(
        request,
        "moderation/report.html",
        {"form": form, "target": target, "group": target.group, "about": "member"},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def worry(request: HttpRequest, pk: int) -> HttpResponse:
    target = _readable_message(request, pk)
    if request.method == "POST":
        try:
            reports.worried_about(member=request.user, message_id=target.pk)
        except Refused as refusal:
            messages.error(request, refusal.message)
        else:
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
        try:
            pauses.request_pause(member=request.user, group=group, note=note)
        except Refused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _(pauses.REQUESTED))
            return redirect("groups:group", slug=group.slug)
    return render(
        request,
        "moderation/pause_request.html",
        {"group": group, "note": note, "note_max": pauses.NOTE_MAX},
        status=400 if request.method == "POST" else 200,
    )
