"""The language switcher in the footer and in Settings, and the chat client's words."""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog

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


# A catalogue's address names its language and a fingerprint of the compiled words,
# so a browser keeps it for a year and fetches a new one only after a deploy changed
# them (22.8 KB in Spanish, 3.3 KB in English, on every page before).
CATALOGUE_MAX_AGE = 365 * 24 * 60 * 60


@cache
def catalogue_version() -> str:
    """A fingerprint of every compiled JavaScript catalogue this process serves."""
    digest = hashlib.sha256()
    for root in map(Path, settings.LOCALE_PATHS):
        for path in sorted(root.glob("*/LC_MESSAGES/djangojs.mo")):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def catalogue_url() -> str:
    """The chat client's words in the active language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return reverse("javascript-catalog", args=[language, catalogue_version()])


@require_GET
def javascript_catalog(request: HttpRequest, language: str, version: str) -> HttpResponseBase:
    """Django's JavaScript catalogue for `language`: gettext, ngettext, interpolate."""
    if language not in dict(settings.LANGUAGES):
        raise Http404("No such language.")
    with translation.override(language):
        response = JavaScriptCatalog.as_view()(request)
    response["Cache-Control"] = f"public, max-age={CATALOGUE_MAX_AGE}, immutable"
    response.shared = True  # type: ignore[attr-defined]  # names no one: cache it (middleware)
    return response
