"""What an operator watches, for Prometheus: counts and timings that name nobody.

A label is a view's name, a frame's or an event's type, a close code, a status
class or a service; never a path, a group, a person or text (DESIGN.md rule 9;
tests/chat/test_metrics.py reads every label of every metric after HTTP and
socket traffic). The hot paths only increment a counter or observe a timing.

`/metrics` answers only a request that carries `Authorization: Bearer
$HEARTH_METRICS_TOKEN`, or that comes from a network listed in
`HEARTH_METRICS_NETWORKS`; with neither set it does not exist (404). Loopback is
not trusted by itself.

Each uvicorn worker counts in its own memory, unless `PROMETHEUS_MULTIPROC_DIR`
names a directory the workers share (bin/serve always sets one): then any
worker's `/metrics` answers for all of them (docs/deploy.md, "Metrics").
"""

import glob
import hmac
import ipaddress
import logging
import os
import re
import sys
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import redis.exceptions
from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

log = logging.getLogger(__name__)
MULTIPROCESS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if MULTIPROCESS_DIR:
    # prometheus_client counts into files there from its import on, and fails if the
    # directory is missing (a management command run with the server's environment).
    os.makedirs(MULTIPROCESS_DIR, exist_ok=True)

from prometheus_client import (  # noqa: E402
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess  # noqa: E402

# Seconds: a page's 5 ms up to a slow export's 10 s.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Seconds: a chat frame's, or an event's trip through the layer, 1 ms to 5 s.
CHAT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

HTTP_SECONDS = Histogram(
    "hearth_http_request_duration_seconds",
    "Time to answer an HTTP request, by the URL pattern's name (never the path).",
    ["view"],
    buckets=HTTP_BUCKETS,
)
HTTP_RESPONSES = Counter(
    "hearth_http_responses",
    "HTTP responses, by the URL pattern's name and status class (2xx, 4xx, ...).",
    ["view", "status"],
)
SOCKETS_OPEN = Gauge(
    "hearth_ws_open_sockets",
    "WebSockets open now (accepted and not yet closed).",
    multiprocess_mode="livesum",
)
SOCKET_CLOSES = Counter(
    "hearth_ws_closes",
    "WebSockets ended, by the close code they ended with (either side's).",
    ["code"],
)
SERVER_CLOSES = Counter(
    "hearth_ws_server_closes",
    "Closes the server sent, by code: 4503 is the room's 'try again' (a socket far "
    "behind, or with too many events waiting), 4429 flooding, 4413 a frame too big.",
    ["code"],
)
FRAMES_RECEIVED = Counter("hearth_ws_frames_received", "WebSocket frames received.")
FRAMES_SENT = Counter("hearth_ws_frames_sent", "WebSocket frames sent, by event type.", ["type"])
FRAME_SECONDS = Histogram(
    "hearth_ws_frame_duration_seconds",
    "Time to handle a room frame, by type; for message.send, from the frame to its ack. "
    "The count is the frames handled, by type.",
    ["type"],
    buckets=CHAT_BUCKETS,
)
BROADCAST_SECONDS = Histogram(
    "hearth_broadcast_delay_seconds",
    "From a room event's publication to its arrival at this process's hub.",
    buckets=CHAT_BUCKETS,
)
SERVICE_ERRORS = Counter(
    "hearth_service_errors",
    "Failures reaching a service (database, redis, channel_layer), seen by requests, "
    "room frames and broadcasts.",
    ["service"],
)
TASKS_WAITING = Gauge(
    "hearth_tasks_waiting",
    "Background tasks queued in the database and not yet started (TASKS_DB=1).",
    multiprocess_mode="mostrecent",
)

OUTBOX_LONGEST = Gauge(
    "hearth_ws_outbox_longest",
    "The most room events waiting for one socket of a process, not yet written to it "
    "(a socket closes with 4503 at HEARTH_CHAT['MAX_OUTBOX']). Sampled at each scrape "
    "and each heartbeat, never per event.",
    multiprocess_mode="livemax",
)
OUTBOX_WAITING = Gauge(
    "hearth_ws_outbox_events",
    "Room events waiting in all the sockets' outboxes, not yet written. Sampled as "
    "hearth_ws_outbox_longest is.",
    multiprocess_mode="livesum",
)
TRY_AGAIN_CLOSES = Counter(
    "hearth_ws_try_again_closes",
    "4503 closes (what was 1013), by why: 'backlog' (MAX_OUTBOX events waited for the "
    "socket) or 'rebalance' (sent to a less busy process, groups/balance.py).",
    ["reason"],
)
# The psycopg pool of each PostgreSQL database (none on SQLite), read at each scrape
# and heartbeat from psycopg_pool's own figures; `alias` is the DATABASES key.
DB_POOL_SIZE = Gauge(
    "hearth_db_pool_connections",
    "Connections the pool holds now, lent out or idle.",
    ["alias"],
    multiprocess_mode="livesum",
)
DB_POOL_IDLE = Gauge(
    "hearth_db_pool_idle_connections",
    "Connections in the pool waiting to be lent out.",
    ["alias"],
    multiprocess_mode="livesum",
)
DB_POOL_MAX = Gauge(
    "hearth_db_pool_max_connections",
    "The most connections the pool may open (DB_POOL_MAX), summed over processes.",
    ["alias"],
    multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "hearth_db_pool_requests_waiting",
    "Requests and socket calls waiting for a connection now (they fail after DB_POOL_TIMEOUT).",
    ["alias"],
    multiprocess_mode="livesum",
)

# Bounded label values: close codes Hearth or the protocol uses; anything else a
# client might send is "other", so nobody can grow the series without limit.
KNOWN_CLOSE_CODES = frozenset(
    {1000, 1001, 1005, 1006, 1011, 1012, 4401, 4403, 4413, 4429, 4500, 4503}
)
EVENT_TYPE = re.compile(r"[a-z][a-z_.]{0,39}")
MAX_EVENT_TYPES = 64
_sent_by_type: dict[str, Any] = {}


def close_code(code: Any) -> str:
    return str(code) if code in KNOWN_CLOSE_CODES else "other"


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


# --- Hooks ------------------------------------------------------------------------


def request_done(view: str, status: int, seconds: float) -> None:
    HTTP_SECONDS.labels(view).observe(seconds)
    HTTP_RESPONSES.labels(view, status_class(status)).inc()


def frame_sent(text: str | None) -> None:
    """Count one outgoing frame by its event type, read from its first bytes (not parsed):
    Hearth's events are built by groups.events.dumps with `type` first."""
    kind = "other"
    if text and text.startswith('{"type":"'):
        end = text.find('"', 9, 50)
        if end > 0:
            kind = text[9:end]
    counter = _sent_by_type.get(kind)
    if counter is None:
        counter = _new_type(kind)
    counter.inc()


def _new_type(kind: str) -> Any:
    if not EVENT_TYPE.fullmatch(kind) or len(_sent_by_type) >= MAX_EVENT_TYPES:
        kind = "other"
    counter = FRAMES_SENT.labels(kind)
    _sent_by_type[kind] = counter
    return counter


@contextmanager
def frame(kind: str) -> Iterator[None]:
    """Time the handling of one room frame of a known `kind` (a handler's key)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        FRAME_SECONDS.labels(kind).observe(time.perf_counter() - started)


def broadcast_arrived(event: dict[str, Any]) -> None:
    sent_at = event.get("sent_at")
    if sent_at is not None:
        BROADCAST_SECONDS.observe(max(0.0, time.time() - sent_at))


def service_of(error: BaseException) -> str | None:
    if isinstance(error, DatabaseError):
        return "database"
    if isinstance(error, redis.exceptions.RedisError):
        return "redis"
    return None


def outage(error: BaseException | None = None, *, service: str | None = None) -> None:
    """Count a failure of a service: named, or told by the error's class."""
    name = service or (service_of(error) if error is not None else None)
    if name is not None:
        SERVICE_ERRORS.labels(name).inc()


def server_closed(code: Any, reason: str | None) -> None:
    """Count a close the server sent; a 4503 also by why (its reason, never shown)."""
    SERVER_CLOSES.labels(close_code(code)).inc()
    if code == 4503:
        why = "rebalance" if (reason or "").startswith("rebalance") else "backlog"
        TRY_AGAIN_CLOSES.labels(why).inc()


def request_failed(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """`got_request_exception`: count a request that failed on a service."""
    error = sys.exc_info()[1]
    if error is not None:
        outage(error)


# --- The page ---------------------------------------------------------------------


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in settings.HEARTH_METRICS_NETWORKS]


def may_read(request: HttpRequest) -> bool:
    token = settings.HEARTH_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    # Compared as bytes: compare_digest refuses a str with other than ASCII in it.
    given_bytes = given.strip().encode("utf-8", "surrogateescape")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, token.encode()):
        return True
    networks = _networks()
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in network for network in networks)
    return False


