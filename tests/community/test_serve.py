"""bin/serve, the production server command, started for real with production settings.

The Dockerfile's collectstatic step, then docker-compose.yml's web command
verbatim (migrate, then bin/serve with two uvicorn workers), DEBUG off, on the
embedded database: the web service, minus Docker.
"""

import json
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.processes import PYTHON, ROOT, clean_env, free_port, manage

HOST = "hearth.example"
METRICS_TOKEN = "serve-test-metrics-token-5a1d9c"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def lower(headers: object) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}  # type: ignore[attr-defined]


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Host": HOST, **headers})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, lower(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, lower(error.headers), error.read()


def service_command(service: str) -> list[str]:
    """docker-compose.yml's command for a service (the image's `python` is this one here)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    parts = compose["services"][service]["command"]
    return [PYTHON if part == "python" else str(part) for part in parts]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict, Path]]:
    tmp = tmp_path_factory.mktemp("serve")
    port = str(free_port())
    env = clean_env(
        DEBUG="0",
        SECRET_KEY="serve-test-" + "q7" * 30,
        ALLOWED_HOSTS=HOST,
        SQLITE_PATH=str(tmp / "db.sqlite3"),
        STATIC_ROOT=str(tmp / "static"),
        HOST="127.0.0.1",
        PORT=port,
        WEB_CONCURRENCY="2",
        HEARTH_METRICS_TOKEN=METRICS_TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(tmp / "metrics"),
    )
    # The image's build step (Dockerfile) and the one-shot migrate service (compose): at
    # once, as neither reads what the other writes; then the web service's command.
    with ThreadPoolExecutor(max_workers=2) as pool:
        collecting = pool.submit(manage, "collectstatic", "--noinput", env=env, timeout=180)
        migrating = pool.submit(
            subprocess.run,
            service_command("migrate"),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        collected, migrated = collecting.result(), migrating.result()
    assert collected.returncode == 0, collected.stderr[-3000:]
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    command = service_command("web")
    log = tmp / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            check = subprocess.run(
                [str(ROOT / "bin" / "healthcheck")], env=env, capture_output=True, check=False
            )
            if check.returncode == 0:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the web service did not become healthy:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", env, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def test_healthz_answers_through_the_production_command(served):
    url, _env, _log = served
    status, headers, body = get(f"{url}/healthz")
    assert status == 200
    assert json.loads(body) == {"status": "ok", "database": "ok", "channel_layer": "ok"}
    assert "server" not in headers  # --no-server-header


def test_production_settings_are_in_force(served):
    url, _env, _log = served
    status, headers, _body = get(f"{url}/crisis/")
    assert status == 301
    assert headers["location"] == f"https://{HOST}/crisis/"
    # Behind the TLS proxy: the page itself, with HSTS and the fingerprinted CSS.
    status, headers, body = get(f"{url}/crisis/", **{"X-Forwarded-Proto": "https"})
    assert status == 200, (headers, body[:500])
    assert "max-age=" in headers["strict-transport-security"]
    assert re.search(rb'href="/static/css/hearth\.[0-9a-f]{12}\.css"', body)
    status, headers, _body = get(f"{url}/static/css/hearth.css", **{"X-Forwarded-Proto": "https"})
    assert status == 200
    assert headers["content-type"].startswith("text/css")


def test_unknown_hosts_are_refused(served):
    url, _env, _log = served
    request = urllib.request.Request(f"{url}/healthz", headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400


@pytest.mark.parametrize("origin", ["https://evil.example", "null", None])
def test_websocket_handshakes_from_elsewhere_are_refused_over_the_network(served, origin):
    url, _env, _log = served
    ws_url = url.replace("http://", "ws://") + "/ws/groups/evening-circle/"
    headers = {"Host": HOST}
    with (
        pytest.raises(InvalidStatus) as refused,
        connect(ws_url, origin=origin, additional_headers=headers, open_timeout=10),
    ):
        pass
    assert refused.value.response.status_code == 403


def test_the_healthcheck_fails_when_nothing_answers():
    env = clean_env(PORT=str(free_port()), ALLOWED_HOSTS=HOST, HEALTHCHECK_TIMEOUT="2")
    check = subprocess.run(
        [str(ROOT / "bin" / "healthcheck")], env=env, capture_output=True, text=True, check=False
    )
    assert check.returncode == 1
    assert "unreachable" in check.stdout


def logged(log: Path, request_id: str, within: float = 10) -> str:
    """The log's text once the request `request_id` has its line in it."""
    deadline = time.monotonic() + within
    while request_id not in (text := log.read_text()):
        assert time.monotonic() < deadline, f"request {request_id} was not logged"
        time.sleep(0.05)
    return text


def test_no_request_paths_reach_the_log(served):
    url, _env, log = served
    _, headers, _ = get(f"{url}/groups/a-group-name-that-says-too-much/")
    assert "a-group-name-that-says-too-much" not in logged(log, headers["x-request-id"])


def test_metrics_need_the_token_and_count_for_every_worker(served):
    url, env, _log = served
    assert get(f"{url}/metrics")[0] == 401
    assert get(f"{url}/metrics", Authorization="Bearer wrong-token-0123456789")[0] == 401
    for _ in range(8):
        assert get(f"{url}/crisis/", **{"X-Forwarded-Proto": "https"})[0] == 200
    # Both workers count into the shared directory bin/serve prepared...
    pids = {
        path.stem.rsplit("_", 1)[1] for path in Path(env["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db")
    }
    assert len(pids) >= 2, pids
    # ...so whichever worker answers, it answers for all of them.
    pattern = rb'hearth_http_responses_total\{status="2xx",view="crisis"\} (\d+)'
    for _ in range(4):
        status, _headers, body = get(f"{url}/metrics", Authorization=f"Bearer {METRICS_TOKEN}")
        assert status == 200
        found = re.search(pattern, body)
        assert found and int(found.group(1)) >= 8, body[:2000]


def test_production_logs_are_json_lines_naming_the_view_never_the_path(served):
    url, _env, log = served
    status, headers, _body = get(
        f"{url}/groups/a-slug-for-the-json-log/", **{"X-Forwarded-Proto": "https"}
    )
    assert status == 404
    request_id = headers["x-request-id"]
    text = logged(log, request_id)
    assert "a-slug-for-the-json-log" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    (line,) = [each for each in lines if each.get("request_id") == request_id]
    assert line["logger"] == "hearth.requests"
    assert line["view"] == "groups:group"
    assert line["status"] == 404
    assert line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and line["time"].endswith("+00:00")
