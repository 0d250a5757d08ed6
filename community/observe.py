"""The two places every request and every socket pass: each is counted
(community/metrics.py) and gets one log line (community/logs.py) that names its
view or kind, never its path.

    HTTP:      ObserveRequests, the outermost middleware
    WebSocket: ObserveSockets, around the websocket router (community/asgi.py)
"""

import itertools
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from inspect import iscoroutinefunction
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware

from community import logs, metrics

requests_log = logging.getLogger("hearth.requests")
sockets_log = logging.getLogger("hearth.sockets")

# A proxy's id is kept only if it looks like one (hex, dashes): never text of a client's.
GIVEN_ID = re.compile(r"[0-9A-Fa-f-]{8,64}")
SOCKET_NUMBERS = itertools.count(1)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
QUIET_VIEWS = frozenset({"healthz", "metrics"})


def _request_id(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    return given if GIVEN_ID.fullmatch(given) else uuid.uuid4().hex


def _view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name:
        return match.view_name
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unresolved"  # a 404 for no pattern, or answered before resolving (a redirect)


def _finish(request: HttpRequest, response: HttpResponseBase, started: float, rid: str) -> None:
    seconds = time.perf_counter() - started
    view = _view_name(request)
    metrics.request_done(view, response.status_code, seconds)
    response.headers["X-Request-ID"] = rid
    # Probes come every few seconds: counted, but logged only at DEBUG.
    level = logging.DEBUG if view in QUIET_VIEWS else logging.INFO
    requests_log.log(
        level,
        "request",
        extra={
            "request_id": rid,
            "view": view,
            "method": request.method if request.method in METHODS else "other",
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
        },
    )


@sync_and_async_middleware
def ObserveRequests(get_response: Callable) -> Callable:
    """Time, count and log each request by its view's name, under a request id."""
    if iscoroutinefunction(get_response):

        async def amiddleware(request: HttpRequest) -> HttpResponseBase:
            with _observed(request) as finish:
                return finish(await get_response(request))

        return amiddleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        with _observed(request) as finish:
            return finish(get_response(request))

    return middleware


@contextmanager
def _observed(request: HttpRequest) -> Iterator[Callable[[HttpResponseBase], HttpResponseBase]]:
    """The request's id in every log line it writes; `finish` counts its response."""
    started, rid = time.perf_counter(), _request_id(request)
    token = logs.request_id.set(rid)

    def finish(response: HttpResponseBase) -> HttpResponseBase:
        _finish(request, response, started, rid)
        return response

    try:
        yield finish
    finally:
        logs.request_id.reset(token)


def _socket_kind(path: str) -> str:
    if path.startswith("/ws/groups/"):
        return "room"
    if path.startswith("/ws/me/"):
        return "personal"
    return "other"


class ObserveSockets:
    """ASGI middleware: count sockets and frames; log each socket's open and close."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        number = next(SOCKET_NUMBERS)
        socket = f"{uuid.uuid4().hex[:12]}-{number}"
        kind = _socket_kind(scope.get("path", ""))
        opened_at: float | None = None
        ended: list[Any] = []
        token = logs.request_id.set(socket)

        async def observed_send(message: dict[str, Any]) -> None:
            nonlocal opened_at
            what = message["type"]
            if what == "websocket.send":
                metrics.frame_sent(message.get("text"))
            elif what == "websocket.accept":
                opened_at = time.monotonic()
                metrics.SOCKETS_OPEN.inc()
                sockets_log.info("socket opened", extra={"kind": kind})
            elif what == "websocket.close":
                metrics.server_closed(message.get("code", 1000), message.get("reason"))
            await send(message)

        async def observed_receive() -> dict[str, Any]:
            message = await receive()
            what = message["type"]
            if what == "websocket.receive":
                metrics.FRAMES_RECEIVED.inc()
            elif what == "websocket.disconnect" and not ended:
                ended.append(message.get("code", 1005))
            return message

        try:
            await self.app(scope, observed_receive, observed_send)
        finally:
            logs.request_id.reset(token)
            if opened_at is not None:
                metrics.SOCKETS_OPEN.dec()
                code = ended[0] if ended else 1006
                metrics.SOCKET_CLOSES.labels(metrics.close_code(code)).inc()
                sockets_log.info(
                    "socket closed",
                    extra={
                        "request_id": socket,
                        "kind": kind,
                        "close_code": metrics.close_code(code),
                        "duration_ms": round((time.monotonic() - opened_at) * 1000, 1),
                    },
                )