def _registry() -> Any:
    if not MULTIPROCESS_DIR:
        return REGISTRY
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry)
    return registry


def _count_tasks() -> None:
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return
    from django_tasks_db.models import DBTaskResult

    TASKS_WAITING.set(DBTaskResult.objects.ready().count())


# Whatever holds a process's open room sockets (groups/heartbeat.py), by weak
# reference: each has `rooms`, a dict of sets of sockets with an `outbox` (or None).
_socket_holders: weakref.WeakSet[Any] = weakref.WeakSet()


def watch_outboxes(holder: Any) -> None:
    """Have every sample read the outboxes of `holder.rooms`' sockets."""
    _socket_holders.add(holder)


def _outbox_lengths() -> Iterable[int]:
    # tuple() of a dict's values or of a set is taken whole under the GIL, so a scrape's
    # thread may read what the event loop's thread changes.
    for holder in tuple(_socket_holders):
        for sockets in tuple(holder.rooms.values()):
            for socket in tuple(sockets):
                outbox = getattr(socket, "outbox", None)
                yield len(outbox) if outbox else 0


def _sample_pools() -> None:
    for alias in connections:
        if connections.settings[alias].get("OPTIONS", {}).get("pool"):
            # Only a pool already open: a sample never opens one.
            pool = getattr(type(connections[alias]), "_connection_pools", {}).get(alias)
            if pool is not None:
                stats = pool.get_stats()
                DB_POOL_SIZE.labels(alias).set(stats.get("pool_size", 0))
                DB_POOL_IDLE.labels(alias).set(stats.get("pool_available", 0))
                DB_POOL_MAX.labels(alias).set(stats.get("pool_max", 0))
                DB_POOL_WAITING.labels(alias).set(stats.get("requests_waiting", 0))


