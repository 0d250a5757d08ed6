"""Organizers' site safety (site-wide word filters, crisis phrases, suspensions): the
page, and one view per form on it."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from community import params
from moderation import permissions
from moderation.actions import filters, members
from moderation.forms import FilterForm, PhraseForm, SuspendForm
from moderation.models import CrisisPhrase, WordFilter
from moderation.views.posting import form_of, only_read, posted

site_form = form_of("moderation:site", permissions.access_site_for_organizer)


@login_required
def site(request: HttpRequest) -> HttpResponse:
    """Organizers: site word filters, crisis phrases and account suspensions."""
    permissions.access_site_for_organizer(request.user)
    if refused := only_read(request):
        return refused
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
            "phrase_form": PhraseForm(auto_id="id_crisis_%s"),  # the filter form has a phrase too
            "suspend_form": SuspendForm(),
        },
    )


@site_form
def site_add_filter(request: HttpRequest, organizer: Any) -> None:
    if (data := posted(request, FilterForm)) is not None:
        filters.add_filter(actor=organizer, group=None, **data)
        messages.success(request, _("The site-wide filter is on."))


@site_form
def site_remove_filter(request: HttpRequest, organizer: Any) -> None:
    word_filter = get_object_or_404(WordFilter, pk=params.posted_id(request, "filter"), group=None)
    filters.remove_filter(actor=organizer, word_filter=word_filter)
    messages.success(request, _("The filter is off."))


@site_form
def site_add_phrase(request: HttpRequest, organizer: Any) -> None:
    if (data := posted(request, PhraseForm)) is not None:
        filters.add_crisis_phrase(actor=organizer, **data)
        messages.success(request, _("Added to the crisis phrases."))


@site_form
def site_remove_phrase(request: HttpRequest, organizer: Any) -> None:
    phrase = get_object_or_404(CrisisPhrase, pk=params.posted_id(request, "phrase"))
    filters.remove_crisis_phrase(actor=organizer, crisis_phrase=phrase)
    messages.success(request, _("Removed from the crisis phrases."))


@site_form
def site_suspend(request: HttpRequest, organizer: Any) -> None:
    if (data := posted(request, SuspendForm)) is None:
        return
    target = get_user_model().objects.filter(email__iexact=data["email"]).first()
    if target is None:
        messages.error(request, _("No account has that email address."))
        return
    members.suspend(actor=organizer, user=target, days=data["days"], reason=data["reason"])
    messages.success(request, _("The account is suspended. Its open windows were closed."))


@site_form
def site_unsuspend(request: HttpRequest, organizer: Any) -> None:
    target = get_object_or_404(get_user_model(), pk=params.posted_id(request, "user"))
    members.unsuspend(actor=organizer, user=target)
    messages.success(request, _("The account is open again."))
