"""The room page alone, in one process: CPU per request for a signed-in member.

    .venv/bin/python bench/page.py [--requests 200] [--rounds 3] [--reuse] [--profile out.txt]

It prepares the benchmark's database as bench/run.py does (`hearth_bench`, two
groups of ten, the first with `--history` messages), then fetches the first
group's room page `--requests` times through Django's test client with the
production settings bench/run.py gives its servers (DEBUG off, PostgreSQL, the
Redis cache), after 20 requests of warm-up. It prints, per round, the process's
CPU per request (the view, its queries' client side, the template), the wall
time p50 and the page's size. No server, socket or load generator stands
between: a change to the view or its templates shows here in seconds, where
bench/run.py's room-page step (HTTP, two workers, the machine shared with the
client) needs minutes and moves by a factor of two between runs.

`--profile FILE` writes cProfile's top functions by cumulative time for one
more round of the same requests.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as runner  # noqa: E402  (the database and the servers' environment)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--history", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="keep the database of a last run")
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()

    sessions = Path(tempfile.gettempdir()) / "hearth-bench-page.json"
    if not (args.reuse and sessions.exists()):
        runner.clean_redis()
        runner.prepare_database(
            argparse.Namespace(groups=2, size=10), sessions, history=args.history
        )
    os.environ.update(runner.hearth_env())

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    group = json.loads(sessions.read_text())["groups"][0]
    client = Client()
    name, _, value = group["members"][1]["cookie"].partition("=")
    client.cookies[name] = value
    path = f"/groups/{group['slug']}/"

    def fetch() -> int:
        response = client.get(path, HTTP_HOST="127.0.0.1")
        if response.status_code != 200:
            sys.exit(f"bench/page.py: {path} answered {response.status_code}")
        return len(response.content)

    assert not settings.DEBUG
    for _ in range(20):
        size = fetch()
    for round_ in range(1, args.rounds + 1):
        walls = []
        cpu = time.process_time()
        for _ in range(args.requests):
            began = time.perf_counter()
            fetch()
            walls.append(time.perf_counter() - began)
        per = (time.process_time() - cpu) / args.requests
        print(
            f"round {round_}: {per * 1000:.1f} ms CPU per request, "
            f"p50 {statistics.median(walls) * 1000:.1f} ms, {size / 1024:.1f} KB"
        )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            fetch()
        profile.disable()
        with args.profile.open("w") as out:
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(80)
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(40)
        print(f"profile in {args.profile}")


if __name__ == "__main__":
    main()
