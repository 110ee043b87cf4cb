"""`make loadtest`: many users at once on gunicorn, then check the database.

50 concurrent connections for 60 s send a weighted mix of `ACTIONS` (pages of
bench/pages.py, each as its own signed-in user). Afterwards: no 5xx answers
(from wrk and from gunicorn's access log, per path) and no double booking
(overlapping active appointments per therapist and per room, in SQL).

A write action (booking) is one more `Action` naming its `Page`; the page's
`body(data, n)` gives each of the `variants` requests its own POST body, so
concurrent bookings compete for the same and for different slots. A second
phase sends 50 anonymous online bookers at once after the same 20 slots
(`ONLINE_ACTIONS`); a third, 50 waitlist claims at once: every offer link of
WAITLIST_TIMES freed times (each offered to as many waiting clients as the
practice offers one time to) clicked over and over, after which each freed
time must have exactly one booking. `--phase desk|online|waitlist` runs one.

    DATABASE_URL=postgres://... python -m bench.load [--users 50] [--duration 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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

# The waitlist phase: this many freed times, a few days apart (an entry is
# matched to freed time a day either side of its dates), far enough ahead to
# be free and clear of the bookings' slots (from day 70 on). Each is offered
# to RELIEF_WAITLIST_OFFERS_PER_TIME entries, each of a client of its own.
WAITLIST_TIMES = 10
WAITLIST_FIRST_DAY = 21
WAITLIST_DAYS_APART = 3
WAITLIST_EMAIL_DOMAIN = "waitlist.bench.invalid"
# Of every WAITLIST_GET_EVERY claim requests one is the link's GET (the page
# before "Book this time").
WAITLIST_GET_EVERY = 5


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


@dataclass(frozen=True)
class Offers:
    """The waitlist phase's open offers: their link tokens, and the freed times."""

    tokens: tuple[str, ...]
    freed_ids: tuple[int, ...]


def waitlist_offers(data, *, times: int = WAITLIST_TIMES) -> Offers:
    """Open offers of `times` freed times of the online service, made by the
    matcher (`freed_time_match`, which also gives each offer's link token;
    nothing is sent). Earlier runs' waitlist clients and their rows are
    deleted first (bench rows only, without audit entries)."""
    from auditlog.context import disable_auditlog
    from django.conf import settings
    from django.utils import timezone

    from bench.pages import free_slots
    from clients.models import Client
    from practice.forms import parse_slot
    from practice.models import Appointment, FreedTime, Service
    from practice.waitlist import services as waitlist

    with disable_auditlog():
        made = Client.objects.filter(email__endswith="@" + WAITLIST_EMAIL_DOMAIN)
        FreedTime.objects.filter(offers__entry__client__in=made).delete()
        Appointment.objects.filter(client__in=made).delete()
        made.delete()
    service = Service.objects.get(pk=data.online_service_id)
    per_time = settings.RELIEF_WAITLIST_OFFERS_PER_TIME
    now = timezone.now()
    tokens, freed_ids = [], []
    for n in range(times):
        day = data.today + timedelta(days=WAITLIST_FIRST_DAY + WAITLIST_DAYS_APART * n)
        slots = free_slots(service=service, first_day=day, days=1, limit=1)
        if not slots:
            continue
        therapist_id, location_id, starts_at = parse_slot(slots[0])
        for k in range(per_time):
            client = Client.objects.create(
                first_name="Bench",
                last_name=f"Waitlist {n}-{k}",
                email=f"waitlist-{n}-{k}@{WAITLIST_EMAIL_DOMAIN}",
            )
            waitlist.entry_add(
                client=client, service=service, date_from=day, date_to=day, source="online"
            )
        freed = FreedTime.objects.create(
            therapist_id=therapist_id,
            location_id=location_id,
            starts_at=starts_at,
            ends_at=starts_at + service.duration + service.buffer_after,
            reason=FreedTime.Reason.CANCELLATION,
            created_at=now,
            processed_at=now,  # matched here; the beat sweep leaves it alone
        )
        offers = waitlist.freed_time_match(freed=freed, now=now)
        tokens += [raw for _, raw in offers]
        freed_ids.append(freed.pk)
    return Offers(tokens=tuple(tokens), freed_ids=tuple(freed_ids))


