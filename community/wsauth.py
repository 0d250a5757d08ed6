"""Who is at the other end of a WebSocket: the session's user, and nothing else kept.

Channels' `AuthMiddlewareStack` does the same in three layers (cookies, session,
user), and each keeps its own copy of the scope, the parsed cookies or the loaded
session for the socket's whole life: about 4 KB of an idle socket, for a room
that needs only the user (docs/performance.md). Here the session is read once,
through Django's own `get_user` (which also checks the session's auth hash,
against `SECRET_KEY_FALLBACKS` too), and only `scope["user"]` is added.
"""

from importlib import import_module
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie

from community.offloop import db_call


def session_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"cookie":
            return parse_cookie(value.decode("latin1")).get(settings.SESSION_COOKIE_NAME)
    return None


@db_call
def user_for_session(key: str | None) -> Any:
    if not key:
        return AnonymousUser()
    session = import_module(settings.SESSION_ENGINE).SessionStore(key)
    return get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]


class SessionAuthMiddleware:
    """Put the signed-in user (or an anonymous one) in `scope["user"]`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        user = await user_for_session(session_key(scope.get("headers", [])))
        return await self.inner(dict(scope, user=user), receive, send)
