"""Where a form sends a person back to: the page it names, if that page is ours."""

from typing import Any

from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def local_target(request: HttpRequest) -> str:
    """The form's `next`, if it is a path on this site; else "".

    A bare check for a leading "/" let `/\\evil.example` through: browsers read a
    backslash as a slash, so it went to another site. Django's own check knows that.
    """
    target = request.POST.get("next", "")
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return target


def back(request: HttpRequest, fallback: Any) -> HttpResponseRedirect:
    """Redirect to the form's `next` when it is ours, else to `fallback` (a URL or a model)."""
    return redirect(local_target(request) or fallback)
