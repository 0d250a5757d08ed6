"""A private PostgreSQL server for fault tests that must stop one without warning.

The suite shares the machine's PostgreSQL with other runs, so a test that stops
the database gets its own: `initdb` into a temporary directory, `postgres` on a
free port (trust authentication, no fsync: it holds nothing worth keeping), a
copy of the suite's test database loaded into it, started and stopped by the test.

By default it listens on 127.0.0.1 of this machine. A test of several hosts
(tests/faults/test_hosts.py) gives it another `host` address, a `network` whose
clients it trusts, and a `prefix` that runs its programs elsewhere
(`ip netns exec <namespace>`).
"""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

from tests.processes import free_port


def _as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its programs as `postgres`."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return path


class PrivatePostgres:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        network: str | None = None,
        prefix: tuple[str, ...] = (),
    ) -> None:
        self.host = host
        self.port = port or free_port()
        self.prefix = list(prefix)
        self.directory = Path(tempfile.mkdtemp(prefix="hearth-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        subprocess.run(
            [*_as_postgres(), _binary("initdb"), "-D", str(self.data), "-U", "postgres",
             "-A", "trust", "--no-sync", "-E", "UTF8"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if network:  # initdb trusts loopback only: the other hosts' network too
            with (self.data / "pg_hba.conf").open("a") as hba:
                hba.write(f"host all all {network} trust\n")

    def url(self, database: str) -> str:
        return f"postgres://postgres@{self.host}:{self.port}/{database}"

    def _options(self) -> str:
        return f"-p {self.port} -h {self.host} -k {self.directory} -F -c max_connections=60"

    def start(self) -> None:
        subprocess.run(
            [*self.prefix, *_as_postgres(), _binary("pg_ctl"), "-D", str(self.data),
             "-l", str(self.log), "-w", "-t", "30", "-o", self._options(), "start"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def stop_immediately(self) -> None:
        """Stop as a crash would: every connection breaks, nothing is flushed first."""
        subprocess.run(
            [*self.prefix, *_as_postgres(), _binary("pg_ctl"), "-D", str(self.data),
             "-m", "immediate", "-w", "stop"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def copy_database(self, source_url: str, name: str) -> str:
        """Load a copy of `source_url`'s database (schema and rows) as `name`; its URL."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        dump = subprocess.run(
            [_binary("pg_dump"), "--no-owner", "--no-privileges", source_url],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [_binary("psql"), "-q", "-v", "ON_ERROR_STOP=1", self.url(name)],
            input=dump.stdout, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        return self.url(name)

    def wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=1):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def remove(self) -> None:
        subprocess.run(
            [*self.prefix, *_as_postgres(), _binary("pg_ctl"), "-D", str(self.data),
             "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        shutil.rmtree(self.directory, ignore_errors=True)
