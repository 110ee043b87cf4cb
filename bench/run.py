"""`make bench`: measure every page of bench/pages.py on a large generated practice.

Over real HTTP against gunicorn (as production runs it) with wrk: p50/p95/p99
latency at one connection (server time, no queueing) and throughput at a few
connections, beside a bare Django view (the floor). SQL queries per request
are counted separately, in this process, with Django's test client. Results go
to bench/results/latest.json and a markdown table on stdout.

    DATABASE_URL=postgres://... python -m bench.run [--duration 10] [--pages today]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from bench import harness


def _prepared(client, page, data, n, headers):
    """Request n of a page, its body built now so the timing leaves it out."""
    method = client.post if page.method == "POST" else client.get
    url = page.url(data)
    if page.body is None:
        return lambda: method(url, headers=headers)
    body = page.body(data, n)
    return lambda: method(url, body, headers=headers)


def in_process(pages, data, api_tokens, repeat: int = 20) -> dict[str, dict]:
    """Per page, through the whole stack in this process (Django's test client):
    SQL queries and status of one warm request, then the median wall and CPU
    time of `repeat` requests. CPU time hardly moves when other processes load
    the machine, so it is the steadier figure on a shared box.
    """
    from django.contrib.auth.models import User
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.pages import request_headers

    results = {}
    for page in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        if page.as_user in harness.BENCH_USERS and not page.token:
            client.force_login(User.objects.get(username=harness.BENCH_USERS[page.as_user]))
        headers = request_headers(page, api_tokens)
        _prepared(client, page, data, 0, headers)()  # warm caches as a worker would
        request = _prepared(client, page, data, 1, headers)
        reset_queries()  # the log's start must be this request's start (see below)
        with CaptureQueriesContext(connection) as captured:
            response = request()
        # Read now: every request start clears the connection's query log.
        queries = len(captured.captured_queries)
        walls, cpus = [], []
        for n in range(2, repeat + 2):
            # Built just before it is sent: a note body carries the current version.
            request = _prepared(client, page, data, n, headers)
            wall, cpu = time.perf_counter(), time.process_time()
            request()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        results[page.name] = {
            "queries": queries,
            "status": response.status_code,
            "in_process_ms": round(statistics.median(walls) * 1000, 1),
            "cpu_ms": round(statistics.median(cpus) * 1000, 1),
        }
    return results


# POST bodies per wrk run: more than a run sends, each used once (the in-process
# measurement used the first few running numbers).
BODIES_PER_RUN = 2000
FIRST_WRK_BODY = 100


def settle(server, *, window_s: float = 0.2, limit_s: float = 120) -> None:
    """Wait until the server has finished the requests of the page before.

    wrk stops at its duration, but the requests it had in flight run on: after
    a page of 3.5 s requests (the recall list on the chain) the next page's
    first requests queued behind them for 2.4 s, and wrk's latency correction
    made that its p95. Done means the workers used (almost) no CPU for a
    moment and no query of theirs is running: a request waiting on PostgreSQL
    uses no CPU of its own.
    """
    from django.db import connection

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        cpu = harness.cpu_seconds(server.process.pid)
        time.sleep(window_s)
        working = harness.cpu_seconds(server.process.pid) - cpu > window_s / 10
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND pid <> pg_backend_pid()"
            )
            querying = cursor.fetchone()[0]
        if not working and not querying:
            return


def measure(server, page, data, sessions, api_tokens, *, duration, connections) -> dict:
    from bench.pages import request_headers

    session = None if page.token else sessions.get(page.as_user)
    headers = request_headers(page, api_tokens)
    env = {
        "BENCH_METHOD": page.method,
        "BENCH_COOKIE": session.cookie if session else "",
        "BENCH_CSRF": session.csrf if session else "",
        "BENCH_HEADERS": "|".join(f"{k}: {v}" for k, v in headers.items()),
        "BENCH_CHAIN_VERSION": "1" if page.chain_version else "",
    }
    url = server.base + page.url(data)
    runs = iter(range(FIRST_WRK_BODY, 10**9, BODIES_PER_RUN))

    def run(**kwargs):
        if not page.body:
            return harness.run_wrk(url, script="wrk_report.lua", env=env, **kwargs)
        # Bodies are built just before their run (a note body reads the current version).
        first = next(runs)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as bodies:
            for n in range(first, first + BODIES_PER_RUN):
                bodies.write(urlencode(page.body(data, n), doseq=True) + "\n")
        try:
            return harness.run_wrk(
                url, script="wrk_report.lua", env={**env, "BENCH_BODIES": bodies.name}, **kwargs
            )
        finally:
            os.unlink(bodies.name)

    settle(server)
    run(connections=2, duration=1)  # warm-up
    latency = run(connections=1, duration=duration)
    load = run(connections=connections, threads=2, duration=duration)
    return {
        "p50_ms": latency["p50_us"] / 1000,
        "p95_ms": latency["p95_us"] / 1000,
        "p99_ms": latency["p99_us"] / 1000,
        "requests": latency["requests"],
        "rps": round(load["requests"] / (load["duration_us"] / 1e6), 1),
        "rps_connections": connections,
        "errors": latency["non_2xx_3xx"] + load["non_2xx_3xx"] + load["timeouts"],
        "bad_answers": bad_answers(latency, load),
    }


def bad_answers(*runs) -> dict[str, dict]:
    """The POST answers of 400 and above of wrk runs, by status: how many, and
    the message of the first (a count alone left 8 bad bookings unexplained)."""
    merged: dict[str, dict] = {}
    for figures in runs:
        for status, seen in figures.get("bad", {}).items():
            entry = merged.setdefault(status, {"count": 0, "sample": seen["sample"]})
            entry["count"] += seen["count"]
    return merged


def describe_bad(bad: dict[str, dict]) -> str:
    """ "400 x8: Sorry, someone has just booked that time..." per status."""
    return "; ".join(
        f"{status} x{entry['count']}: {entry['sample']}".rstrip(": ")
        for status, entry in sorted(bad.items())
    )


def table(rows) -> str:
    lines = [
        "| page | p50 ms | p95 ms | p99 ms | req/s | x floor (p50) | in-process ms | CPU ms "
        "| queries | budget p95 ms | budget queries | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} "
            f"| {r['rps']:.0f} | {r['floor_ratio']:.1f} | {r['in_process_ms']:.1f} "
            f"| {r['cpu_ms']:.1f} | {r['queries']} "
            f"| {r['budget_ms'] or '-'} | {r['max_queries'] or '-'} | {r['verdict']} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=4, help="for the throughput run")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8105)))
    parser.add_argument("--pages", default="", help="only pages whose name contains this")
    parser.add_argument("--output", default="latest.json")
    parser.add_argument("--strict", action="store_true", help="fail on a time budget too")
    args = parser.parse_args(argv)

    harness.setup_django()
    from bench.pages import PAGES, bench_api_tokens, load_bench_data

    counts = harness.ensure_practice(args.scale, args.seed)
    pages = [p for p in PAGES if args.pages in p.name or p.name.startswith("floor")]
    data = load_bench_data()
    machine = harness.machine()
    harness.collectstatic()
    api_tokens = bench_api_tokens({p.as_user for p in pages if p.token})

    rows = []
    with harness.Server(args.port, args.workers) as server:
        sessions = harness.sign_in_all(
            args.port, [p.as_user for p in pages if p.as_user and not p.token]
        )
        for page in pages:
            print(f"  {page.name}: {page.method} {page.url(data)}", flush=True)
            # In process just before its wrk runs, so both see the same rows: the
            # API intakes list lists what the intake POSTs wrote, and measured
            # before any page ran it was empty (8.4 ms in process, 22.8 at p50).
            settle(server)
            measured = in_process([page], data, api_tokens)
            figures = measure(
                server,
                page,
                data,
                sessions,
                api_tokens,
                duration=args.duration,
                connections=args.connections,
            )
            rows.append(
                {
                    "name": page.name,
                    "method": page.method,
                    "url": page.url(data),
                    "as_user": page.as_user,
                    "budget_ms": page.budget_ms,
                    "max_queries": page.max_queries,
                    **measured[page.name],
                    **figures,
                }
            )

    # Signed-in pages compare with the signed-in floor (it pays for the session).
    signed_in = {r["name"]: r["as_user"] in harness.BENCH_USERS for r in rows}
    floors = {signed_in[r["name"]]: r["p50_ms"] for r in rows if r["name"].startswith("floor")}
    failures = []
    for r in rows:
        r["floor_ratio"] = r["p50_ms"] / floors.get(signed_in[r["name"]], r["p50_ms"])
        problems = []
        if r["status"] != next(p.expect_status for p in pages if p.name == r["name"]):
            problems.append(f"status {r['status']}")
        if r["errors"]:
            why = describe_bad(r.get("bad_answers", {}))
            problems.append(f"{r['errors']} bad responses" + (f" ({why})" if why else ""))
        if r["max_queries"] is not None and r["queries"] > r["max_queries"]:
            problems.append("queries")
        slow = r["budget_ms"] is not None and r["p95_ms"] > r["budget_ms"]
        if problems or (slow and args.strict):
            failures.append(r["name"])
        if slow:
            problems.append("p95 over budget")
        r["verdict"] = ", ".join(problems) or "ok"

    payload = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine, "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "practice": counts,
        "gunicorn_workers": args.workers,
        "wrk": {
            "duration_s": args.duration,
            "latency_connections": 1,
            "throughput_connections": args.connections,
        },
        "pages": rows,
    }
    path = harness.write_json(args.output, payload)
    print()
    print(
        f"{payload['date']} | {machine['nproc']} cores, {machine['memory_gib']} GiB, "
        f"PostgreSQL {machine['postgresql']} | {args.workers} gunicorn workers | {counts} | "
        f"load average {machine['load_average_before'][0]} before, "
        f"{payload['machine']['load_average_after'][0]} after"
    )
    print(table(rows))
    print(f"\nWritten to {harness.shown(path)}")
    if failures:
        print(f"FAILED: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    print(f"({time.monotonic() - started:.0f} s)")
    sys.exit(code)
