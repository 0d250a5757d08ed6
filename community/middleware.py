"""Request and response guards: private pages stay private, NUL bytes stay out; and
every time is shown in the reader's own time zone."""

from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.decorators import sync_and_async_middleware

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), interest-cohort=()"


def _apply(response: HttpResponseBase, user: Any) -> HttpResponseBase:
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if user is not None and user.is_authenticated:
        # Signed-in pages may show who belongs to which group: never cache or index.
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


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


@sync_and_async_middleware
def RejectNulMiddleware(
    get_response: Callable,
) -> Callable:
    """Answer 400 to any request whose address or form carries a NUL byte."""
    if iscoroutinefunction(get_response):

        async def amiddleware(request: HttpRequest) -> HttpResponseBase:
            if _has_nul(request):
                raise BadRequest("NUL byte in request")
            return await get_response(request)

        return amiddleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        if _has_nul(request):
            raise BadRequest("NUL byte in request")
        return get_response(request)

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
    zone = zone_of(user)
    if zone is None:
        timezone.deactivate()
    else:
        timezone.activate(zone)


@sync_and_async_middleware
def TimeZoneMiddleware(
    get_response: Callable,
) -> Callable:
    """Show every time in the signed-in person's zone: templates and forms follow it."""
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
