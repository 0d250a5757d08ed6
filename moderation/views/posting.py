"""The small views behind the forms of a page: one action each, posted to its own URL."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

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

    Signed in and POST only; `target` is `access(user, **url arguments)`, which
    answers 404 to whoever may not (exactly as the page does); a refusal is shown as
    a message; and the person is sent back to the page either way.
    """

    def decorate(run: Action[T]) -> Callable[..., HttpResponse]:
        @login_required
        @require_POST
        @wraps(run)
        def view(request: HttpRequest, **arguments: Any) -> HttpResponse:
            target = access(request.user, **arguments)
            with shown_to(request):
                run(request, target)
            return redirect(page, **arguments)

        return view

    return decorate


def only_read(request: HttpRequest) -> HttpResponse | None:
    """A page whose forms post to their own actions takes no post itself (405), asked
    after its access check so that to whoever may not see it, it stays a 404."""
    if request.method in ("GET", "HEAD"):
        return None
    return HttpResponseNotAllowed(["GET", "HEAD"])
