"""Chat load generator: N WebSocket clients in M groups sending at a fixed total rate.

    python bench/chat_load.py --protocol hearth --url ws://127.0.0.1:8765 \\
        --sessions sessions.json --steps 50:30,100:15,200:15 --server-pid 1234

Against a running server (Hearth, or the tutorial baseline in bench/baseline/),
it connects every client, measures the server's idle memory per connection,
then for each step `RATE:SECONDS` sends RATE messages per second in total
(round-robin over the groups, each group's members in turn) and measures, at
every other member of the sender's group:

- send-to-receive latency (p50, p95, p99, max), and deliveries per second;
- messages lost (an expected delivery that never came) and duplicated;
- the server processes' CPU, PostgreSQL's and Redis's, and the whole machine's, from /proc.

A step passes when p99 <= --p99-limit ms with nothing lost or duplicated; the
run stops at the first step that fails (the last passing rate is the knee).
Results go to stdout and, as JSON, to --json.

Clients run in one asyncio process (uvloop when installed); message bodies
carry a marker and a number, so a frame is matched without parsing its JSON.
"""

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

MARK = "qzx"  # message bodies are MARK + 9 digits; nothing else a server sends contains it
# Hearth replays a known client_id (acks it again, broadcasts nothing): every run
# needs its own ids, since runs may share a database.
RUN = uuid.uuid4().hex[:8]
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
BENCH_DATABASE = "hearth_bench"  # bench/run.py's DB_NAME: its backends are the bench's own


# --- /proc readings ----------------------------------------------------------------


def pid_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (uvicorn --workers runs one child per worker)."""
    found = [pid]
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for text in children.read_text().split():
                found.extend(pid_tree(int(text)))
    return list(dict.fromkeys(found))


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def service_pids(name: str, serving: str = "") -> list[int]:
    """The processes named `name` (postgres, redis-server): what Hearth pays beside its own.

    With `serving`, only those whose title names it: PostgreSQL's backends of one
    database, the bench's own share while other sessions use the same server.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name and (
                    not serving or f" {serving} " in (entry / "cmdline").read_text()
                ):
                    found.append(int(entry.name))
    return found


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    return {pid: cpu_seconds([pid]) for pid in pids}


def cpu_since(before: dict[int, float], name: str, serving: str = "") -> float:
    """CPU of the processes named `name` since `before` (those that exited are not counted)."""
    now = cpu_by_pid(service_pids(name, serving))
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in now.items())


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- Clients -------------------------------------------------------------------------


def room_socket(url: str, cookie: str, **options: Any) -> connect:
    """A room socket's connection, to await or to enter with `async with`.

    Every bench client connects with these options (this load, the connect step,
    the storm): the page's origin and cookie, no compression, proxy or pings, and
    an unbounded queue, so a slow reader is measured rather than cut off.
    """
    origin = url.replace("ws://", "http://", 1).split("/ws/", 1)[0]
    headers = {"Origin": origin}
    if cookie:
        headers["Cookie"] = cookie
    return connect(
        url,
        additional_headers=headers,
        compression=None,
        proxy=None,
        open_timeout=60,
        max_queue=None,
        ping_interval=None,
        **options,
    )


async def open_socket(url: str, cookie: str, protocol: str) -> ClientConnection:
    """Open a room socket and wait until it is set up: Hearth's hello, the tutorial's accept."""
    ws = await room_socket(url, cookie)
    if protocol == "hearth":
        while True:  # the hello frame: the socket is fully set up
            text = await asyncio.wait_for(ws.recv(), 60)
            if str(text).startswith('{"type":"hello"'):
                break
    return ws


@dataclass
class Client:
    index: int
    group: int
    slot: int  # position in its group
    url: str
    cookie: str = ""
    ws: ClientConnection | None = None
    closed_code: int | None = None


@dataclass
class Sent:
    at: float
    group: int
    slot: int
    measured: bool
    received: int = 0  # bitmask of slots that received it
    duplicates: int = 0


@dataclass
class Tally:
    sent: dict[int, Sent] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    ack_latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    deliveries: int = 0
    expected: int = -1  # known once sending ends
    done: asyncio.Event = field(default_factory=asyncio.Event)


