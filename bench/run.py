"""Run the chat benchmark end to end and print the figures.

    .venv/bin/python bench/run.py                 # the issue's load, then the knee
    .venv/bin/python bench/run.py --quick         # a small smoke run
    .venv/bin/python bench/run.py --only hearth,baseline,baseline-pubsub
    .venv/bin/python bench/run.py --quick --connect 200   # fewer sockets in the connect step

It needs the machine's PostgreSQL and Redis (BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432; BENCH_REDIS, default redis://127.0.0.1:6379).
It never touches a developer's data: it recreates the database `hearth_bench`,
and uses Redis databases 12 (Hearth, under the prefix `hearth-bench`) and 11
(the baseline), deleting only its own keys there.

For each configuration it starts the server, waits for /healthz, runs
bench/chat_load.py against it and stops it:

- hearth:         Hearth under uvicorn --workers 2 (PostgreSQL, the pub/sub Redis layer)
- baseline:       the Channels tutorial's chat (bench/baseline/, the default Redis
                  layer as the tutorial configures it) under uvicorn --workers 2
- baseline-pubsub: the same tutorial chat and server command on channels-redis's
                  pub/sub layer (RedisPubSubChannelLayer, the layer Hearth uses)
- hearth-daphne:  Hearth under two daphne processes (daphne has no --workers; the
                  clients are spread over both, as a load balancer would)
- storm:          Hearth under uvicorn --workers 2, 2,000 room sockets dropped at once
                  and reconnecting as the room's client does (bench/storm.py; not in
                  the default list: `--only storm`, with its --drop, --repeat, ...)

Each first runs the issue's load (1,000 clients in 100 groups of 10, 50 messages/s
in total, --target-seconds long), then steps the rate up until a step fails
(p99 > 100 ms, or anything lost or duplicated): the last passing rate is the knee.
Then, with the same servers (bench/steps.py):

- the connect step: --connect sockets opened, each timed to its first frame;
- the HTTP step: the room page fetched over --http-connections connections for
  --http-seconds (Hearth's signed in as a member of the first group, which
  bench/setup_data.py gives --history messages; the tutorial's `chat/g0/`).

The summary prints each figure per configuration and the ratios of each Hearth
configuration to both baselines.
"""

import argparse
import contextlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379").rstrip("/")
DB_NAME = "hearth_bench"
HEARTH_REDIS = f"{REDIS}/12"
BASELINE_REDIS = f"{REDIS}/11"
PREFIX = "hearth-bench"
# Hearth serves its pages with DEBUG off, from collected static files (as the image
# does); collected once per machine outside the worktree, refreshed by each run.
STATIC_ROOT = Path(tempfile.gettempdir()) / "hearth-bench-static"
CONNECT_CONCURRENCY = 20  # sockets opening at once, as bench/chat_load.py connects
BASELINES = ("baseline", "baseline-pubsub")
KNEE_RATES = [100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 1000, 1200, 1500, 2000]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hearth_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="community.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"{PG}/{DB_NAME}",
        REDIS_URL=HEARTH_REDIS,
        CHANNEL_PREFIX=PREFIX,
        CACHE_PREFIX=PREFIX,
        STATIC_ROOT=str(STATIC_ROOT),
        LOG_LEVEL="WARNING",
        # Each bench client sends far below the default limit at the load;
        # at the knee's higher rates 1,000 clients would meet it, so it is raised
        # (the token bucket still runs on every message).
        CHAT_RATE="10",
        CHAT_BURST="20",
    )
    # Tuning knobs may be tried from the command line: DB_THREADS=4 bench/run.py ...
    env.update({k: v for k, v in os.environ.items() if k.startswith(("DB_", "MALLOC_"))})
    return env


def baseline_env(layer: str = "default") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="bench.baseline.settings",
        BENCH_REDIS_URL=BASELINE_REDIS,
        BENCH_LAYER=layer,
    )
    return env


def run(cmd: list[str], env: dict[str, str]) -> None:
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def prepare_database(args: argparse.Namespace, sessions: Path, history: int = 0) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    env = hearth_env()
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    run(
        [PYTHON, "bench/setup_data.py", "--groups", str(args.groups), "--size", str(args.size),
         "--out", str(sessions), "--history", str(history)],
        env,
    )  # fmt: skip


