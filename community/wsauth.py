"""Who is at the other end of a WebSocket: the session's user, and nothing else kept.

Channels' `AuthMiddlewareStack` does the same in three layers (cookies, session,
user), and each keeps its own copy of the scope, the parsed cookies or the loaded
session for the socket's whole life: about 4 KB of an idle socket, for a room
that needs only the user (docs/performance.md). Here the session is read once,
through Django's own `get_user` (which also checks the session's auth hash,
against `SECRET_KEY_FALLBACKS` too), and only `scope["user"]` and the session's
key are added: the key lets the socket ask later whether its session still
stands (signed out, expired, or its password changed since).
"""

import hashlib
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.utils import translation
from django.utils.crypto import constant_time_compare

from community import languages
from community.offloop import db_call


def session_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"cookie":
            return parse_cookie(value.decode("latin1")).get(settings.SESSION_COOKIE_NAME)
    return None


def session_tag(key: str | None) -> str:
    """A name for a session that is safe to pass through Redis (never the key itself)."""
    return hashlib.sha256((key or "").encode()).hexdigest()[:24]


def _session(key: str) -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


@db_call
def user_for_session(key: str | None) -> Any:
    if not key:
        return AnonymousUser()
    return get_user(SimpleNamespace(session=_session(key)))  # type: ignore[arg-type]


def session_holds(key: str | None, user: Any) -> bool:
    """Whether the session `key` still signs in `user` as the database has them now.

    Read only: unlike `get_user`, a stale session is not flushed here (a socket's
    check must not sign anyone out, e.g. while their password change is being saved).
    """
    if not key:
        return False
    session = _session(key)
    if str(session.get(SESSION_KEY, "")) != str(user.pk):
        return False
    stored = session.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    return bool(stored) and any(constant_time_compare(stored, h) for h in hashes)


@db_call
def account_if_signed_in(key: str | None, user_id: int) -> Any | None:
    """The account `user_id` as it is now, if the session `key` still signs it in."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first()
    return user if user is not None and session_holds(key, user) else None


def _header(headers: list[tuple[bytes, bytes]], wanted: bytes) -> str:
    for name, value in headers:
        if name == wanted:
            return value.decode("latin1")
    return ""


class SessionAuthMiddleware:
    """Put the signed-in user (or an anonymous one) and the session key in the scope,
    and answer the socket in the person's language."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = session_key(scope.get("headers", []))
        user = await user_for_session(key)
        # The socket's whole life runs in this task, so what it says to its own person
        # (refusals, notes) is in their language; what it broadcasts carries codes.
        headers = scope.get("headers", [])
        cookies = parse_cookie(_header(headers, b"cookie"))
        translation.activate(
            languages.for_reader(user, cookies, _header(headers, b"accept-language"))
        )
        return await self.inner(dict(scope, user=user, session_key=key), receive, send)
