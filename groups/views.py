"""Group pages. Each view parses input, calls an action or selector, and renders."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import params
from community import selectors as community_selectors
from community.errors import Refused
from community.middleware import private_page
from community.refusals import shown_in, shown_to
from groups import chat_views, permissions, selectors
from groups.actions import groups as group_actions
from groups.actions import membership as member_actions
from groups.forms import (
    AgreementNoteForm,
    ClauseFormSet,
    FacilitatorForm,
    GroupForm,
    InviteForm,
    JoinForm,
    RenameForm,
    RequestForm,
)
from groups.models import Invite, JoinPolicy, JoinRequest, RequestStatus, Topic


def home(request: HttpRequest) -> HttpResponse:
    """Welcome visitors; show signed-in people their groups, requests and re-consents."""
    if not request.user.is_authenticated:
        return render(request, "community/home.html")
    memberships = list(selectors.my_memberships(request.user))
    return render(
        request,
        "groups/home.html",
        {
            "memberships": memberships,
            # Newly welcomed members have not read any version yet: that is not a change.
            "needs_consent": [
                m
                for m in memberships
                if m.consented_version and permissions.needs_consent(m.group, m)
            ],
            "requests": selectors.my_requests(request.user),
            "notices": community_selectors.notices_for_home(request.user),
        },
    )


def directory(request: HttpRequest) -> HttpResponse:
    topic = request.GET.get("topic", "")
    return render(
        request,
        "groups/directory.html",
        {
            "groups": selectors.directory(topic),
            "topics": Topic.objects.filter(groups__listed=True, groups__archived=False).distinct(),
            "topic": topic,
        },
    )


def _landing(
    request: HttpRequest,
    group: Any,
    *,
    form: Any = None,
    request_form: Any = None,
    invite: Invite | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = permissions.membership_for(request.user, group)
    sized = selectors.group_with_size(group.slug)
    context = {
        "group": sized,
        "agreement": selectors.current_agreement(group),
        "membership": membership,
        "invite": invite,
        "can_join": permissions.can_join_directly(request.user, group, membership)
        or (invite is not None and permissions.can_accept_invite(request.user, group, membership)),
        "can_request": permissions.can_request(request.user, group, membership),
        "pending": request.user.is_authenticated
        and JoinRequest.objects.filter(
            group=group, user=request.user, status=RequestStatus.PENDING
        ).first(),
        "is_full": sized is not None and getattr(sized, "member_count", 0) >= group.capacity,
        "join_form": form
        or JoinForm(
            initial={"agreement_version": group.agreement_version},
            allow_pseudonym=group.pseudonyms_allowed,
        ),
        "request_form": request_form or RequestForm(allow_pseudonym=group.pseudonyms_allowed),
        "verified": permissions.is_verified(request.user),
    }
    return render(request, "groups/landing.html", context, status=status)


@private_page
def group(request: HttpRequest, slug: str) -> HttpResponse:
    """The landing page for visitors and non-members; the group home for members."""
    group = permissions.get_group(slug)
    membership = permissions.membership_for(request.user, group)
    if permissions.is_member(membership) and membership is not None:
        if not permissions.can_read(request.user, group, membership):
            return redirect("groups:agreement", slug=slug)
        before = params.query_cursor(request, "before")
        return chat_views.room(request, group, membership, before=before)
    return _landing(request, group)


def _already_member(request: HttpRequest, group: Any) -> HttpResponse:
    """A member who follows a join link or submits twice is simply taken to the group."""
    messages.info(request, _("You are already part of this group."))
    return redirect(group)


def _answer_to_joining(
    request: HttpRequest, group: Any, form: Any, action: Callable[[], object], done: str, to: Any
) -> HttpResponse | None:
    """Run a join or a request from the landing page; a member who is already in is
    simply taken to the group. None: the form has the refusal to show."""
    try:
        action()
    except Refused as refusal:
        if refusal.code == "already_member":
            return _already_member(request, group)
        form.add_error(None, refusal.message)
        return None
    messages.success(request, done)
    return redirect(to)


@login_required
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_group(slug)
    form = JoinForm(request.POST, allow_pseudonym=group.pseudonyms_allowed)
    if form.is_valid():
        answer = _answer_to_joining(
            request,
            group,
            form,
            lambda: member_actions.join_group(
                user=request.user,
                group=group,
                agreement_version=form.cleaned_data["agreement_version"],
                pseudonym=form.cleaned_data.get("pseudonym", ""),
            ),
            _("Welcome. You are part of this group now."),
            group,
        )
        if answer is not None:
            return answer
    return _landing(request, group, form=form, status=400)


@login_required
@require_POST
def request_join(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.get_group(slug)
    form = RequestForm(request.POST, allow_pseudonym=group.pseudonyms_allowed)
    if form.is_valid():
        answer = _answer_to_joining(
            request,
            group,
            form,
            lambda: member_actions.request_to_join(
                user=request.user, group=group, **form.cleaned_data
            ),
            _("Your request is with the facilitators. You will see their answer here."),
            "home",
        )
        if answer is not None:
            return answer
    return _landing(request, group, request_form=form, status=400)


@login_required
@require_POST
def withdraw_request(request: HttpRequest, pk: int) -> HttpResponse:
    join_request = get_object_or_404(JoinRequest, pk=pk, user=request.user)
    with shown_to(request):
        member_actions.withdraw_request(user=request.user, join_request=join_request)
        messages.success(request, _("Your request is withdrawn."))
    return redirect("home")


@private_page
def invite(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation: the landing page with the agreement and a way to accept."""
    invite = get_object_or_404(Invite.objects.select_related("group"), token=token)
    group = invite.group
    if not invite.is_usable:
        return render(request, "groups/invite_unusable.html", status=410)
    if permissions.is_member(permissions.membership_for(request.user, group)):
        return _already_member(request, group)
    if request.method != "POST":
        return _landing(request, group, invite=invite)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?next={request.path}")
    form = JoinForm(request.POST, allow_pseudonym=group.pseudonyms_allowed)
    if form.is_valid():
        with shown_in(form):
            member_actions.join_group(
                user=request.user,
                group=group,
                invite=invite,
                agreement_version=form.cleaned_data["agreement_version"],
                pseudonym=form.cleaned_data.get("pseudonym", ""),
            )
            messages.success(request, _("Welcome. You are part of this group now."))
            return redirect(group)
    return _landing(request, group, form=form, invite=invite, status=400)


