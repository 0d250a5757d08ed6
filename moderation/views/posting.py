"""The small views behind the forms of a page: one action each, posted to its own URL."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from community.refusals import shown_to

type Action[T] = Callable[[HttpRequest, T], None]


def posted(request: HttpRequest, form_class: type[forms.Form]) -> dict[str, Any] | None:
    """The posted form's cleaned data, or None when it is not valid."""
    form = form_class(request.POST)
    return form.cleaned_data if form.is_valid() else None


def form_of[T](
    page: str, access: Callable[..., T]
) -> Callable[[Action[T]], Callable[..., HttpResponse]]:
    """Make `run(request, target)` the view of one form of `page`.

    Signed in; `target` is `access(user, **url arguments)`, which answers 404 to
    whoever may not (exactly as the page does), before anything else is said; then
    POST only; a refusal is shown as a message; and the person is sent back to the
    page either way.
    """

    def decorate(run: Action[T]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(run)
        def view(request: HttpRequest, **arguments: Any) -> HttpResponse:
            target = access(request.user, **arguments)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            with shown_to(request):
                run(request, target)
            return redirect(page, **arguments)

        return view

    return decorate


def only_read(request: HttpRequest) -> HttpResponse | None:
    """A page whose forms post to their own actions takes no post itself, asked after
    its access check so that to whoever may not see it, it stays a 404.

    A post can still come from a copy of the page opened before its forms had their
    own actions: the person is told nothing was saved and sees the page again, rather
    than a bare error in the middle of keeping a room.
    """
    if request.method in ("GET", "HEAD"):
        return None
    messages.warning(
        request,
        _("This page has changed since you opened it. Nothing was saved: please try again."),
    )
    return redirect(request.path)
