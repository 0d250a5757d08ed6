"""docker-compose.yml, the Dockerfile and docs/deploy.md say what CI runs natively.

Docker cannot run on CI's machine, so these tests read the files and hold them
to the things that do run here: bin/serve (the one uvicorn command, started for
real by test_serve.py), the settings module, the management commands, and the
server commands of bench/ and of the multi-process tests.
"""

import json
import re
import stat
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

from community import wsprotocol
from tests.processes import ROOT, clean_env, run_python

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
DEPLOY_DOC = (ROOT / "docs" / "deploy.md").read_text()
SERVE = ROOT / "bin" / "serve"
HEALTHCHECK = ROOT / "bin" / "healthcheck"
APP = "community.asgi:application"
# Options that change how the site behaves, which every uvicorn command must share.
BEHAVIOUR_OPTIONS = ("--ws", "--ws-max-size", "--ws-per-message-deflate", "--lifespan")


def settings_env_vars() -> set[str]:
    """Every environment variable community/settings.py reads."""
    source = (ROOT / "community" / "settings.py").read_text()
    pattern = r'(?:os\.environ\.get\(|os\.environ\[|env_bool\(|env_list\()"([A-Z0-9_]+)"'
    return set(re.findall(pattern, source))


def script_env_vars(path: Path) -> set[str]:
    source = path.read_text()
    return set(re.findall(r"\$\{([A-Z0-9_]+)[:}]", source)) | set(
        re.findall(r'environ\.get\("([A-Z0-9_]+)"', source)
    )


def options(argv: list[str]) -> dict[str, str | bool]:
    """Map each --option of a command line to its value (True for a bare flag)."""
    found: dict[str, str | bool] = {}
    for index, arg in enumerate(argv):
        if arg.startswith("--"):
            following = argv[index + 1] if index + 1 < len(argv) else "--"
            found[arg] = following if not following.startswith("--") else True
    return found


def serve_argv(tmp_path: Path, **env: str) -> list[str]:
    """Return the command line bin/serve runs, by giving it a Python that prints its argv."""
    import subprocess
    import sys

    fake_python = tmp_path / "python"
    fake_python.write_text(
        f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n"
    )
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IEXEC)
    result = subprocess.run(
        [str(SERVE)],
        env=clean_env(PYTHON=str(fake_python), **env),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(result.stdout)


# --- The services ------------------------------------------------------------------------


def test_the_stack_has_postgresql_redis_migrations_the_site_and_the_task_worker():
    assert set(SERVICES) == {
        *("db", "redis", "migrate", "web", "worker", "housekeeping", "reminders")
    }
    assert SERVICES["db"]["image"].startswith("postgres:")
    assert SERVICES["redis"]["image"].startswith("redis:")
    assert SERVICES["web"]["build"] == SERVICES["worker"]["build"] == "."
    assert SERVICES["migrate"]["build"] == "."


def test_data_lives_in_named_volumes():
    assert set(COMPOSE["volumes"]) == {"pgdata", "redisdata"}
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]
    assert "redisdata:/data" in SERVICES["redis"]["volumes"]


@pytest.mark.parametrize("service", ["migrate", "web", "worker", "housekeeping", "reminders"])
def test_the_app_runs_in_production_mode_on_postgresql_and_redis(service):
    env = SERVICES[service]["environment"]
    assert env["DEBUG"] == "0"
    assert env["TASKS_DB"] == "1"
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    # No default secret: compose refuses to start without one (${VAR:?message}).
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert env["ALLOWED_HOSTS"]
    assert "EMAIL_HOST" in env


@pytest.mark.parametrize("service", ["migrate", "web", "worker"])
def test_compose_sets_only_variables_something_reads(service):
    # A misspelt variable would silently fall back to a default.
    known = settings_env_vars() | script_env_vars(SERVE) | script_env_vars(HEALTHCHECK)
    assert set(SERVICES[service]["environment"]) <= known


