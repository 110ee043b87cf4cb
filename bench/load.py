"""`make loadtest`: many users at once on gunicorn, then check the database.

50 concurrent connections for 60 s send a weighted mix of `ACTIONS` (pages of
bench/pages.py, each as its own signed-in user). Afterwards: no 5xx answers
(from wrk and from gunicorn's access log, per path) and no double booking
(overlapping active appointments per therapist and per room, in SQL).

A write action (booking) is one more `Action` naming its `Page`; the page's
`body(data, n)` gives each of the `variants` requests its own POST body, so
concurrent bookings compete for the same and for different slots. A second
phase sends 50 anonymous online bookers at once after the same 20 slots
(`ONLINE_ACTIONS`); `--phase desk|online` runs one of the two.

    DATABASE_URL=postgres://... python -m bench.load [--users 50] [--duration 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

from bench import harness


@dataclass(frozen=True)
class Action:
    page: str  # a Page name from bench/pages.py
    weight: int
    variants: int = 1  # distinct requests (POST bodies) drawn for this action


# Bookings draw from BOOKING_SLOTS slots, so of the many concurrent POSTs for
# one slot exactly one may win; the others must get the clash message (200),
# never a 500, and the double-booking check afterwards must find nothing.
BOOKING_SLOTS = 40

ACTIONS = [
    Action("booking POST", weight=4, variants=BOOKING_SLOTS),
    Action("availability: 14 days, one service, all therapists", weight=2),
    Action("client search as you type (htmx)", weight=3),
    Action("client chart (owner, busiest client)", weight=2),
    Action("calendar day (front desk)", weight=2),
    Action("today (front desk)", weight=2),
    Action("today (therapist)", weight=2),
    Action("floor, signed in", weight=1),
    Action("login page", weight=1),
    Action("healthz", weight=1),
]

# Then 50 online bookers (anonymous visitors) at once, all for the same
# ONLINE_SLOTS slots, a few looking at the slot page: each slot goes to one
# of them, the rest are told it was just taken.
ONLINE_SLOTS = 20

ONLINE_ACTIONS = [
    Action("online booking POST (new client)", weight=4, variants=ONLINE_SLOTS),
    Action("online slot page: 7 days, one service, anyone", weight=1),
]

POOL_SIZE = 1000


def request_lines(actions, pages_by_name, data, sessions) -> list[str]:
    """POOL_SIZE tab-separated requests, each action in proportion to its weight."""
    total = sum(a.weight for a in actions)
    lines = []
    for action in actions:
        page = pages_by_name[action.page]
        session = sessions.get(page.as_user)
        for n in range(max(1, round(POOL_SIZE * action.weight / total))):
            body = page.body(data, n % action.variants) if page.body else None
            body = urlencode(body, doseq=True) if body else ""
            lines.append(
                "\t".join(
                    [
                        page.method,
                        page.url(data),
                        session.cookie if session else "",
                        session.csrf if session else "",
                        body,
                        "|".join(f"{k}: {v}" for k, v in page.headers.items()),
                    ]
                )
            )
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=50, help="concurrent connections")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8105)))
    parser.add_argument(
        "--phase",
        choices=["all", "desk", "online"],
        default="all",
        help="the staff mix, the online bookers, or both one after the other",
    )
    args = parser.parse_args(argv)

    harness.setup_django()
    from django.utils import timezone

    from bench.checks import booked_since, double_bookings
    from bench.pages import PAGES, load_bench_data

    counts = harness.ensure_practice(args.scale, args.seed)
    pages_by_name = {p.name: p for p in PAGES}
    missing = [a.page for a in ACTIONS if a.page not in pages_by_name]
    if missing:
        sys.exit(f"Actions name unknown pages: {missing}")
    data = load_bench_data(slots=BOOKING_SLOTS)
    harness.collectstatic()
    before = double_bookings()
    started = timezone.now()

    def phase(server, actions):
        personas = [pages_by_name[a.page].as_user for a in actions]
        sessions = harness.sign_in_all(args.port, [p for p in personas if p])
        lines = request_lines(actions, pages_by_name, data, sessions)
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as pool:
            pool.write("\n".join(lines) + "\n")
        print(
            f"{args.users} connections for {args.duration:.0f} s on {args.workers} workers, "
            f"mix: {', '.join(f'{a.page} x{a.weight}' for a in actions)}",
            flush=True,
        )
        try:
            return harness.run_wrk(
                server.base + "/",
                script="wrk_mix.lua",
                connections=args.users,
                threads=2,
                duration=args.duration,
                env={"BENCH_REQUESTS": pool.name},
            )
        finally:
            os.unlink(pool.name)

    with harness.Server(args.port, args.workers) as server:
        offset = server.log_offset()
        figures = phase(server, ACTIONS) if args.phase in ("all", "desk") else None
        online_started = timezone.now()
        online = phase(server, ONLINE_ACTIONS) if args.phase in ("all", "online") else None
        by_path = server.statuses_since(offset)

    after = double_bookings()
    online_booked = booked_since(online_started) if online else 0
    if figures is None:
        figures = online
    server_errors = {
        f"{path} {status}": n for (path, status), n in sorted(by_path.items()) if status >= 500
    }
    statuses = {int(k): v for k, v in figures["statuses"].items()}
    wrk_5xx = sum(n for code, n in statuses.items() if code >= 500)
    online_statuses = {int(k): v for k, v in online["statuses"].items()} if online else {}
    wrk_5xx += sum(n for code, n in online_statuses.items() if code >= 500)
    payload = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": harness.machine(),
        "practice": counts,
        "users": args.users,
        "duration_s": args.duration,
        "gunicorn_workers": args.workers,
        "actions": [a.__dict__ for a in ACTIONS],
        "requests": figures["requests"],
        "rps": round(figures["requests"] / (figures["duration_us"] / 1e6), 1),
        "p50_ms": figures["p50_us"] / 1000,
        "p95_ms": figures["p95_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "timeouts": figures["timeouts"],
        "statuses": statuses,
        "server_errors_by_path": server_errors,
        "double_bookings_before": before,
        "double_bookings_after": after,
        "online": online
        and {
            "actions": [a.__dict__ for a in ONLINE_ACTIONS],
            "requests": online["requests"],
            "rps": round(online["requests"] / (online["duration_us"] / 1e6), 1),
            "p50_ms": online["p50_us"] / 1000,
            "p95_ms": online["p95_us"] / 1000,
            "p99_ms": online["p99_us"] / 1000,
            "timeouts": online["timeouts"],
            "statuses": online_statuses,
            "bookings_made": online_booked,
            "contested_slots": ONLINE_SLOTS,
        },
    }
    # One phase alone writes its own file, so the full run's stays as it was.
    output = "load-latest.json" if args.phase == "all" else f"load-{args.phase}-latest.json"
    path = harness.write_json(output, payload)
    print(
        f"{payload['requests']} requests, {payload['rps']} req/s, p50 {payload['p50_ms']:.0f} ms, "
        f"p95 {payload['p95_ms']:.0f} ms, p99 {payload['p99_ms']:.0f} ms; statuses {statuses}"
    )
    print(
        f"5xx: {wrk_5xx} (access log: {server_errors or 'none'}); timeouts: {figures['timeouts']}"
    )
    if online:
        o = payload["online"]
        print(
            f"online bookers: {o['requests']} requests, {o['rps']} req/s, "
            f"p95 {o['p95_ms']:.0f} ms; "
            f"statuses {online_statuses}; bookings made: {online_booked} "
            f"(of {ONLINE_SLOTS} contested slots)"
        )
    print(f"double bookings after the run: {after}")
    print(f"Written to {harness.shown(path)}")
    booked = booked_since(started) - online_booked
    payload["bookings_made"] = booked
    harness.write_json(output, payload)
    if args.phase != "online":
        print(f"bookings made: {booked} (of {BOOKING_SLOTS} contested slots)")
    ok = wrk_5xx == 0 and not server_errors and not any(after.values())
    if not ok:
        print("FAILED: server errors or double bookings", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