class Load:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.protocol = args.protocol
        self.clients: list[Client] = []
        self.groups: list[list[Client]] = []
        self.tally = Tally()
        self.counter = 0
        self.closes: dict[int, int] = {}
        self.urls = args.url

    def build(self) -> None:
        if self.protocol == "hearth":
            data = json.loads(Path(self.args.sessions).read_text())
            layout = [
                (g["slug"], [m["cookie"] for m in g["members"]])
                for g in data["groups"][: self.args.groups]
            ]
        else:
            layout = [(f"g{g}", [""] * self.args.size) for g in range(self.args.groups)]
        for g, (slug, cookies) in enumerate(layout):
            members = []
            for slot, cookie in enumerate(cookies[: self.args.size]):
                index = len(self.clients)
                base = self.urls[index % len(self.urls)]
                path = f"/ws/groups/{slug}/" if self.protocol == "hearth" else f"/ws/chat/{slug}/"
                client = Client(index, g, slot, base + path, cookie)
                self.clients.append(client)
                members.append(client)
            self.groups.append(members)

    async def connect_all(self) -> None:
        gate = asyncio.Semaphore(self.args.connect_concurrency)

        async def one(client: Client) -> None:
            async with gate:
                client.ws = await open_socket(client.url, client.cookie, self.protocol)

        await asyncio.gather(*(one(c) for c in self.clients))

    async def read(self, client: Client) -> None:
        assert client.ws is not None
        try:
            async for text in client.ws:
                now = time.perf_counter()
                tally = self.tally  # a new one per step
                if not isinstance(text, str):
                    continue
                i = text.find(MARK)
                if self.protocol == "hearth":
                    if text.startswith('{"type":"message.ack"'):
                        if i >= 0:
                            sent = tally.sent.get(int(text[i + 3 : i + 12]))
                            if sent is not None and sent.measured:
                                tally.ack_latencies.append(now - sent.at)
                        continue
                    if text.startswith('{"type":"error"'):
                        code = json.loads(text).get("code", "?")
                        tally.errors[code] = tally.errors.get(code, 0) + 1
                        continue
                    if not text.startswith('{"type":"message.new"'):
                        continue
                if i < 0:
                    continue
                sent = tally.sent.get(int(text[i + 3 : i + 12]))
                if sent is None or client.slot == sent.slot:
                    continue  # not ours, or the sender's own copy
                bit = 1 << client.slot
                if sent.received & bit:
                    sent.duplicates += 1
                    continue
                sent.received |= bit
                tally.deliveries += 1
                if tally.deliveries == tally.expected:
                    tally.done.set()
                if sent.measured:
                    tally.latencies.append(now - sent.at)
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else 1006
            client.closed_code = code
            self.closes[code] = self.closes.get(code, 0) + 1

    def frame(self, number: int) -> str:
        body = f"{MARK}{number:09d}"
        if self.protocol == "hearth":
            client_id = f"{RUN}-{body}"
            return json.dumps({"type": "message.send", "client_id": client_id, "body": body})
        return json.dumps({"message": body})

    async def run_step(self, rate: float, seconds: float) -> dict[str, Any]:
        self.tally = tally = Tally()
        total = int(rate * seconds)
        warm = int(rate * self.args.warmup)
        pids = self.server_pids()
        # Per process: one that exits mid-step would otherwise count negative.
        postgres0 = cpu_by_pid(service_pids("postgres"))
        redis0 = cpu_by_pid(service_pids("redis-server"))
        bench_db0 = cpu_by_pid(service_pids("postgres", BENCH_DATABASE))
        cpu0, busy0, own0 = cpu_seconds(pids), machine_busy(), own_cpu()
        started = time.perf_counter()
        late = 0.0
        group_count = len(self.groups)
        for k in range(total):
            due = started + k / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                late = max(late, -delay)
            group = self.groups[k % group_count]
            sender = group[(k // group_count) % len(group)]
            if sender.ws is None or sender.closed_code is not None:
                continue
            self.counter += 1
            number = self.counter
            tally.sent[number] = Sent(time.perf_counter(), sender.group, sender.slot, k >= warm)
            with contextlib.suppress(ConnectionClosed):
                await sender.ws.send(self.frame(number))
        sending = time.perf_counter() - started
        # Drain: wait for the expected deliveries (or give up after --drain seconds).
        expected = sum(len(self.groups[s.group]) - 1 for s in tally.sent.values())
        tally.expected = expected
        if tally.deliveries < expected:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tally.done.wait(), self.args.drain)
        elapsed = time.perf_counter() - started
        cpu1, busy1, own1 = cpu_seconds(pids), machine_busy(), own_cpu()
        postgres_cpu = cpu_since(postgres0, "postgres")
        redis_cpu = cpu_since(redis0, "redis-server")
        bench_db_cpu = cpu_since(bench_db0, "postgres", BENCH_DATABASE)
        lat = sorted(tally.latencies)
        lost = expected - tally.deliveries
        dup = sum(s.duplicates for s in tally.sent.values())
        result = {
            "rate": rate,
            "seconds": seconds,
            "sent": len(tally.sent),
            "expected_deliveries": expected,
            "deliveries": tally.deliveries,
            "deliveries_per_s": round(tally.deliveries / sending, 1),
            "lost": lost,
            "duplicated": dup,
            "errors": tally.errors,
            "closed": dict(self.closes),
            "sender_late_max_ms": round(late * 1000, 1),
            "p50_ms": ms(percentile(lat, 50)),
            "p95_ms": ms(percentile(lat, 95)),
            "p99_ms": ms(percentile(lat, 99)),
            "max_ms": ms(lat[-1] if lat else None),
            "mean_ms": ms(statistics.fmean(lat) if lat else None),
            "ack_p50_ms": ms(percentile(sorted(tally.ack_latencies), 50)),
            "ack_p99_ms": ms(percentile(sorted(tally.ack_latencies), 99)),
            "server_cpu_cores": round((cpu1 - cpu0) / elapsed, 3),
            "server_cpu_us_per_delivery": (
                round((cpu1 - cpu0) / tally.deliveries * 1e6, 1) if tally.deliveries else None
            ),
            "client_cpu_cores": round((own1 - own0) / elapsed, 3),
            "postgres_cpu_cores": round(postgres_cpu / elapsed, 3),
            "redis_cpu_cores": round(redis_cpu / elapsed, 3),
            # Only the backends of the bench's database (the figure above is all of them).
            "postgres_bench_cpu_cores": round(bench_db_cpu / elapsed, 3),
            "machine_busy_pct": round(100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 1),
        }
        p99 = result["p99_ms"]
        result["passed"] = bool(
            lost == 0
            and dup == 0
            and p99 is not None
            and p99 <= self.args.p99_limit
            and not self.closes
        )
        return result

    def server_pids(self) -> list[int]:
        pids: list[int] = []
        for pid in self.args.server_pid:
            pids.extend(pid_tree(pid))
        return pids


def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    rank = max(0, min(len(values) - 1, round(pct / 100 * len(values) + 0.5) - 1))
    return values[rank]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


def parse_steps(text: str) -> list[tuple[float, float]]:
    steps = []
    for part in filter(None, text.split(",")):
        rate, _, seconds = part.partition(":")
        steps.append((float(rate), float(seconds or 15)))
    return steps


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    load = Load(args)
    load.build()
    pids = load.server_pids()
    report: dict[str, Any] = {
        "protocol": args.protocol,
        "label": args.label,
        "clients": len(load.clients),
        "groups": len(load.groups),
        "server_pids": pids,
    }
    rss_before = rss_bytes(pids)
    began = time.perf_counter()
    await load.connect_all()
    report["connect_seconds"] = round(time.perf_counter() - began, 1)
    readers = [asyncio.create_task(load.read(c)) for c in load.clients]
    await asyncio.sleep(args.settle)
    rss_after = rss_bytes(pids)
    report["server_rss_mb_before"] = round(rss_before / 2**20, 1)
    report["server_rss_mb_connected"] = round(rss_after / 2**20, 1)
    report["idle_kb_per_connection"] = round((rss_after - rss_before) / 1024 / len(load.clients), 1)
    log(
        f"[{args.label}] {len(load.clients)} clients in {len(load.groups)} groups connected in "
        f"{report['connect_seconds']} s; server RSS {report['server_rss_mb_before']} -> "
        f"{report['server_rss_mb_connected']} MB = {report['idle_kb_per_connection']} KB/connection"
    )
    report["steps"] = []
    for rate, seconds in parse_steps(args.steps):
        result = await load.run_step(rate, seconds)
        report["steps"].append(result)
        log(
            f"[{args.label}] {rate:g} msg/s x {seconds:g} s: "
            f"p50 {result['p50_ms']} p95 {result['p95_ms']} p99 {result['p99_ms']} "
            f"max {result['max_ms']} ms; {result['deliveries_per_s']} deliveries/s; "
            f"lost {result['lost']} dup {result['duplicated']} errors {result['errors']} "
            f"closed {result['closed']}; server CPU {result['server_cpu_cores']} cores "
            f"({result['server_cpu_us_per_delivery']} us/delivery), client "
            f"{result['client_cpu_cores']}, PostgreSQL {result['postgres_cpu_cores']} "
            f"({result['postgres_bench_cpu_cores']} for {BENCH_DATABASE}), "
            f"Redis {result['redis_cpu_cores']}, "
            f"machine {result['machine_busy_pct']}% "
            f"-> {'pass' if result['passed'] else 'FAIL'}"
        )
        if not result["passed"] and args.stop_on_fail:
            break
        await asyncio.sleep(args.pause)
    passing = [s["rate"] for s in report["steps"] if s["passed"]]
    report["knee"] = max(passing) if passing else 0
    for client in load.clients:
        if client.ws is not None:
            with contextlib.suppress(Exception):
                await client.ws.close()
    for task in readers:
        task.cancel()
    return report


def log(text: str) -> None:
    print(text, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocol", choices=["hearth", "baseline"], default="hearth")
    parser.add_argument(
        "--url", action="append", required=True,
        help="ws://host:port of a server; repeat to spread clients over several",
    )  # fmt: skip
    parser.add_argument("--sessions", help="JSON written by bench/setup_data.py (hearth)")
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--steps", default="50:30", help="RATE:SECONDS,... messages/s in total")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds not measured per step")
    parser.add_argument("--drain", type=float, default=5.0)
    parser.add_argument("--pause", type=float, default=2.0)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--p99-limit", type=float, default=100.0)
    parser.add_argument("--stop-on-fail", action="store_true")
    parser.add_argument("--connect-concurrency", type=int, default=20)
    parser.add_argument("--server-pid", type=int, action="append", default=[])
    parser.add_argument("--label", default="")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.label = args.label or args.protocol
    raise_file_limit()
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    report = runner(main_async(args))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    json.dump({"label": report["label"], "knee": report["knee"]}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