def test_migrations_run_once_then_the_web_service_runs_bin_serve():
    # Scaling `web` must not run migrations concurrently: a one-shot service does.
    assert SERVICES["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert SERVICES["web"]["command"] == ["bin/serve"]
    assert SERVICES["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )
    env = SERVICES["web"]["environment"]
    assert (env["HOST"], env["PORT"], env["WEB_CONCURRENCY"]) == ("0.0.0.0", "8000", "2")
    assert SERVICES["web"]["ports"][0].endswith(":8000")
    assert {"db", "redis"} <= set(SERVICES["web"]["depends_on"])


def test_housekeeping_keeps_the_data_promises_every_hour():
    """Deletions due after their grace period, and downloads past their 7 days."""
    script = SERVICES["housekeeping"]["command"][-1]
    assert SERVICES["housekeeping"]["command"][:2] == ["sh", "-c"]
    assert "python manage.py erase_due_accounts" in script
    assert "python manage.py delete_expired_exports" in script
    assert "sleep 3600" in script
    assert {"erase_due_accounts", "delete_expired_exports"} <= set(get_commands())


def test_reminders_are_enqueued_every_minute_for_the_worker_to_send():
    script = SERVICES["reminders"]["command"][-1]
    assert SERVICES["reminders"]["command"][:2] == ["sh", "-c"]
    assert "python manage.py send_reminders" in script and "sleep 60" in script
    assert "send_reminders" in set(get_commands())


def test_the_worker_runs_the_django_tasks_db_worker(tmp_path):
    assert SERVICES["worker"]["command"] == ["python", "manage.py", "db_worker"]
    assert get_commands()["db_worker"] == "django_tasks_db"
    # It starts only once the site is up (so after the migrations).
    assert SERVICES["worker"]["depends_on"]["web"]["condition"] == "service_healthy"

    # Natively, with the compose environment's TASKS_DB=1: a job queued by the site
    # is picked up and run by the worker's command.
    env = {"TASKS_DB": "1", "SQLITE_PATH": str(tmp_path / "db.sqlite3"), "DEBUG": "0"}
    env |= {"SECRET_KEY": "worker-test-" + "k" * 50, "ALLOWED_HOSTS": "hearth.example"}
    marker = tmp_path / "ran.txt"
    command = SERVICES["worker"]["command"][2:]
    code = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", "django_tasks_database", verbosity=0)
from tests.community.worker_task import write_marker
print(write_marker.enqueue({str(marker)!r}, "the worker ran").status, flush=True)
call_command(*{command!r}, "--batch", "--no-startup-delay")
"""
    result = run_python(code, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[0] == "READY"
    assert marker.read_text() == "the worker ran"


def test_healthchecks_ask_the_right_questions():
    assert SERVICES["web"]["healthcheck"]["test"] == ["CMD", "bin/healthcheck"]
    assert '"/healthz"' in HEALTHCHECK.read_text() or "/healthz" in HEALTHCHECK.read_text()
    assert "pg_isready" in " ".join(SERVICES["db"]["healthcheck"]["test"])
    assert SERVICES["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    # The image's own HEALTHCHECK is HTTP; the worker serves no HTTP, so it opts out.
    assert "HEALTHCHECK" in DOCKERFILE and '"bin/healthcheck"' in DOCKERFILE
    assert SERVICES["worker"]["healthcheck"] == {"disable": True}
    # Long enough for /healthz to report a dead database (the pool waits for it).
    timeout = int(SERVICES["web"]["healthcheck"]["timeout"].rstrip("s"))
    assert timeout > 10


def test_the_image_serves_with_bin_serve_and_collects_static_files():
    assert re.search(r'^CMD \["bin/serve"\]$', DOCKERFILE, re.MULTILINE)
    assert "collectstatic --noinput" in DOCKERFILE
    assert re.search(r"^EXPOSE 8000$", DOCKERFILE, re.MULTILINE)
    assert re.search(r"^USER (?!root)", DOCKERFILE, re.MULTILINE), "runs as a non-root user"
    # Python >= 3.12 as pyproject.toml requires.
    (version,) = re.findall(r"^FROM python:(3\.\d+)", DOCKERFILE, re.MULTILINE)
    assert tuple(int(part) for part in version.split(".")) >= (3, 12)


# --- One uvicorn command -----------------------------------------------------------------


def test_bin_serve_is_the_production_uvicorn_command(tmp_path):
    argv = serve_argv(tmp_path, HOST="0.0.0.0", PORT="8000", WEB_CONCURRENCY="2")
    assert argv[:3] == ["-m", "uvicorn", APP]
    opts = options(argv)
    assert opts["--host"] == "0.0.0.0"
    assert opts["--port"] == "8000"
    assert opts["--workers"] == "2"
    # The servers' frame cap, above the room's own (which closes 4413 under daphne
    # and uvicorn alike), is daphne's under runserver too; deflate costs CPU per socket.
    assert opts["--ws-max-size"] == str(settings.HEARTH_CHAT["SERVER_FRAME_BYTES"])
    assert settings.HEARTH_CHAT["SERVER_FRAME_BYTES"] > settings.HEARTH_CHAT["MAX_FRAME_BYTES"]
    assert int(opts["--ws-max-size"]) == settings.DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE
    assert int(opts["--ws-max-size"]) == settings.DAPHNE_WEBSOCKET_MAX_FRAME_SIZE
    assert opts["--ws-per-message-deflate"] == "false"
    assert opts["--ws"] == wsprotocol.PATH  # uvicorn's, minus the kept handshake
    assert opts["--lifespan"] == "off"
    # Paths carry group slugs: no access log (DESIGN.md rule 9).
    assert opts["--no-access-log"] is True
    assert opts["--proxy-headers"] is True
    assert opts["--forwarded-allow-ips"] == "127.0.0.1"


def test_bin_serve_defaults_are_safe_for_a_laptop(tmp_path):
    opts = options(serve_argv(tmp_path))
    assert opts["--host"] == "127.0.0.1"
    assert opts["--workers"] == "2"


def test_bench_uses_the_same_uvicorn_behaviour(tmp_path):
    from bench.run import uvicorn_cmd

    canonical = options(serve_argv(tmp_path))
    bench = uvicorn_cmd(APP, 8123, 2)
    assert APP in bench
    for option in BEHAVIOUR_OPTIONS:
        assert options(bench)[option] == canonical[option], option
    assert options(bench)["--workers"] == canonical["--workers"]


def test_the_test_servers_use_the_same_uvicorn_behaviour(tmp_path):
    canonical = options(serve_argv(tmp_path))
    from tests import multiprocess

    server = multiprocess.AsgiServer(port=8123, env={}, log_dir=tmp_path)
    other = options(server.command())
    for option in BEHAVIOUR_OPTIONS:
        assert other[option] == canonical[option], option
    from tests.live_server import LiveServer

    in_thread = LiveServer.uvicorn_options()
    assert in_thread["ws"] == canonical["--ws"]
    assert in_thread["ws_max_size"] == int(str(canonical["--ws-max-size"]))
    assert in_thread["ws_per_message_deflate"] is False
    assert in_thread["lifespan"] == canonical["--lifespan"]


def test_the_deploy_guide_shows_the_same_command(tmp_path):
    argv = serve_argv(tmp_path)
    assert "bin/serve" in DEPLOY_DOC
    assert APP in DEPLOY_DOC
    for option in options(argv):
        assert option in DEPLOY_DOC, f"docs/deploy.md does not mention {option}"


def test_the_deploy_guide_documents_every_setting_from_the_environment():
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", DEPLOY_DOC))
    missing = settings_env_vars() - documented - {"HEARTH_TESTING"}
    assert not missing, f"docs/deploy.md does not document {sorted(missing)}"


def test_the_image_build_step_collects_static_files_that_production_pages_use(tmp_path):
    # The Dockerfile's collectstatic, natively: fingerprinted files and a manifest
    # that every production page can resolve (a missing file fails here, not live).
    code = f"""
import json, django
django.setup()
from django.conf import settings
settings.STATIC_ROOT = {str(tmp_path / "static")!r}
from django.core.management import call_command
from django.test import Client
call_command("collectstatic", interactive=False, verbosity=0)
client = Client(HTTP_HOST="hearth.example")
pages = {{path: client.get(path, secure=True) for path in ["/", "/accounts/login/"]}}
print(json.dumps({{path: [r.status_code, r.content.decode()] for path, r in pages.items()}}))
"""
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "collectstatic-only-not-used-at-runtime-0123456789abcdef",
        "ALLOWED_HOSTS": "hearth.example",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    result = run_python(code, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    pages = json.loads(result.stdout.strip().splitlines()[-1])
    assert (tmp_path / "static" / "staticfiles.json").exists()
    for path, (status, body) in pages.items():
        assert status == 200, (path, body[-2000:])
        assert re.search(r'href="/static/css/hearth\.[0-9a-f]{12}\.css"', body), path
