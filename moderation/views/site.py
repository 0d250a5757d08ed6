"""Organizers' site safety (site-wide word filters, crisis phrases, suspensions): the
page, and one view per form on it."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from community import params
from community.refusals import shown_to
from moderation import permissions
from moderation.actions import filters, members
from moderation.forms import FilterForm, PhraseForm, SuspendForm
from moderation.models import CrisisPhrase, WordFilter


@login_required
@require_safe
def site(request: HttpRequest) -> HttpResponse:
    """Organizers: site word filters, crisis phrases and account suspensions."""
    permissions.access_site_for_organizer(request.user)
    return render(
        request,
        "moderation/site.html",
        {
            "filters": WordFilter.objects.filter(group=None),
            "phrases": CrisisPhrase.objects.all(),
            "suspended": get_user_model()
            .objects.filter(suspended_until__isnull=False)
            .order_by("display_name"),
            "filter_form": FilterForm(),
            "phrase_form": PhraseForm(),
            "suspend_form": SuspendForm(),
        },
    )


@login_required
@require_POST
def site_add_filter(request: HttpRequest) -> HttpResponse:
    permissions.access_site_for_organizer(request.user)
    form = FilterForm(request.POST)
    if form.is_valid():
        with shown_to(request):
            filters.add_filter(actor=request.user, group=None, **form.cleaned_data)
            messages.success(request, _("The site-wide filter is on."))
    return redirect("moderation:site")


@login_required
@require_POST
def site_remove_filter(request: HttpRequest) -> HttpResponse:
    permissions.access_site_for_organizer(request.user)
    word_filter = get_object_or_404(WordFilter, pk=params.posted_id(request, "filter"), group=None)
    with shown_to(request):
        filters.remove_filter(actor=request.user, word_filter=word_filter)
        messages.success(request, _("The filter is off."))
    return redirect("moderation:site")


@login_required
@require_POST
def site_add_phrase(request: HttpRequest) -> HttpResponse:
    permissions.access_site_for_organizer(request.user)
    form = PhraseForm(request.POST)
    if form.is_valid():
        with shown_to(request):
            filters.add_crisis_phrase(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Added to the crisis phrases."))
    return redirect("moderation:site")


@login_required
@require_POST
def site_remove_phrase(request: HttpRequest) -> HttpResponse:
    permissions.access_site_for_organizer(request.user)
    phrase = get_object_or_404(CrisisPhrase, pk=params.posted_id(request, "phrase"))
    with shown_to(request):
        filters.remove_crisis_phrase(actor=request.user, crisis_phrase=phrase)
        messages.success(request, _("Removed from the crisis phrases."))
    return redirect("moderation:site")


@login_required
@require_POST
def site_suspend(request: HttpRequest) -> HttpResponse:
    permissions.access_site_for_organizer(request.user)
    form = SuspendForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        target = get_user_model().objects.filter(email__iexact=data["email"]).first()
        if target is None:
            messages.error(request, _("No account has that email address."))
        else:
            with shown_to(request):
                members.suspend(
                    actor=request.user, user=target, days=data["days"], reason=data["reason"]
                )
                messages.success(
                    request, _("The account is suspended. Its open windows were closed.")
                )
    return redirect("moderation:site")


@login_required
@require_POST
def site_unsuspend(request: HttpRequest) -> HttpResponse:
    permissions.access_site_for_organizer(request.user)
    target = get_object_or_404(get_user_model(), pk=params.posted_id(request, "user"))
    with shown_to(request):
        members.unsuspend(actor=request.user, user=target)
        messages.success(request, _("The account is open again."))
    return redirect("moderation:site")
