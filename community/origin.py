"""The WebSocket handshake's Origin must be this site: scheme, host and port.

Browsers send cookies with a WebSocket handshake from any page, so the Origin
check is what stops another site (or another port of this host, which browsers
treat as another origin) from opening a room with the visitor's session.
Channels' `AllowedHostsOriginValidator` compares the host only. Here, as Django's
CSRF check does for forms, the Origin must be the address the socket was opened
on (its Host, with the scheme the connection arrived by) and that host must be in
`ALLOWED_HOSTS`; or it must be listed in `CSRF_TRUSTED_ORIGINS`.
"""

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _normal(scheme: str, netloc: str) -> str | None:
    """`scheme://host:port` with the scheme's default port filled in, or None if malformed."""
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return f"{scheme}://{parts.hostname}:{port}" if parts.hostname else None


def _secure(scope: dict[str, Any], headers: dict[bytes, bytes]) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:  # ("HTTP_X_FORWARDED_PROTO", "https")
        name = proxy[0].removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
        return headers.get(name, b"").decode("latin1").split(",")[0].strip() == proxy[1]
    return False


def same_origin(scope: dict[str, Any]) -> bool:
    headers = dict(scope.get("headers", []))
    origin = headers.get(b"origin", b"").decode("latin1")
    host = headers.get(b"host", b"").decode("latin1")
    if origin and origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    if not origin or not host:
        return False
    parts = urlsplit(origin)
    if parts.scheme not in DEFAULT_PORTS or origin != f"{parts.scheme}://{parts.netloc}":
        return False  # "null", file://, paths or fragments: not an origin a page sends
    expected = _normal("https" if _secure(scope, headers) else "http", host)
    if expected is None or _normal(parts.scheme, parts.netloc) != expected:
        return False
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


class SameOriginValidator:
    """Refuse (403 at the handshake) a WebSocket whose Origin is not this site."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.inner(scope, receive, send)