@login_required
def agreement(request: HttpRequest, slug: str) -> HttpResponse:
    """Members read the agreement; when it changed, they see how and consent again."""
    group, membership = permissions.access_group_for_member(request.user, slug)
    first_time = membership.consented_version == 0
    form = JoinForm(
        request.POST or None,
        initial={"agreement_version": group.agreement_version},
        allow_pseudonym=first_time and group.pseudonyms_allowed,
    )
    if request.method == "POST" and form.is_valid():
        with shown_in(form):
            member_actions.consent(
                user=request.user,
                group=group,
                agreement_version=form.cleaned_data["agreement_version"],
                pseudonym=form.cleaned_data.get("pseudonym", ""),
            )
            messages.success(request, _("Thank you. You can take part in the conversation again."))
            return redirect(group)
    changes = (
        selectors.agreement_changes(group, membership.consented_version)
        if not first_time and permissions.needs_consent(group, membership)
        else []
    )
    return render(
        request,
        "groups/agreement.html",
        {
            "group": group,
            "membership": membership,
            "agreement": selectors.current_agreement(group),
            "needs_consent": permissions.needs_consent(group, membership),
            "first_time": first_time,
            "changes": changes,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    group, _membership = permissions.access_group_for_member(request.user, slug)
    if request.method == "POST":
        member_actions.leave_group(user=request.user, group=group)
        messages.success(request, _("You have left the group. You are welcome back any time."))
        return redirect("home")
    return render(request, "groups/leave.html", {"group": group})


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    group, membership = permissions.access_group_for_reader(request.user, slug)
    return render(
        request,
        "groups/members.html",
        {
            "group": group,
            "membership": membership,
            "members": selectors.members_visible_to(request.user, group, membership),
            "boundaries": selectors.room_boundaries(membership).mine,
        },
    )


@login_required
def rename(request: HttpRequest, slug: str) -> HttpResponse:
    """Choose the name this member goes by in the group."""
    group, membership = permissions.access_group_for_reader(request.user, slug)
    form = RenameForm(request.POST or None, initial={"pseudonym": membership.pseudonym})
    if request.method == "POST" and form.is_valid():
        with shown_in(form, "pseudonym"):
            member_actions.rename(
                user=request.user, group=group, pseudonym=form.cleaned_data["pseudonym"]
            )
            messages.success(request, _("Done. This group now knows you by your new name."))
            return redirect("groups:members", slug=group.slug)
    return render(
        request,
        "groups/rename.html",
        {
            "group": group,
            "membership": membership,
            "form": form,
            "refusal": _rename_refusal(request.user, group, membership),
        },
    )


def _rename_refusal(user: Any, group: Any, membership: Any) -> str:
    """Why this member may not choose another name now ("" when they may)."""
    try:
        permissions.check_can_rename(user, group, membership)
    except Refused as refusal:
        return refusal.message
    return ""


@login_required
def requests(request: HttpRequest, slug: str) -> HttpResponse:
    group, _membership = permissions.access_group_for_facilitator(request.user, slug)
    if request.method == "POST":
        join_request = get_object_or_404(
            JoinRequest, pk=params.posted_id(request, "request"), group=group
        )
        approve = request.POST.get("decision") == "approve"
        with shown_to(request):
            member_actions.decide_request(
                actor=request.user, join_request=join_request, approve=approve
            )
            messages.success(
                request,
                _("Welcomed. They will be asked to read the agreement on their first visit.")
                if approve
                else _("Declined. They will see a gentle note on their home page."),
            )
        return redirect("groups:requests", slug=slug)
    return render(
        request,
        "groups/requests.html",
        {"group": group, "requests": selectors.pending_requests(group)},
    )


@login_required
def invites(request: HttpRequest, slug: str) -> HttpResponse:
    group, _membership = permissions.access_group_for_facilitator(request.user, slug)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with shown_in(form):
            new = member_actions.create_invite(actor=request.user, group=group, **form.cleaned_data)
            messages.success(request, _("A new invitation link is ready below."))
            return redirect(f"{reverse('groups:invites', args=[slug])}#invite-{new.pk}")
    return render(
        request,
        "groups/invites.html",
        {"group": group, "form": form, "invites": selectors.invites(group)},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def revoke_invite(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    group, _membership = permissions.access_group_for_facilitator(request.user, slug)
    invite = get_object_or_404(Invite, pk=pk, group=group)
    with shown_to(request):
        member_actions.revoke_invite(actor=request.user, invite=invite)
        messages.success(request, _("That link no longer works."))
    return redirect("groups:invites", slug=slug)


# --- Organizers ----------------------------------------------------------------


def _group_initial(group: Any) -> dict[str, Any]:
    return {
        "name": group.name,
        "description": group.description,
        "topics": ", ".join(t.name for t in group.topics.all()),
        "join_policy": group.join_policy,
        "capacity": group.capacity,
        "listed": group.listed,
        "pseudonyms_allowed": group.pseudonyms_allowed,
    }


@login_required
def new_group(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_group(request.user):
        raise permissions.NotFound("No page here.")
    form = GroupForm(request.POST or None, initial={"join_policy": JoinPolicy.OPEN})
    if request.method == "POST" and form.is_valid():
        with shown_in(form):
            created = group_actions.create_group(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The group is open. Next, appoint its facilitators."))
            return redirect("groups:manage", slug=created.slug)
    return render(
        request,
        "groups/group_form.html",
        {"form": form, "group": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """An organizer's page for a group: details, facilitators, agreement, archive."""
    group = permissions.access_group_for_organizer(request.user, slug)
    form = GroupForm(request.POST or None, initial=_group_initial(group))
    if request.method == "POST" and form.is_valid():
        with shown_in(form):
            group_actions.edit_group(actor=request.user, group=group, **form.cleaned_data)
            messages.success(request, _("The group's details are saved."))
            return redirect("groups:manage", slug=slug)
    return render(
        request,
        "groups/manage.html",
        {
            "group": group,
            "form": form,
            "facilitators": selectors.facilitators_visible_to(request.user, group),
            "facilitator_form": FacilitatorForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.access_group_for_organizer(request.user, slug)
    archived = request.POST.get("archived") == "1"
    group_actions.set_archived(actor=request.user, group=group, archived=archived)
    messages.success(
        request, _("The group is archived.") if archived else _("The group is open again.")
    )
    return redirect("groups:manage", slug=slug)


@login_required
@require_POST
def facilitators(request: HttpRequest, slug: str) -> HttpResponse:
    group = permissions.access_group_for_organizer(request.user, slug)
    appoint = request.POST.get("appoint") == "1"
    User = get_user_model()
    if appoint:
        form = FacilitatorForm(request.POST)
        person = (
            User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
            if form.is_valid()
            else None
        )
    else:
        person = User.objects.filter(pk=params.posted_id(request, "user")).first()
    with shown_to(request):
        if person is None:
            raise Refused("not_member", _("That person needs to be a member of the group first."))
        member_actions.set_facilitator(
            actor=request.user, group=group, user=person, facilitator=appoint
        )
        messages.success(
            request, _("Facilitator appointed.") if appoint else _("They are a member again.")
        )
    return redirect("groups:manage", slug=slug)


@login_required
def edit_agreement(request: HttpRequest, slug: str) -> HttpResponse:
    """Write the next version of the agreement."""
    group = permissions.access_group_for_organizer(request.user, slug)
    current = selectors.current_agreement(group)
    initial = [{"title": c.title, "body": c.body} for c in current.clauses.all()] if current else []
    formset = ClauseFormSet(request.POST or None, initial=initial, prefix="clauses")
    note_form = AgreementNoteForm(request.POST or None)
    error = ""
    if request.method == "POST" and formset.is_valid() and note_form.is_valid():
        clauses = [
            (f.cleaned_data.get("title", ""), f.cleaned_data.get("body", ""))
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            published = group_actions.publish_agreement(
                actor=request.user,
                group=group,
                clauses=clauses,
                note=note_form.cleaned_data["note"],
            )
        except Refused as refusal:
            error = refusal.message
        else:
            messages.success(
                request,
                _("Version %(version)s is published. Members will be asked to read it.")
                % {"version": published.version},
            )
            return redirect("groups:manage", slug=slug)
    return render(
        request,
        "groups/agreement_form.html",
        {
            "group": group,
            "formset": formset,
            "note_form": note_form,
            "error": error,
            "current": current,
        },
        status=400 if request.method == "POST" else 200,
    )
