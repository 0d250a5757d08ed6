"""The language switcher in the footer and in Settings."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import languages
from community.redirects import back


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Read Hearth in another language from the next page on.

    Signed in, the choice is the person's own (every device, their emails, their
    sockets); either way the browser keeps it in the language cookie, so signing out
    does not switch the words back.
    """
    code = request.POST.get("language", "")
    if code and code not in dict(settings.LANGUAGES):
        messages.error(request, _("Hearth is not written in that language yet."))
        return back(request, "home")
    languages.choose(request.user, code)
    response = back(request, "home")
    if code:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
    return response
