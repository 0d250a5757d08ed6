"""Real ASGI server processes for tests: uvicorn serving `community.asgi:application`,
or daphne as `manage.py runserver` (what `make run` serves in development).

A test that needs what one process cannot show (two processes sharing Redis, a
server that restarts under a browser) starts servers here. Each one runs in its
own process on its own free port, against this pytest run's test database and
its isolated Redis database and prefix, so the test and the servers see the
same rows, sessions, cache entries and channel-layer groups.

    with asgi_servers(2) as (a, b):
        a.url, b.ws_url("/ws/groups/circle/"), b.restart(), a.log_text()

The test must use `transactional_db` (or `django_db(transaction=True)`): the
servers are other database clients and only see committed rows. Each server's
output goes to a log file; it is printed when a server fails to start, and
`assert_clean_logs()` fails on a traceback, and on anything that would tell a
reader of the logs who was where: a path (group slugs), a client's address, or
text the test names (its messages). The servers log at the default level
(INFO) and, for uvicorn, in production's format (JSON lines), so this canary sees
what an operator's logs would; it also fails on a line that is not JSON there,
and on a run that wrote no request line (the canary would be reading nothing).
"""

import asyncio
import json
import re
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import pytest
from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.processes import PYTHON, ROOT, clean_env, free_port

APPLICATION = "community.asgi:application"
START_TIMEOUT = 40.0


def database_env() -> dict[str, str]:
    """Environment that points a server at this run's test database."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(db.get("USER") or "", safe="")
        password = quote(db.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or "5432"
        return {
            "DATABASE_URL": f"postgres://{auth}{host}:{port}/{db['NAME']}",
            # A few connections per process are plenty for a test.
            "DB_POOL_MIN": "1",
            "DB_POOL_MAX": "8",
        }
    if connection.vendor == "sqlite":
        name = str(db["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("servers in other processes need a file-based SQLite test database")
        return {"SQLITE_PATH": name}
    raise RuntimeError(f"no server environment for the {connection.vendor} database")


def redis_env() -> dict[str, str]:
    """Environment that points a server at this run's Redis database and prefixes."""
    from django.conf import settings

    if not getattr(settings, "REDIS_URL", ""):
        return {}
    cache: dict[str, Any] = settings.CACHES["default"]
    layer = cast(dict[str, Any], settings.CHANNEL_LAYERS["default"].get("CONFIG", {}))
    return {
        "REDIS_URL": str(cache["LOCATION"]),
        "CACHE_PREFIX": str(cache.get("KEY_PREFIX", "")),
        "CHANNEL_PREFIX": str(layer.get("prefix", "")),
    }


def server_env(**extra: str) -> dict[str, str]:
    """The whole environment of a test server: this run's database and Redis, DEBUG on."""
    return clean_env(
        HEARTH_TESTING="1",
        DEBUG="1",
        LOG_LEVEL="INFO",  # production's default: what the log canary must see
        PYTHONUNBUFFERED="1",
        **database_env(),
        **redis_env(),
        **extra,
    )


