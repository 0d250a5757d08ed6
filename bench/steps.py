"""The connect and room-page steps: what a person waits for before the first message.

bench/run.py calls them while a configuration's servers are up, after the message load
(so that load's idle-memory reading starts from fresh servers, as before):

- connect_step: open N room sockets, as many at a time as the load does, each timed
  from the start of its handshake to its first frame (Hearth's `hello`; the tutorial
  sends nothing on connect, so its accept); the total wall time, p50/p99, and server,
  PostgreSQL and Redis CPU per connect. The sockets are then closed.
- http_step: C keep-alive connections fetch one room page back to back for S seconds
  (after a short warm-up that is not counted): requests/s, p50/p99, and CPU per request.

CPU is read from /proc as bench/chat_load.py reads it, before and after each step.
The HTTP client is a few lines over asyncio streams: no dependency, and it costs the
servers nothing a browser's request would not.
"""

import asyncio
import contextlib
import time
from collections import Counter
from typing import Any

from bench.chat_load import (
    cpu_by_pid,
    cpu_seconds,
    cpu_since,
    ms,
    open_socket,
    own_cpu,
    percentile,
    pid_tree,
    service_pids,
)


def server_pids(roots: list[int]) -> list[int]:
    return [pid for root in roots for pid in pid_tree(root)]


class CpuMeter:
    """CPU spent since it was made: the servers', PostgreSQL's, Redis's and this client's."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.client, self.server = own_cpu(), cpu_seconds(pids)
        self.postgres = cpu_by_pid(service_pids("postgres"))
        self.redis = cpu_by_pid(service_pids("redis-server"))

    def spent(self) -> dict[str, float]:
        return {
            "client": own_cpu() - self.client,
            "server": cpu_seconds(self.pids) - self.server,
            "postgres": cpu_since(self.postgres, "postgres"),
            "redis": cpu_since(self.redis, "redis-server"),
        }


def cpu_figures(spent: dict[str, float], count: int, unit: str) -> dict[str, float | None]:
    """CPU per operation in ms, for each process kind."""
    return {
        f"{name}_cpu_ms_per_{unit}": round(seconds / count * 1000, 3) if count else None
        for name, seconds in spent.items()
    }


def latency_figures(seconds: list[float]) -> dict[str, float | None]:
    ordered = sorted(seconds)
    return {
        "p50_ms": ms(percentile(ordered, 50)),
        "p99_ms": ms(percentile(ordered, 99)),
        "max_ms": ms(ordered[-1] if ordered else None),
    }


# --- Connect -----------------------------------------------------------------------


def socket_targets(
    protocol: str, urls: list[str], groups: list[dict[str, Any]], n: int
) -> list[tuple[str, str]]:
    """N (url, cookie) pairs, spread over the groups and their members as the load is."""
    targets = []
    for i in range(n):
        group = groups[i % len(groups)]
        members = group["members"]
        member = members[(i // len(groups)) % len(members)]
        path = (
            f"/ws/groups/{group['slug']}/"
            if protocol == "hearth"
            else f"/ws/chat/g{i % len(groups)}/"
        )
        targets.append((urls[i % len(urls)] + path, member["cookie"]))
    return targets


async def connect_step(
    targets: list[tuple[str, str]], protocol: str, concurrency: int, pids: list[int]
) -> dict[str, Any]:
    gate = asyncio.Semaphore(concurrency)
    times: list[float] = []
    sockets = []

    async def one(url: str, cookie: str) -> None:
        async with gate:
            began = time.perf_counter()
            ws = await open_socket(url, cookie, protocol)
            times.append(time.perf_counter() - began)
            sockets.append(ws)

    meter, began = CpuMeter(pids), time.perf_counter()
    results = await asyncio.gather(*(one(u, c) for u, c in targets), return_exceptions=True)
    total, spent = time.perf_counter() - began, meter.spent()
    failures = Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {
        "sockets": len(targets),
        "opened": len(times),
        "failures": dict(failures),
        "concurrency": concurrency,
        "total_s": round(total, 2),
        **latency_figures(times),
        **cpu_figures(spent, len(times), "connect"),
    }


# --- HTTP --------------------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, body bytes, keep-alive) of one HTTP/1.1 response."""
    status = int((await reader.readline()).split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    if headers.get("transfer-encoding") == "chunked":
        size = 0
        while chunk := int((await reader.readline()).split(b";")[0], 16):
            size += len(await reader.readexactly(chunk + 2)) - 2
        await reader.readline()  # the empty trailer
    else:
        size = len(await reader.readexactly(int(headers.get("content-length", "0"))))
    return status, size, headers.get("connection") != "close"


async def fetch_loop(
    host: str, port: int, request: bytes, until: float, tally: dict[str, Any]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < until:
            began = time.perf_counter()
            writer.write(request)
            status, size, keep = await read_response(reader)
            tally["latencies"].append(time.perf_counter() - began)
            tally["statuses"][status] += 1
            tally["bytes"] = size
            if not keep:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def fetch_for(
    servers: list[tuple[str, int]], request: bytes, connections: int, seconds: float
) -> dict[str, Any]:
    tally: dict[str, Any] = {"latencies": [], "statuses": Counter(), "bytes": 0}
    until = time.perf_counter() + seconds
    await asyncio.gather(
        *(fetch_loop(*servers[i % len(servers)], request, until, tally) for i in range(connections))
    )
    return tally


async def http_step(
    servers: list[tuple[str, int]],
    path: str,
    cookie: str,
    connections: int,
    seconds: float,
    pids: list[int],
) -> dict[str, Any]:
    host, port = servers[0]
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: text/html"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    # Templates compile and connections open on the first requests: not counted.
    await fetch_for(servers, request, connections, min(2.0, seconds))
    meter, began = CpuMeter(pids), time.perf_counter()
    tally = await fetch_for(servers, request, connections, seconds)
    elapsed, spent = time.perf_counter() - began, meter.spent()
    count = len(tally["latencies"])
    return {
        "path": path,
        "connections": connections,
        "requests": count,
        "statuses": {str(k): v for k, v in tally["statuses"].items()},
        "all_ok": count > 0 and tally["statuses"][200] == count,
        "page_bytes": tally["bytes"],
        "requests_per_s": round(count / elapsed, 1),
        **latency_figures(tally["latencies"]),
        "server_cpu_cores": round(spent["server"] / elapsed, 3),
        **cpu_figures(spent, count, "request"),
    }


def run_async(coroutine: Any) -> Any:
    """uvloop when installed, as bench/chat_load.py runs its clients."""
    try:
        import uvloop

        return uvloop.run(coroutine)
    except ImportError:
        return asyncio.run(coroutine)