def clean_redis() -> None:
    import redis

    for url, pattern in ((HEARTH_REDIS, f"{PREFIX}*"), (BASELINE_REDIS, "asgi*")):
        client = redis.Redis.from_url(url)
        try:
            keys = list(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


def healthy(port: int) -> bool:
    """Whether the server on `port` answers /healthz (a server still starting does not)."""
    with contextlib.suppress(OSError):
        url = f"http://127.0.0.1:{port}/healthz"
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    return False


class Server:
    """One server command (uvicorn with workers, or one daphne process)."""

    def __init__(self, cmd: list[str], env: dict[str, str], port: int, log: Path) -> None:
        self.cmd, self.env, self.port, self.log_path = cmd, env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            if healthy(self.port):
                return
            time.sleep(0.2)
        raise RuntimeError(f"server not healthy: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def uvicorn_cmd(app: str, port: int, workers: int) -> list[str]:
    return [
        PYTHON, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--lifespan", "off", "--no-access-log",
        "--ws", "community.wsprotocol:WebSocketProtocol",
        "--ws-max-size", "65536", "--ws-per-message-deflate", "false", "--log-level", "warning",
    ]  # fmt: skip


def daphne_cmd(app: str, port: int) -> list[str]:
    return [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0", app]


def configurations(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    configs: dict[str, dict[str, Any]] = {}
    port = free_port()
    configs["hearth"] = {
        "protocol": "hearth",
        "servers": [(uvicorn_cmd("community.asgi:application", port, args.workers), port)],
        "env": hearth_env(),
    }
    for name, layer in (("baseline", "default"), ("baseline-pubsub", "pubsub")):
        port = free_port()
        configs[name] = {
            "protocol": "baseline",
            "servers": [(uvicorn_cmd("bench.baseline.asgi:application", port, args.workers), port)],
            "env": baseline_env(layer),
        }
    ports = [free_port() for _ in range(args.workers)]
    configs["hearth-daphne"] = {
        "protocol": "hearth",
        "servers": [(daphne_cmd("community.asgi:application", p), p) for p in ports],
        "env": hearth_env(),
    }
    return configs


def background_busy(seconds: float = 3.0) -> float:
    """How busy the machine is before a configuration starts (cores, of nproc)."""

    def read() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(values) - values[3] - values[4], sum(values)

    busy0, total0 = read()
    time.sleep(seconds)
    busy1, total1 = read()
    return round((os.cpu_count() or 1) * (busy1 - busy0) / max(1, total1 - total0), 2)


def run_config(
    name: str, config: dict[str, Any], args: argparse.Namespace, sessions: Path, out: Path
) -> dict[str, Any]:
    servers = [
        Server(cmd, config["env"], port, out / f"{name}-{port}.log")
        for cmd, port in config["servers"]
    ]
    steps = f"{args.target_rate:g}:{args.target_seconds:g}," + ",".join(
        f"{r}:{args.step_seconds:g}" for r in args.knee_rates
    )
    background = background_busy()
    print(f"[{name}] background load before starting: {background} cores busy", flush=True)
    try:
        for server in servers:
            server.start()
        time.sleep(2)  # let workers finish importing before the idle memory reading
        cmd = [
            PYTHON, "bench/chat_load.py", "--protocol", config["protocol"],
            "--groups", str(args.groups), "--size", str(args.size),
            "--steps", steps, "--stop-on-fail", "--label", name,
            "--json", str(out / f"{name}.json"),
        ]  # fmt: skip
        for server in servers:
            cmd += ["--url", f"ws://127.0.0.1:{server.port}"]
            assert server.process is not None
            cmd += ["--server-pid", str(server.process.pid)]
        if config["protocol"] == "hearth":
            cmd += ["--sessions", str(sessions)]
        subprocess.run(cmd, cwd=ROOT, check=True)
        waiting = extra_steps(config["protocol"], servers, args, sessions)
    finally:
        for server in servers:
            server.stop()
    report: dict[str, Any] = json.loads((out / f"{name}.json").read_text())
    report.update(waiting)
    report["background_cores_busy"] = background
    for server in servers:
        text = server.log_path.read_text(errors="replace")
        report.setdefault("server_log_errors", 0)
        report["server_log_errors"] += text.count("Traceback") + text.count(" ERROR ")
    return report


def extra_steps(
    protocol: str, servers: list[Server], args: argparse.Namespace, sessions: Path
) -> dict[str, Any]:
    """The connect step, then the room-page step, against the running servers."""
    from bench import steps

    roots = [s.process.pid for s in servers if s.process is not None]
    pids = steps.server_pids(roots)
    groups = json.loads(sessions.read_text())["groups"][: args.groups]
    if protocol != "hearth":  # the tutorial has no sign-in: one empty cookie per member
        groups = [{"slug": "", "members": [{"cookie": ""}] * args.size} for _ in groups]
    urls = [f"ws://127.0.0.1:{s.port}" for s in servers]
    targets = steps.socket_targets(protocol, urls, groups, args.connect)
    connect = steps.run_async(steps.connect_step(targets, protocol, CONNECT_CONCURRENCY, pids))
    print(f"connect step: {json.dumps(connect)}", flush=True)
    time.sleep(5)  # the closed sockets' goodbyes are not the HTTP step's cost
    first = groups[0]
    path = f"/groups/{first['slug']}/" if protocol == "hearth" else "/chat/g0/"
    http = steps.run_async(
        steps.http_step(
            [("127.0.0.1", s.port) for s in servers], path, first["members"][0]["cookie"],
            args.http_connections, args.http_seconds, pids,
        )
    )  # fmt: skip
    print(f"room page step: {json.dumps(http)}", flush=True)
    return {"connect": connect, "http": http}


def machine() -> dict[str, str]:
    def sh(cmd: str) -> str:
        result = subprocess.run(cmd, shell=True, capture_output=True, text=True, check=False)
        return result.stdout.strip()

    versions = {}
    for package in ("django", "channels", "channels_redis", "redis", "uvicorn", "daphne",
                    "websockets", "psycopg", "uvloop", "httptools"):  # fmt: skip
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[package] = version(package)
    return {
        "nproc": sh("nproc"),
        "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
        "memory": sh("free -m | awk '/Mem:/ {print $2\" MB\"}'"),
        "kernel": sh("uname -r"),
        "python": sys.version.split()[0],
        "postgresql": sh(f"psql '{PG}/postgres' -Atc 'show server_version'"),
        "redis": sh("redis-cli -u " + REDIS + " info server | grep redis_version | cut -d: -f2"),
        **versions,
    }


def summarize(reports: dict[str, dict[str, Any]], target_rate: float) -> None:
    print("\n== Figures ==")
    for name, report in reports.items():
        print_figures(name, report, target_rate)
    for base_name in BASELINES:
        base = reports.get(base_name)
        if not base or not base["steps"]:
            continue
        for name, report in reports.items():
            if name not in BASELINES and report["steps"]:
                print_ratios(name, report, base_name, base)
    if "hearth" in reports and "hearth-daphne" in reports:
        u, d = reports["hearth"], reports["hearth-daphne"]
        cpu_u = u["steps"][0]["server_cpu_us_per_delivery"]
        cpu_d = d["steps"][0]["server_cpu_us_per_delivery"]
        print(
            f"uvicorn / daphne (Hearth): CPU per delivery "
            f"{ratio(cpu_u, cpu_d)}, "
            f"knee {ratio(u['knee'], d['knee'])}, idle memory "
            f"{ratio(u['idle_kb_per_connection'], d['idle_kb_per_connection'])}"
        )


def print_figures(name: str, report: dict[str, Any], target_rate: float) -> None:
    target = report["steps"][0] if report["steps"] else {}
    print(
        f"{name:15} idle {report['idle_kb_per_connection']} KB/conn; at {target_rate:g} msg/s: "
        f"p50 {target.get('p50_ms')} p95 {target.get('p95_ms')} p99 {target.get('p99_ms')} "
        f"max {target.get('max_ms')} ms, lost {target.get('lost')}, "
        f"dup {target.get('duplicated')}, server CPU {target.get('server_cpu_cores')} cores "
        f"({target.get('server_cpu_us_per_delivery')} us/delivery), PostgreSQL "
        f"{target.get('postgres_cpu_cores')}, Redis {target.get('redis_cpu_cores')} cores; "
        f"knee {report['knee']} msg/s"
    )
    c, h = report.get("connect"), report.get("http")
    if c:
        print(
            f"{'':15} connect {c['opened']}/{c['sockets']} sockets in {c['total_s']} s "
            f"(failures {c['failures']}): p50 {c['p50_ms']} p99 {c['p99_ms']} ms; CPU per "
            f"connect: server {c['server_cpu_ms_per_connect']}, PostgreSQL "
            f"{c['postgres_cpu_ms_per_connect']}, Redis {c['redis_cpu_ms_per_connect']} ms"
        )
    if h:
        flag = "" if h["all_ok"] else "NOT ALL 200 (no ratios): "
        print(
            f"{'':15} {flag}room page {h['path']} ({h['page_bytes']} bytes, "
            f"statuses {h['statuses']}): "
            f"{h['requests_per_s']} req/s, p50 {h['p50_ms']} p99 {h['p99_ms']} ms; CPU per "
            f"request: server {h['server_cpu_ms_per_request']}, PostgreSQL "
            f"{h['postgres_cpu_ms_per_request']}, Redis {h['redis_cpu_ms_per_request']} ms"
        )


# The connect and room-page steps' figures compared with a baseline's: (label, key).
STEP_RATIOS = {
    "connect": [
        ("connect total", "total_s"),
        ("connect p50", "p50_ms"),
        ("connect p99", "p99_ms"),
        ("CPU per connect", "server_cpu_ms_per_connect"),
    ],
    "http": [
        ("room page req/s", "requests_per_s"),
        ("room page p99", "p99_ms"),
        ("CPU per request", "server_cpu_ms_per_request"),
    ],
}


def print_ratios(name: str, report: dict[str, Any], base_name: str, base: dict[str, Any]) -> None:
    r, b = report["steps"][0], base["steps"][0]
    cpu = "server_cpu_us_per_delivery"
    parts = [
        f"knee {ratio(report['knee'], base['knee'])}",
        f"p99 {ratio(r['p99_ms'], b['p99_ms'])}",
        f"CPU per delivery {ratio(r[cpu], b[cpu])}",
        "idle memory per connection "
        + ratio(report["idle_kb_per_connection"], base["idle_kb_per_connection"]),
    ]
    for step, figures in STEP_RATIOS.items():
        mine, theirs = report.get(step), base.get(step)
        # A room page whose responses were not all 200 is left out (the summary flags it).
        if mine and theirs and mine.get("all_ok", True) and theirs.get("all_ok", True):
            parts += [f"{label} {ratio(mine[key], theirs[key])}" for label, key in figures]
    print(f"{name} / {base_name}: " + ", ".join(parts))


def ratio(a: float | None, b: float | None) -> str:
    if a is None or not b:
        return "n/a"
    return f"{a / b:.3g}x"  # significant figures: 0.0045x is not 0.00x


def results_folder(out: Path | None, prefix: str) -> Path:
    """The folder for results and server logs (a new temporary one unless given).

    Also raises this process's open-files limit to the hard one first: the clients
    (children inherit it) hold a socket per member.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    out = out or Path(tempfile.mkdtemp(prefix=prefix))
    out.mkdir(parents=True, exist_ok=True)
    print(f"results and server logs in {out}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--target-rate", type=float, default=50)
    parser.add_argument("--target-seconds", type=float, default=30)
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--knee-rates", default=",".join(map(str, KNEE_RATES)))
    parser.add_argument("--only", default="hearth,baseline,baseline-pubsub,hearth-daphne")
    parser.add_argument("--quick", action="store_true", help="20 groups, short steps")
    parser.add_argument("--connect", type=int, default=1000, help="sockets in the connect step")
    parser.add_argument("--http-connections", type=int, default=20)
    parser.add_argument("--http-seconds", type=float, default=15)
    parser.add_argument("--history", type=int, default=50, help="messages on the room page")
    parser.add_argument("--out", type=Path)
    sys.path.insert(0, str(ROOT))
    from bench import storm  # it imports this module's helpers

    storm.add_arguments(parser)
    args = parser.parse_args()
    args.knee_rates = [float(r) for r in args.knee_rates.split(",") if r]
    if args.quick:
        args.groups, args.target_seconds, args.step_seconds = 20, 10, 5
        args.knee_rates = args.knee_rates[:3]
        args.http_seconds = 5
    out = results_folder(args.out, "hearth-bench-")
    sessions = out / "sessions.json"
    info = machine()
    print("machine:", json.dumps(info), flush=True)
    clean_redis()
    names = args.only.split(",")
    prepared = argparse.Namespace(**vars(args))
    if "storm" in names:
        prepared.groups = max(args.groups, args.storm_groups)
    prepare_database(prepared, sessions, history=args.history)
    configs = configurations(args)
    reports: dict[str, Any] = {}
    for name in names:
        if name == "storm":
            reports[name] = storm.run_storm_step(args, sessions, out)
        else:
            reports[name] = run_config(name, configs[name], args, sessions, out)
    (out / "summary.json").write_text(json.dumps({"machine": info, "reports": reports}, indent=2))
    summarize({k: v for k, v in reports.items() if k != "storm"}, args.target_rate)


if __name__ == "__main__":
    main()