class AsgiServer:
    """One uvicorn process on `host`:`port` (127.0.0.1 unless told); start, stop and
    restart on the same port."""

    log_format = "json"  # production's (community/logs.py), unless the env says otherwise

    def __init__(
        self,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
        log_dir: Path | None = None,
        application: str = APPLICATION,
        name: str = "server",
        extra_args: tuple[str, ...] = (),
        host: str = "127.0.0.1",
    ) -> None:
        self.host = host
        self.port = port or free_port()
        self.env = env if env is not None else server_env()
        self.application = application
        self.name = name
        self.extra_args = extra_args
        directory = log_dir or Path(tempfile.mkdtemp(prefix="hearth-servers-"))
        self.log_path = directory / f"{name}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def origin(self) -> str:
        return self.url

    def ws_url(self, path: str) -> str:
        return f"ws://{self.host}:{self.port}{path}"

    def command(self) -> list[str]:
        return [
            PYTHON, "-m", "uvicorn", self.application,
            "--host", self.host, "--port", str(self.port),
            "--lifespan", "off", "--no-access-log",
            "--ws", "community.wsprotocol:WebSocketProtocol",
            "--ws-max-size", str(settings.HEARTH_CHAT["SERVER_FRAME_BYTES"]),
            "--ws-per-message-deflate", "false",
            "--timeout-graceful-shutdown", "3",
            *self.extra_args,
        ]  # fmt: skip

    def start(self, timeout: float = START_TIMEOUT) -> "AsgiServer":
        """Start the process and wait until /healthz answers 200."""
        self.spawn()
        self.wait_healthy(timeout)
        return self

    def spawn(self) -> None:
        """Start the process without waiting for it."""
        if self.running:
            return
        with self.log_path.open("ab") as log:
            log.write(f"--- starting {' '.join(self.command())}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env={"LOG_FORMAT": self.log_format, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited while starting:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
                    last = f"HTTP {response.status}"
            except urllib.error.HTTPError as error:
                last = f"HTTP {error.code}"
            except OSError as error:
                last = str(error)
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(
            f"{self.name} not healthy after {timeout} s ({last}):\n{self.log_text()}"
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gracefully (SIGTERM: sockets are closed with 1012), killing after `timeout`."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def kill(self) -> None:
        """Stop at once, the way a crash would (SIGKILL: no close frames)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(5)
            self.process = None

    def restart(self, timeout: float = START_TIMEOUT) -> "AsgiServer":
        self.stop()
        return self.start(timeout)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def assert_clean_logs(self, *secrets: str) -> None:
        """Fail if the server logged a traceback, an error, or what must stay private.

        Private: a path of the site (`/groups/<slug>/` names the group), a client's
        address (any 127.0.0.1 port but the server's own), and each of `secrets`.
        """
        text = self.log_text()
        assert "Traceback" not in text and " ERROR " not in text, (
            f"{self.name} logged an error:\n{text}"
        )
        told = [
            line
            for line in text.splitlines()
            if not line.startswith("--- starting ")  # the harness's own line
            and (
                "/groups/" in line
                or "/ws/" in line
                or re.search(rf"127\.0\.0\.1:(?!{self.port}\b)\d+", line)
                or any(secret in line for secret in secrets)
            )
        ]
        assert not told, f"{self.name} logged what must stay private:\n" + "\n".join(told)
        if self.env.get("LOG_FORMAT", self.log_format) == "json":
            self.assert_json_lines(text)

    def assert_json_lines(self, text: str) -> None:
        """Every line a JSON object with its fields; no error, no stack; requests named."""
        lines = [line for line in text.splitlines() if line and not line.startswith("--- ")]
        parsed = []
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                message = f"{self.name} wrote a line that is not JSON:\n{line}"
                raise AssertionError(message) from None
            assert isinstance(entry, dict) and {"time", "level", "logger", "message"} <= set(
                entry
            ), f"{self.name} wrote a JSON line without its fields:\n{line}"
            assert entry["level"] not in {"ERROR", "CRITICAL"} and "stack" not in entry, (
                f"{self.name} logged an error:\n{line}"
            )
            parsed.append(entry)
        requests = [entry for entry in parsed if entry["logger"] == "hearth.requests"]
        sockets = [entry for entry in parsed if entry["logger"] == "hearth.sockets"]
        for entry in requests:
            assert {"request_id", "view", "status", "duration_ms"} <= set(entry), entry
        for entry in sockets:
            assert {"request_id", "kind"} <= set(entry), entry
        assert requests or sockets, f"{self.name} logged no request or socket:\n{text}"


class DaphneServer(AsgiServer):
    """`manage.py runserver`, the development server: daphne, with DEBUG on."""

    log_format = "plain"  # development's (runserver also prints its own banner)

    def command(self) -> list[str]:
        return [PYTHON, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"]


@contextmanager
def asgi_servers(count: int = 1, **options: Any) -> Iterator[list[AsgiServer]]:
    """Start `count` servers (each on its own free port); stop them all at the end."""
    log_dir = Path(tempfile.mkdtemp(prefix="hearth-servers-"))
    env = options.pop("env", None) or server_env()
    servers = [
        AsgiServer(env=env, log_dir=log_dir, name=f"server-{chr(ord('a') + i)}", **options)
        for i in range(count)
    ]
    try:
        for server in servers:
            server.spawn()
        for server in servers:
            server.wait_healthy(START_TIMEOUT)
        yield servers
    finally:
        for server in servers:
            server.stop()
        _wait_for_database_clients_to_leave()


def two_shared_servers(
    django_db_blocker: Any, *secrets: str, env: dict[str, str] | None = None
) -> Iterator[list[AsgiServer]]:
    """The body of a module's `two_servers` fixture: two uvicorn processes on this
    run's test database and Redis (both required), whose logs must stay clean of
    `secrets` (assert_clean_logs) when the module is done with them."""
    from tests import services

    services.require_postgres()
    services.require_redis()
    with django_db_blocker.unblock(), asgi_servers(2, env=env) as servers:
        yield servers
        for server in servers:
            server.assert_clean_logs(*secrets)


def _wait_for_database_clients_to_leave(timeout: float = 5.0) -> None:
    """Wait until the stopped servers' PostgreSQL sessions have ended.

    A server's pooled connections close when its process exits, but PostgreSQL
    ends their backends a moment later; pytest-django cannot drop the test
    database while any remain. (Connections this test process opened in other
    threads count too: read the database in tests through
    `channels.db.database_sync_to_async`, which closes them.)
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            )
            row = cursor.fetchone()
            if not row or not row[0]:
                return
            time.sleep(0.05)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def submit(
    server: AsgiServer, page: str, action: str, cookie: str, fields: dict[str, Any]
) -> tuple[int, str]:
    """Use a form of `server` as a browser would: GET `page` (for its CSRF token),
    then POST `fields` to `action`. Returns the status and any redirect target."""
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(
        urllib.request.Request(f"{server.url}{page}", headers={"Cookie": cookie}), timeout=10
    ) as response:
        html = response.read().decode()
        set_cookies = response.headers.get_all("Set-Cookie") or []
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, f"{page} has no form"
    jar = SimpleCookie()
    for header in set_cookies:
        jar.load(header)
    request = urllib.request.Request(
        f"{server.url}{action}",
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields}).encode(),
        headers={
            "Cookie": f"{cookie}; csrftoken={jar['csrftoken'].value}",
            "Origin": server.origin,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        method="POST",
    )
    try:
        with opener.open(request, timeout=10) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as answer:  # a redirect, kept unfollowed
        return answer.code, answer.headers.get("Location", "")


def session_cookie_header(user: Any) -> str:
    """A signed-in session for `user` (stored where the servers read it), as a Cookie header."""
    from tests.chat.conftest import session_cookie

    return session_cookie(user).decode()


async def open_room(server: AsgiServer, slug: str, cookie: str) -> tuple[ClientConnection, dict]:
    """Connect as a browser on the site would (its Origin, its session cookie); read hello."""
    socket = await connect(
        server.ws_url(f"/ws/groups/{slug}/"),
        additional_headers={"Cookie": cookie, "Origin": server.origin},
        open_timeout=5,
    )
    hello = await next_of(socket, "hello")
    return socket, hello


@asynccontextmanager
async def open_rooms(
    slug: str, *where: tuple[AsgiServer, str]
) -> AsyncIterator[list[tuple[ClientConnection, dict]]]:
    """`open_room` on `slug` for each (server, cookie), in order: the sockets and their
    hellos, all closed after the block."""
    opened: list[tuple[ClientConnection, dict]] = []
    try:
        for server, cookie in where:
            opened.append(await open_room(server, slug, cookie))
        yield opened
    finally:
        for socket, _ in opened:
            await socket.close()


async def close_code(socket: ClientConnection, since: float, within: float = 1.0) -> int | None:
    """Read `socket` until the server closes it, which must be within `within` seconds of
    `since` (a `time.monotonic()`): the close frame's code, or None without one."""
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(within):
            while True:
                await socket.recv()
    assert time.monotonic() - since < within
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


async def answers_ping(socket: ClientConnection) -> None:
    """The socket is still open: a ping is answered with a pong."""
    await socket.send(json.dumps({"type": "ping"}))
    await next_of(socket, "pong")


async def next_of(socket: ClientConnection, kind: str, within: float = 3) -> dict[str, Any]:
    """Read events until one of type `kind` arrives."""
    async with asyncio.timeout(within):
        while True:
            event = json.loads(await socket.recv())
            if event["type"] == kind:
                return event
