"""Run Hearth in a fresh Python process with exactly the environment a test chooses.

Settings are read once, at start-up, from the environment; the only honest way
to test them is a new process. Nothing from the test run's own environment
(DATABASE_URL, REDIS_URL, CI, DEBUG, ...) leaks in unless passed explicitly.
"""

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Environment variables a process may inherit; everything else is chosen by the test.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
# A production-shaped environment: what docs/deploy.md and docker-compose.yml set.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7Qm-production-shaped-secret-key-for-tests-2f9c1e8b4d6a0c3e5f7a9b1d",
    "ALLOWED_HOSTS": "hearth.example",
    "DATABASE_URL": "postgres://hearth:secret@db.hearth.example:5432/hearth",
    "REDIS_URL": "redis://redis.hearth.example:6379/0",
    "EMAIL_HOST": "smtp.hearth.example",
}


def clean_env(**env: str) -> dict[str, str]:
    """Return a minimal environment plus `env`."""
    base = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    base.update(PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="community.settings")
    base.update(env)
    return base


def run_python(
    code: str, *, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `code` with `python -c` in the repository, in a clean environment."""
    return _run(["-c", code], env, timeout)


def run_python_each(
    code: str, envs: list[dict[str, str]], *, timeout: float = 60
) -> list[subprocess.CompletedProcess[str]]:
    """`run_python(code, env=env)` for every env, all started at once (each is its own
    process, so none can see another's settings); the results in the order of `envs`."""
    with ThreadPoolExecutor(max_workers=len(envs)) as pool:
        return list(pool.map(lambda env: run_python(code, env=env, timeout=timeout), envs))


def manage(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `manage.py *args` in a clean environment."""
    return _run(["manage.py", *args], env, timeout)


def _run(
    args: list[str], env: dict[str, str] | None, timeout: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, *args],
        cwd=ROOT,
        env=clean_env(**(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
