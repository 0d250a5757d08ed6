"""A private Redis server for tests that must restart, pause or flush one.

The suite shares one Redis with other runs (tests/services.py), so a test that
FLUSHALLs, stops or restarts Redis gets its own: `redis-server` on a free port,
no persistence, started and stopped by the test. It listens on 127.0.0.1 unless
given another `host` (then with protected mode off, for the other hosts of
tests/faults/test_hosts.py) and a `prefix` that runs it elsewhere (`ip netns exec`).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests import services
from tests.processes import free_port


class PrivateRedis:
    def __init__(
        self, *, host: str = "127.0.0.1", port: int | None = None, prefix: tuple[str, ...] = ()
    ) -> None:
        self.host = host
        self.port = port or free_port()
        self.prefix = list(prefix)
        self.directory = tempfile.mkdtemp(prefix="hearth-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> None:
        unprotected = ["--protected-mode", "no"] if self.host != "127.0.0.1" else []
        self.process = subprocess.Popen(
            [*self.prefix, "redis-server", "--port", str(self.port), "--bind", self.host,
             *unprotected, "--save", "", "--appendonly", "no", "--dir", self.directory],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        import redis

        client = redis.Redis(host=self.host, port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
            finally:
                client.close()

    def kill(self) -> None:
        """Stop at once, as a crash would: every connection to it breaks."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
            self.process = None

    def restart(self) -> None:
        """Kill and start again on the same port, empty (no persistence)."""
        self.kill()
        self.start()

    def pause(self) -> None:
        """Freeze the process: connections stay open, nothing answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def client(self):
        import redis

        return redis.Redis(
            host=self.host, port=self.port, socket_connect_timeout=2, socket_timeout=5
        )


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        services.missing("redis-server", "apt-get install redis-server")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.resume()
        server.kill()
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    with private_redis() as server:
        yield server
