"""Request and response guards: private pages stay private, NUL bytes stay out; and
every time is shown in the reader's own time zone, every word in their chosen language."""

from collections.abc import Callable
from functools import wraps
from inspect import iscoroutinefunction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseBase
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone, translation
from django.utils.decorators import sync_and_async_middleware
from django.views.defaults import bad_request

from community.languages import chosen

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), interest-cohort=()"


def _keep_private(response: HttpResponseBase) -> HttpResponseBase:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _apply(response: HttpResponseBase, user: Any) -> HttpResponseBase:
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    # A response that names no one (the chat client's words) may be kept by the browser.
    if user is not None and user.is_authenticated and not getattr(response, "shared", False):
        # Signed-in pages may show who belongs to which group: never cache or index.
        _keep_private(response)
    return response


def private_page[**P, R: HttpResponseBase](view: Callable[P, R]) -> Callable[P, R]:
    """Never cache or index this page, for visitors too: it names a group (or an
    invitation to one), and a search result or a shared cache must not."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        response = view(*args, **kwargs)
        _keep_private(response)
        return response

    return wrapped


@sync_and_async_middleware
def PrivacyHeadersMiddleware(
    get_response: Callable,
) -> Callable:
    if iscoroutinefunction(get_response):

        async def amiddleware(request: HttpRequest) -> HttpResponseBase:
            response = await get_response(request)
            # The user may not be loaded yet (a 404 never looks): load it the async way,
            # since a lazy `request.user` would query the database on the event loop.
            auser = getattr(request, "auser", None)
            return _apply(response, await auser() if auser else None)

        return amiddleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        return _apply(response, getattr(request, "user", None))

    return middleware


def _has_nul(request: HttpRequest) -> bool:
    # PostgreSQL can't store or even compare text with a NUL: refuse it at the door.
    if "\x00" in request.path:
        return True
    sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
    for data in sources:
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return True
    return False


def _refused(request: HttpRequest) -> HttpResponseBase | None:
    """The site's 400 page for a request with a NUL, or a form Django can't read."""
    try:
        refuse = _has_nul(request)
    except (BadRequest, MultiPartParserError):
        # A form in another charset than UTF-8, or a broken multipart body. Answered
        # here, not raised: the debug page would read the form again and fail again.
        refuse = True
    return bad_request(request, BadRequest("unreadable request")) if refuse else None


@sync_and_async_middleware
def RejectNulMiddleware(
    get_response: Callable,
) -> Callable:
    """Answer 400 to a request whose address or form carries a NUL, or whose form
    can't be read; with the site's page, raising nothing."""
    if iscoroutinefunction(get_response):

        async def amiddleware(request: HttpRequest) -> HttpResponseBase:
            return _refused(request) or await get_response(request)

        return amiddleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        return _refused(request) or get_response(request)

    return middleware


def zone_of(user: Any) -> ZoneInfo | None:
    """The person's own time zone, or None (UTC) while it is not known."""
    name = getattr(user, "time_zone", "") or ""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a zone this machine does not know
        return None


def _activate(user: Any) -> None:
    # LocaleMiddleware has already chosen from the cookie and the browser; the person's
    # own choice in Settings goes before both (and stays active for the response's
    # Content-Language: LocaleMiddleware activates afresh on every request).
    language = chosen(user)
    if language:
        translation.activate(language)
    zone = zone_of(user)
    if zone is None:
        timezone.deactivate()
    else:
        timezone.activate(zone)


@sync_and_async_middleware
def TimeZoneMiddleware(
    get_response: Callable,
) -> Callable:
    """Show every time in the signed-in person's zone, and every word in the language
    they chose: templates and forms follow both."""
    if iscoroutinefunction(get_response):

        async def amiddleware(request: HttpRequest) -> HttpResponseBase:
            auser = getattr(request, "auser", None)
            if auser is None:
                return await get_response(request)
            user = await auser()
            # The view gets the person already read: one query for both, not one each.
            request.user = user
            _activate(user)
            try:
                return await get_response(request)
            finally:
                timezone.deactivate()

        return amiddleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        _activate(getattr(request, "user", None))
        try:
            return get_response(request)
        finally:
            timezone.deactivate()

    return middleware