def sample() -> None:
    """Read the figures that are states, not events: outboxes and database pools.

    Called at each scrape (for the answering process) and on each heartbeat (for
    every process, so that with PROMETHEUS_MULTIPROC_DIR each worker's figure is at
    most HEARTH_CHAT['HEARTBEAT_SECONDS'] old). It costs one pass over the sockets.
    """
    try:
        longest = waiting = 0
        for length in _outbox_lengths():
            waiting += length
            longest = max(longest, length)
        OUTBOX_LONGEST.set(longest)
        OUTBOX_WAITING.set(waiting)
        _sample_pools()
    except Exception:  # a figure is not worth a heartbeat or a scrape
        log.warning("sampling the outboxes and pools failed", exc_info=True)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus's text format, for a scraper with the token or on a listed network."""
    if not settings.HEARTH_METRICS_TOKEN and not settings.HEARTH_METRICS_NETWORKS:
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    if not may_read(request):
        response = HttpResponse("A bearer token is needed.\n", status=401)
        response["Content-Type"] = "text/plain"
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    try:
        _count_tasks()
    except DatabaseError as error:
        outage(error)
    sample()
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def forget_dead_workers() -> None:
    """Drop the open-socket counts of workers that are gone (a crash, a restart)."""
    if not MULTIPROCESS_DIR:
        return
    for path in glob.glob(os.path.join(MULTIPROCESS_DIR, "gauge_livesum_*.db")):
        pid = int(path.rsplit("_", 1)[1].removesuffix(".db"))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            prometheus_multiprocess.mark_process_dead(pid, MULTIPROCESS_DIR)
        except PermissionError:
            pass


forget_dead_workers()
