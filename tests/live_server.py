"""A real ASGI server for browser and socket tests: uvicorn in a background thread.

pytest-django's `live_server` speaks WSGI and cannot serve WebSockets, so this
runs `community.asgi.application` (HTTP and WebSockets) under uvicorn with the
same WebSocket options as production (bin/serve). It runs in this process, so
it shares the test database (use `transactional_db` so what a test writes is
committed and visible to the server), Django's captured `mail.outbox` and the
in-memory channel layer.

    server = LiveServer()
    server.start()          # binds a free port on 127.0.0.1
    server.url              # "http://127.0.0.1:PORT"
    server.ws_url           # "ws://127.0.0.1:PORT"
    server.restart()        # stop, then start on the same port (open sockets close with 1012)
    server.stop()
"""

import asyncio
import socket
import threading
import time
from typing import Any

import uvicorn
from django.conf import settings


def hearth_application() -> Any:
    """Return the site's ASGI application; WhiteNoise serves static files, as under
    runserver and in production (settings.WHITENOISE_USE_FINDERS)."""
    from community.asgi import application

    return application


class LiveServer:
    """Uvicorn serving Hearth from a daemon thread, startable and stoppable."""

    def __init__(self, app: Any = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app if app is not None else hearth_application()
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @staticmethod
    def uvicorn_options() -> dict[str, Any]:
        """uvicorn settings: production's WebSocket behaviour (bin/serve), quiet logs."""
        return {
            "lifespan": "off",
            "log_level": "warning",
            "access_log": False,
            "ws": "community.wsprotocol:WebSocketProtocol",
            "ws_max_size": settings.HEARTH_CHAT["SERVER_FRAME_BYTES"],
            "ws_per_message_deflate": False,
            "timeout_graceful_shutdown": 3,
        }

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 15) -> None:
        """Start serving; return once the server accepts connections."""
        if self.running:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]  # keep the port across restarts
        server = uvicorn.Server(uvicorn.Config(self.app, **self.uvicorn_options()))
        errors: list[BaseException] = []

        def serve() -> None:
            try:
                asyncio.run(server.serve(sockets=[sock]))
            except BaseException as error:  # reported to the starting thread
                errors.append(error)

        thread = threading.Thread(target=serve, name=f"uvicorn:{self.port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if errors or not thread.is_alive():
                sock.close()
                raise RuntimeError(f"uvicorn did not start: {errors[:1]}")
            if time.monotonic() > deadline:
                server.should_exit = True
                raise TimeoutError(f"uvicorn did not start within {timeout} s")
            time.sleep(0.02)
        self._server, self._thread = server, thread

    def stop(self, timeout: float = 15) -> None:
        """Stop serving: close listeners and connections, wait for the thread to end."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        alive = self._thread.is_alive()
        self._server = self._thread = None
        if alive:
            raise TimeoutError("uvicorn did not stop")

    def restart(self) -> None:
        """Stop and start again on the same port, as a deploy or crash would."""
        self.stop()
        self.start()

    def __enter__(self) -> "LiveServer":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