def claim_lines(offers: Offers, session) -> list[str]:
    """POOL_SIZE requests for the offer links, round-robin over the offers:
    mostly "Book this time" (POST), every WAITLIST_GET_EVERY-th the link's page."""
    from django.urls import reverse

    lines = []
    for n in range(POOL_SIZE):
        token = offers.tokens[n % len(offers.tokens)]
        method = "GET" if n % WAITLIST_GET_EVERY == WAITLIST_GET_EVERY - 1 else "POST"
        path = reverse("portal:waitlist_offer", args=[token])
        lines.append("\t".join([method, path, session.cookie, session.csrf, "", ""]))
    return lines


def waitlist_outcome(offers: Offers) -> dict:
    """What the claims left: per freed time, how many of its offers booked, and
    the waitlist clients' active bookings (each freed time exactly once)."""
    from django.db.models import Count, Q

    from practice.models import Appointment, FreedTime, WaitlistOffer

    claimed = dict(
        FreedTime.objects.filter(pk__in=offers.freed_ids)
        .annotate(n=Count("offers", filter=Q(offers__status=WaitlistOffer.Status.CLAIMED)))
        .values_list("pk", "n")
    )
    bookings = Appointment.objects.active().filter(
        client__email__endswith="@" + WAITLIST_EMAIL_DOMAIN
    )
    return {
        "freed_times": len(offers.freed_ids),
        "offers": len(offers.tokens),
        "times_booked_once": sum(1 for n in claimed.values() if n == 1),
        "times_not_booked": sum(1 for n in claimed.values() if n == 0),
        "times_booked_more_than_once": sum(1 for n in claimed.values() if n > 1),
        "bookings_made": bookings.count(),
        # A booking is one claimed offer's: never two of one client.
        "clients_booked_twice": bookings.values("client_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
    }


def waitlist_ok(outcome: dict) -> bool:
    return (
        outcome["freed_times"] > 0
        and outcome["times_booked_once"] == outcome["freed_times"]
        and outcome["bookings_made"] == outcome["freed_times"]
        and outcome["clients_booked_twice"] == 0
    )


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
        choices=["all", "desk", "online", "waitlist"],
        default="all",
        help="the staff mix, the online bookers, the waitlist claims, or all one after another",
    )
    parser.add_argument(
        "--claim-duration",
        type=float,
        default=10,
        help="seconds of the waitlist claims (every offer is settled in the first second)",
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

    def send(server, lines, *, duration, mix):
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as pool:
            pool.write("\n".join(lines) + "\n")
        print(
            f"{args.users} connections for {duration:.0f} s on {args.workers} workers, mix: {mix}",
            flush=True,
        )
        try:
            return harness.run_wrk(
                server.base + "/",
                script="wrk_mix.lua",
                connections=args.users,
                threads=2,
                duration=duration,
                env={"BENCH_REQUESTS": pool.name},
            )
        finally:
            os.unlink(pool.name)

    def phase(server, actions):
        personas = [pages_by_name[a.page].as_user for a in actions]
        sessions = harness.sign_in_all(args.port, [p for p in personas if p])
        lines = request_lines(actions, pages_by_name, data, sessions)
        mix = ", ".join(f"{a.page} x{a.weight}" for a in actions)
        return send(server, lines, duration=args.duration, mix=mix)

    def claims(server, offers):
        visitor = harness.sign_in_all(args.port, [harness.VISITOR])[harness.VISITOR]
        mix = f"{len(offers.tokens)} waitlist offer links (POST, GET 1 in {WAITLIST_GET_EVERY})"
        return send(server, claim_lines(offers, visitor), duration=args.claim_duration, mix=mix)

    runs = {"all": ("desk", "online", "waitlist")}.get(args.phase, (args.phase,))
    offers = waitlist_offers(data) if "waitlist" in runs else None
    with harness.Server(args.port, args.workers) as server:
        offset = server.log_offset()
        figures = phase(server, ACTIONS) if "desk" in runs else None
        online_started = timezone.now()
        online = phase(server, ONLINE_ACTIONS) if "online" in runs else None
        claims_started = timezone.now()
        claimed = claims(server, offers) if offers else None
        by_path = server.statuses_since(offset)

    after = double_bookings()
    claim_booked = booked_since(claims_started) if claimed else 0
    online_booked = booked_since(online_started) - claim_booked if online else 0
    outcome = waitlist_outcome(offers) if offers else None
    server_errors = {
        f"{path} {status}": n for (path, status), n in sorted(by_path.items()) if status >= 500
    }
    desk = _figures(figures) if figures else None
    online_part = _figures(online) if online else None
    claims_part = _figures(claimed) if claimed else None
    wrk_5xx = sum(
        n
        for part in (desk, online_part, claims_part)
        if part
        for code, n in part["statuses"].items()
        if code >= 500
    )
    first = desk or online_part or claims_part
    payload = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": harness.machine(),
        "practice": counts,
        "users": args.users,
        "duration_s": args.duration,
        "gunicorn_workers": args.workers,
        "actions": [a.__dict__ for a in ACTIONS],
        **first,
        "server_errors_by_path": server_errors,
        "double_bookings_before": before,
        "double_bookings_after": after,
        "online": online_part
        and {
            "actions": [a.__dict__ for a in ONLINE_ACTIONS],
            **online_part,
            "bookings_made": online_booked,
            "contested_slots": ONLINE_SLOTS,
        },
        "waitlist": claims_part and {"duration_s": args.claim_duration, **claims_part, **outcome},
    }
    if desk:
        payload["bookings_made"] = booked_since(started) - online_booked - claim_booked
    # One phase alone writes its own file, so the full run's stays as it was.
    output = "load-latest.json" if args.phase == "all" else f"load-{args.phase}-latest.json"
    path = harness.write_json(output, payload)
    if desk:
        print(
            f"{desk['requests']} requests, {desk['rps']} req/s, p50 {desk['p50_ms']:.0f} ms, "
            f"p95 {desk['p95_ms']:.0f} ms, p99 {desk['p99_ms']:.0f} ms; "
            f"statuses {desk['statuses']}; timeouts: {desk['timeouts']}"
        )
        print(f"bookings made: {payload['bookings_made']} (of {BOOKING_SLOTS} contested slots)")
    if online_part:
        o = online_part
        print(
            f"online bookers: {o['requests']} requests, {o['rps']} req/s, "
            f"p95 {o['p95_ms']:.0f} ms; statuses {o['statuses']}; timeouts: {o['timeouts']}; "
            f"bookings made: {online_booked} (of {ONLINE_SLOTS} contested slots)"
        )
    if claims_part:
        c = claims_part
        print(
            f"waitlist claims: {c['requests']} requests, {c['rps']} req/s, "
            f"p95 {c['p95_ms']:.0f} ms; statuses {c['statuses']}; timeouts: {c['timeouts']}; "
            f"{outcome['offers']} offers of {outcome['freed_times']} freed times: "
            f"{outcome['times_booked_once']} booked once, "
            f"{outcome['times_booked_more_than_once']} more than once, "
            f"{outcome['times_not_booked']} not at all; "
            f"bookings made: {outcome['bookings_made']}"
        )
    print(f"5xx: {wrk_5xx} (access log: {server_errors or 'none'})")
    print(f"double bookings after the run: {after}")
    print(f"Written to {harness.shown(path)}")
    ok = wrk_5xx == 0 and not server_errors and not any(after.values())
    if not ok:
        print("FAILED: server errors or double bookings", file=sys.stderr)
    if outcome and not waitlist_ok(outcome):
        print("FAILED: a freed time was not booked exactly once", file=sys.stderr)
        ok = False
    return 0 if ok else 1


def _figures(run: dict) -> dict:
    """A wrk run's figures as the results file keeps them."""
    return {
        "requests": run["requests"],
        "rps": round(run["requests"] / (run["duration_us"] / 1e6), 1),
        "p50_ms": run["p50_us"] / 1000,
        "p95_ms": run["p95_us"] / 1000,
        "p99_ms": run["p99_us"] / 1000,
        "timeouts": run["timeouts"],
        "statuses": {int(k): v for k, v in run["statuses"].items()},
    }


if __name__ == "__main__":
    sys.exit(main())
