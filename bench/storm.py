"""The reconnect storm: every room socket dropped at once, and how long until all are back.

    .venv/bin/python bench/storm.py                        # 2,000 sockets
    .venv/bin/python bench/storm.py --groups 50            # smaller
    .venv/bin/python bench/storm.py --drop workers         # SIGKILL the workers instead
    .venv/bin/python bench/run.py --only storm             # the same, from the runner

It prepares the benchmark's database as bench/run.py does (`hearth_bench`,
recreated; bench/setup_data.py's people, groups and sessions), then, `--repeat`
times back to back:

1. starts Hearth under uvicorn --workers 2 (bench/run.py's command and environment);
2. opens `--groups` x `--size` room sockets, each a client that behaves as
   static/js/room.js does: after `hello` it sends `sync` from its last numbers,
   answers `sync.needed` with a `sync`, and after any close (or a refused
   connect) waits `retry after N` seconds if the close gave that hint, plus a
   random wait of up to min(30, 2^attempts) seconds (full jitter), `attempts`
   counting since its last `hello`;
3. drops them all at once: `--drop restart` kills the server's whole process tree
   (SIGKILL) and starts it again on the same port; `--drop workers` kills only the
   workers, and uvicorn's master starts new ones on the listening socket it holds;
4. measures, from the drop: the time until every client is caught up again (has
   `hello` and then `sync.batch` on its current socket), its p50, p99 and max over
   the clients, connect attempts per client (max, mean), closes by code (4503
   "busy" counted apart), `sync.needed` heard, and CPU (the servers', PostgreSQL's,
   Redis's, this client's, the whole machine's) over that time.

The target (issue 18): 2,000 sockets all caught up within 10 s of the drop, each
reconnecting at most twice.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import run as runner  # the database, the environment, the server
from bench.chat_load import (
    cpu_by_pid,
    cpu_seconds,
    cpu_since,
    machine_busy,
    own_cpu,
    pid_tree,
    room_socket,
    service_pids,
)

RETRY_HINT = "retry after "


@dataclass
class Client:
    url: str
    cookie: str
    attempts: int = 0  # since the last hello, as room.js counts
    connects: int = 0  # connect attempts since the drop
    caught_up_at: float | None = None  # on the current socket, since the drop
    last_seq: int = 0
    last_change: int = 0
    closes: dict[str, int] = field(default_factory=dict)
    sync_needed: int = 0


class Storm:
    def __init__(self, clients: list[Client], backoff: str = "jitter") -> None:
        self.clients = clients
        self.backoff = backoff
        self.dropped_at = 0.0
        self.all_back = asyncio.Event()
        self.stopping = False

    def check_all_back(self) -> None:
        if all(c.caught_up_at is not None for c in self.clients):
            self.all_back.set()

    def reset(self) -> None:
        """Start counting: the drop is now."""
        self.dropped_at = time.monotonic()
        self.all_back.clear()
        for c in self.clients:
            c.connects, c.caught_up_at, c.closes, c.sync_needed = 0, None, {}, 0

    async def run_client(self, client: Client) -> None:
        while not self.stopping:
            client.connects += 1
            reason, code = "", 1006
            try:
                async with room_socket(client.url, client.cookie, close_timeout=1) as ws:
                    greeted = False
                    async for text in ws:
                        event = json.loads(text)
                        kind = event.get("type")
                        if kind == "hello":
                            greeted, client.attempts = True, 0
                            await self.sync(ws, client)
                        elif kind == "sync.batch":
                            client.last_seq = max(client.last_seq, int(event.get("last_seq") or 0))
                            client.last_change = max(
                                client.last_change, int(event.get("last_change") or 0)
                            )
                            if greeted and client.caught_up_at is None:
                                client.caught_up_at = time.monotonic()
                                self.check_all_back()
                        elif kind == "sync.needed":
                            client.sync_needed += 1
                            await self.sync(ws, client)
                code, reason = ws.close_code or 1006, ws.close_reason or ""
            except ConnectionClosed as closed:
                if closed.rcvd is not None:
                    code, reason = closed.rcvd.code, closed.rcvd.reason
            except (OSError, InvalidHandshake, TimeoutError):
                code = 0  # refused, reset or timed out before the handshake finished
            if self.stopping:
                return
            client.caught_up_at = None
            self.all_back.clear()
            key = "4503 busy" if code == 4503 and reason.startswith("busy") else str(code)
            client.closes[key] = client.closes.get(key, 0) + 1
            client.attempts += 1
            hint = 0.0
            if RETRY_HINT in reason:
                with contextlib.suppress(ValueError):
                    hint = float(reason.split(RETRY_HINT, 1)[1].split()[0])
            if self.backoff == "before":  # room.js before ba19819: half jitter, no hint
                await asyncio.sleep(
                    min(30.0, 0.5 * 2.0**client.attempts) * (0.5 + random.random() / 2)
                )
            else:
                await asyncio.sleep(hint + random.random() * min(30.0, 2.0**client.attempts))

    @staticmethod
    async def sync(ws: Any, client: Client) -> None:
        frame = {"type": "sync", "after_seq": client.last_seq, "after_change": client.last_change}
        await ws.send(json.dumps(frame))


def wait_healthy(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if runner.healthy(port):
            return
        time.sleep(0.05)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def kill_tree(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def storm_once(
    run: int, args: argparse.Namespace, layout: list[dict[str, Any]], out: Path
) -> dict[str, Any]:
    port = runner.free_port()
    env = runner.hearth_env()
    server = runner.Server(
        runner.uvicorn_cmd("community.asgi:application", port, args.workers),
        env,
        port,
        out / f"storm-{run}-{port}.log",
    )
    background = await asyncio.to_thread(runner.background_busy)
    print(f"[storm {run}] background load: {background} cores busy", flush=True)
    await asyncio.to_thread(server.start)
    clients = [
        Client(f"ws://127.0.0.1:{port}/ws/groups/{g['slug']}/", m["cookie"])
        for g in layout
        for m in g["members"]
    ]
    storm = Storm(clients, args.backoff)
    storm.reset()
    tasks = []
    for client in clients:  # opened gently (not measured): 100 a second
        tasks.append(asyncio.create_task(storm.run_client(client)))
        if len(tasks) % 10 == 0:
            await asyncio.sleep(0.1)
    report: dict[str, Any] = {"run": run, "drop": args.drop, "sockets": len(clients)}
    try:
        await asyncio.wait_for(storm.all_back.wait(), 3 * args.timeout)
        report["first_connect_s"] = round(time.monotonic() - storm.dropped_at, 2)
        print(f"  {len(clients)} sockets open in {report['first_connect_s']} s", flush=True)
        await asyncio.sleep(args.settle)
        assert server.process is not None
        old = pid_tree(server.process.pid)
        master0 = cpu_seconds(old[:1])
        pg0, redis0 = cpu_by_pid(service_pids("postgres")), cpu_by_pid(service_pids("redis-server"))
        own0, busy0 = own_cpu(), machine_busy()
        storm.reset()
        if args.drop == "restart":
            kill_tree(old)
            server.process.wait()
            await asyncio.to_thread(server.start)
        else:
            kill_tree(old[1:])  # the master keeps the listening socket and starts new workers
            await asyncio.to_thread(wait_healthy, port)
        back_at = time.monotonic()
        report["server_back_s"] = round(back_at - storm.dropped_at, 2)
        timed_out = False
        try:
            await asyncio.wait_for(storm.all_back.wait(), args.timeout)
        except TimeoutError:
            timed_out = True
        ended = time.monotonic()
        now = pid_tree(server.process.pid)
        # A restart's processes are all new (their start-up counts); after killing the
        # workers, the master is the one process that was there before the drop.
        server_cpu = cpu_seconds(now) - (master0 if args.drop == "workers" else 0.0)
        busy1 = machine_busy()
        window = ended - storm.dropped_at
        times = [c.caught_up_at - storm.dropped_at for c in clients if c.caught_up_at is not None]
        connects = [c.connects for c in clients]
        closes: dict[str, int] = {}
        for c in clients:
            for key, n in c.closes.items():
                closes[key] = closes.get(key, 0) + n
        cores = os.cpu_count() or 1
        report.update(
            timed_out=timed_out,
            caught_up=len(times),
            all_caught_up_s=round(max(times), 2) if times and not timed_out else None,
            p50_s=round(statistics.median(times), 2) if times else None,
            p99_s=round(percentile(times, 99), 2) if times else None,
            max_s=round(max(times), 2) if times else None,
            connects_max=max(connects),
            connects_mean=round(statistics.mean(connects), 2),
            reconnected_at_most_twice=sum(1 for n in connects if n <= 2),
            closes=closes,
            busy_closes=closes.get("4503 busy", 0),
            sync_needed=sum(c.sync_needed for c in clients),
            window_s=round(window, 2),
            server_cpu_s=round(server_cpu, 2),
            postgres_cpu_s=round(cpu_since(pg0, "postgres"), 2),
            redis_cpu_s=round(cpu_since(redis0, "redis-server"), 2),
            client_cpu_s=round(own_cpu() - own0, 2),
            machine_busy_pct=round(100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 1),
            machine_cores=cores,
            background_cores_busy=background,
        )
    finally:
        storm.stopping = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(server.stop)
    text = server.log_path.read_text(errors="replace")
    report["server_log_errors"] = text.count("Traceback") + text.count(" ERROR ")
    print_report(report)
    return report


def print_report(r: dict[str, Any]) -> None:
    target = r["all_caught_up_s"] is not None and r["all_caught_up_s"] <= 10
    print(
        f"[storm {r['run']}] {r['sockets']} sockets dropped ({r['drop']}); "
        f"server back after {r['server_back_s']} s\n"
        f"  caught up: {r['caught_up']}/{r['sockets']}, all after {r['all_caught_up_s']} s "
        f"(p50 {r['p50_s']} s, p99 {r['p99_s']} s, max {r['max_s']} s)"
        f"{' -- TIMED OUT' if r['timed_out'] else ''}\n"
        f"  connect attempts per socket: max {r['connects_max']}, mean {r['connects_mean']}; "
        f"{r['reconnected_at_most_twice']} of {r['sockets']} needed at most two\n"
        f"  closes: {r['closes']} (4503 busy: {r['busy_closes']}); "
        f"sync.needed heard: {r['sync_needed']}\n"
        f"  CPU over {r['window_s']} s: servers {r['server_cpu_s']} s, PostgreSQL "
        f"{r['postgres_cpu_s']} s, Redis {r['redis_cpu_s']} s, client {r['client_cpu_s']} s; "
        f"machine {r['machine_busy_pct']} % busy of {r['machine_cores']} cores "
        f"(background before: {r['background_cores_busy']} cores)\n"
        f"  target (all within 10 s, each reconnecting at most twice): "
        f"{'met' if target and r['connects_max'] <= 2 else 'not met'}; "
        f"server log errors: {r['server_log_errors']}",
        flush=True,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--storm-groups", dest="storm_groups", type=int, default=200)
    parser.add_argument("--drop", choices=("restart", "workers"), default="restart")
    parser.add_argument("--repeat", type=int, default=1, help="storms, back to back")
    parser.add_argument(
        "--backoff",
        choices=("jitter", "before"),
        default="jitter",
        help="the client's waits: room.js's full jitter and hint, or its half jitter before",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for all")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds idle before the drop")


async def run_storms(
    args: argparse.Namespace, layout: list[dict[str, Any]], out: Path
) -> list[dict[str, Any]]:
    reports = []
    for run in range(1, args.repeat + 1):
        reports.append(await storm_once(run, args, layout, out))
        (out / "storm.json").write_text(json.dumps(reports, indent=2))  # as it goes
    return reports


def run_storm_step(args: argparse.Namespace, sessions: Path, out: Path) -> list[dict[str, Any]]:
    """bench/run.py's `--only storm`: the sessions file must hold --storm-groups groups."""
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    layout = json.loads(sessions.read_text())["groups"][: args.storm_groups]
    reports = asyncio.run(run_storms(args, layout, out))
    (out / "storm.json").write_text(json.dumps(reports, indent=2))
    return reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=200, help="groups in the database")
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path)
    add_arguments(parser)
    args = parser.parse_args()
    args.storm_groups = min(args.storm_groups, args.groups)
    out = runner.results_folder(args.out, "hearth-storm-")
    sessions = out / "sessions.json"
    runner.clean_redis()
    runner.prepare_database(args, sessions)
    run_storm_step(args, sessions, out)


if __name__ == "__main__":
    main()
