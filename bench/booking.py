"""Booking simulation: every-15-minutes versus compact slots on the same demand.

    python -m bench.booking --seed 1 --runs 5

Four weeks of online demand for a six-therapist practice, generated from a
seed: each request arrives at some moment before the day it wants (lead times
of hours to three weeks), wants a service (30, 60 or 90 minutes, the longer
two with 15 minutes of cleanup), a time of day with some flexibility either
side, one therapist or any, and will try up to two neighbouring days when its
day has nothing; some bookings are cancelled later. The same requests are run
once per slot mode through the real slot search (`practice.availability.
free_slots`, pure Python, no database): each request sees the starts the mode
offers at its moment and takes the one nearest its wish, or goes away.

Reported per mode: utilisation (session minutes booked over working minutes,
time off excluded) and stranded minutes per therapist-day (free gaps shorter
than the shortest service's occupied time, which no one can book). Results go
to bench/results/booking.json (--output) and a markdown table is printed.
"""

import argparse
import heapq
import json
import random
import statistics
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from practice import availability
from practice.availability import Busy, Rules, Schedule, Shift

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
TZ = "America/New_York"
LOCATION = 1
FIRST_DAY = date(2027, 1, 4)  # a Monday, weeks away from either daylight-saving change
MODES = ("grid", "compact")
STEP = timedelta(minutes=15)
MIN_NOTICE = timedelta(hours=2)
HORIZON = timedelta(days=42)


@dataclass(frozen=True)
class Service:
    name: str
    minutes: int
    buffer: int
    weight: float


SERVICES = (
    Service("30 min", 30, 0, 0.25),
    Service("60 min", 60, 15, 0.5),
    Service("90 min", 90, 15, 0.25),
)

# Weekly hours per therapist: (weekdays, [(start, end), ...]); the third works a split shift.
WEEKLY = {
    1: ("Ana", range(0, 5), [(9, 17)]),
    2: ("Ben", range(0, 5), [(10, 18)]),
    3: ("Cleo", range(1, 6), [(9, 13), (14, 18)]),
    4: ("Dev", (0, 2, 4), [(12, 20)]),
    5: ("Eli", range(0, 4), [(8, 14)]),
    6: ("Fay", range(2, 7), [(11, 19)]),
}


@dataclass(frozen=True)
class Request:
    arrives: datetime  # UTC
    day: date  # the local day wanted
    wanted_minute: int  # minutes after local midnight
    flexibility: int  # minutes either side the client accepts
    service: Service
    therapist_id: int | None  # None: any therapist
    other_days: int  # neighbouring days tried when the day has nothing
    cancel_at: float | None  # fraction of the lead time after which it is cancelled


@dataclass
class Booking:
    therapist_id: int
    starts_at: datetime
    service: Service
    busy: Busy
    cancelled: bool = False


@dataclass
class Outcome:
    mode: str
    bookings: list[Booking] = field(default_factory=list)
    lost: int = 0
    cancelled: int = 0


def local(day: date, hour: float) -> datetime:
    minutes = round(hour * 60)
    wall = datetime.combine(day, time(minutes // 60, minutes % 60))
    return wall.replace(tzinfo=availability.zone(TZ)).astimezone(UTC)


def period(weeks: int) -> list[date]:
    return [FIRST_DAY + timedelta(days=n) for n in range(7 * weeks)]


def base_schedule(rng: random.Random, days: list[date]) -> Schedule:
    """The practice's shifts and each therapist's time off (one half day, seeded)."""
    shifts = [
        Shift(tid, LOCATION, TZ, weekday, time(start), time(end))
        for tid, (_, weekdays, hours) in WEEKLY.items()
        for weekday in weekdays
        for start, end in hours
    ]
    busy = {}
    for tid, (_, weekdays, hours) in WEEKLY.items():
        day = rng.choice([d for d in days if d.weekday() in weekdays])
        start = hours[0][0] + rng.choice((0, 1, 2))
        busy[tid] = [Busy(local(day, start), local(day, start + 3), "time_off")]
    return Schedule(
        therapists={tid: name for tid, (name, _, _) in WEEKLY.items()},
        shifts=shifts,
        busy=busy,
        time_zones={LOCATION: TZ},
    )


def working_minutes(schedule: Schedule, days: list[date]) -> dict[tuple[int, date], list]:
    """Each therapist-day's shift windows (UTC), for measuring."""
    windows = {}
    for day in days:
        for s in schedule.shifts:
            if s.weekday == day.weekday():
                start = local(day, s.start.hour + s.start.minute / 60)
                end = local(day, s.end.hour + s.end.minute / 60)
                windows.setdefault((s.therapist_id, day), []).append((start, end))
    return windows


def demand(rng: random.Random, days: list[date], load: float) -> list[Request]:
    """Requests for about `load` times the practice's working minutes, by arrival."""
    capacity = sum(
        (end - start) * 60
        for _, weekdays, hours in WEEKLY.values()
        for day in days
        if day.weekday() in weekdays
        for start, end in hours
    )
    mean_minutes = sum(s.minutes * s.weight for s in SERVICES)
    requests = []
    for _ in range(round(load * capacity / mean_minutes)):
        day = rng.choice(days)
        band = rng.choices(((9, 12), (12, 16), (16, 19)), weights=(3, 4, 3))[0]
        wanted = rng.randrange(band[0] * 60, band[1] * 60, 15)
        lead_days = min(21.0, rng.expovariate(1 / 5))
        arrives = local(day, wanted / 60) - timedelta(days=lead_days, hours=rng.uniform(2, 6))
        requests.append(
            Request(
                arrives=arrives,
                day=day,
                wanted_minute=wanted,
                flexibility=rng.choice((60, 90, 120, 180)),
                service=rng.choices(SERVICES, weights=[s.weight for s in SERVICES])[0],
                therapist_id=rng.choice(list(WEEKLY)) if rng.random() < 0.4 else None,
                other_days=rng.choice((0, 1, 2)),
                cancel_at=rng.uniform(0.2, 0.95) if rng.random() < 0.12 else None,
            )
        )
    requests.sort(key=lambda r: r.arrives)
    return requests


def _rules(service: Service, now: datetime) -> Rules:
    return Rules(
        duration=timedelta(minutes=service.minutes),
        buffer=timedelta(minutes=service.buffer),
        needs_room=False,
        now=now,
        horizon=HORIZON,
        min_notice=MIN_NOTICE,
        step=STEP,
    )


def _choose(request: Request, slots, loads, first_day, last_day):
    """The offered start nearest the wish, within the client's flexibility, on the
    day wanted, else the nearest neighbouring day; among equals the therapist
    with fewer bookings that day, then the earlier start."""
    for offset in [0] + [d for n in range(1, request.other_days + 1) for d in (n, -n)]:
        day = request.day + timedelta(days=offset)
        if not first_day <= day <= last_day:
            continue
        best = None
        for slot in slots:
            at = slot.local
            if at.date() != day:
                continue
            distance = abs(at.hour * 60 + at.minute - request.wanted_minute)
            if distance > request.flexibility:
                continue
            key = (distance, loads.get((slot.therapist_id, day), 0), slot.starts_at)
            if best is None or key < best[0]:
                best = (key, slot)
        if best is not None:
            return best[1]
    return None


def simulate(mode: str, requests: list[Request], schedule: Schedule, days: list[date]) -> Outcome:
    """Run `requests` against a copy of `schedule` offering slots in `mode`."""
    schedule = Schedule(
        therapists=schedule.therapists,
        shifts=schedule.shifts,
        busy={tid: list(items) for tid, items in schedule.busy.items()},
        time_zones=schedule.time_zones,
        compact=set(schedule.therapists) if mode == "compact" else set(),
    )
    outcome = Outcome(mode)
    loads: dict[tuple[int, date], int] = {}
    events = [(r.arrives, n, "arrive", r) for n, r in enumerate(requests)]
    heapq.heapify(events)
    seq = len(events)
    while events:
        now, _, kind, item = heapq.heappop(events)
        if kind == "cancel":
            item.cancelled = True
            schedule.busy[item.therapist_id].remove(item.busy)
            loads[(item.therapist_id, item.starts_at.astimezone(availability.zone(TZ)).date())] -= 1
            outcome.cancelled += 1
            continue
        request = item
        wanted_days = [
            request.day + timedelta(days=d)
            for d in range(-request.other_days, request.other_days + 1)
        ]
        rules = _rules(request.service, now)
        ids = None if request.therapist_id is None else [request.therapist_id]
        slots = availability.free_slots(schedule, rules, wanted_days, therapist_ids=ids)
        slot = _choose(request, slots, loads, days[0], days[-1])
        if slot is None:
            outcome.lost += 1
            continue
        booking = _book(schedule, rules, slot, request.service, now)
        outcome.bookings.append(booking)
        day = slot.local.date()
        loads[(slot.therapist_id, day)] = loads.get((slot.therapist_id, day), 0) + 1
        if request.cancel_at is not None:
            when = now + (slot.starts_at - now) * request.cancel_at
            heapq.heappush(events, (when, seq, "cancel", booking))
            seq += 1
    return outcome


def _book(schedule: Schedule, rules: Rules, slot, service: Service, now: datetime) -> Booking:
    """Book `slot` as the booking service would: the same rule and clash checks."""
    problems = availability.rule_problems(
        schedule,
        therapist_id=slot.therapist_id,
        location_id=slot.location_id,
        starts_at=slot.starts_at,
        duration=rules.duration,
        now=now,
        horizon=rules.horizon,
    )
    clash = availability.clash_problem(
        schedule,
        therapist_id=slot.therapist_id,
        location_id=slot.location_id,
        starts_at=slot.starts_at,
        duration=rules.duration,
        buffer=rules.buffer,
        needs_room=False,
    )
    if problems or clash:
        raise AssertionError(f"offered slot refused: {problems or clash}")
    busy = Busy(slot.starts_at, slot.starts_at + rules.duration + rules.buffer, "appointment")
    schedule.busy.setdefault(slot.therapist_id, []).append(busy)
    return Booking(slot.therapist_id, slot.starts_at, service, busy)


def double_bookings(bookings: list[Booking]) -> int:
    """Pairs of live bookings of one therapist whose occupied times overlap."""
    found = 0
    by_therapist: dict[int, list[Busy]] = {}
    for b in bookings:
        if not b.cancelled:
            by_therapist.setdefault(b.therapist_id, []).append(b.busy)
    for items in by_therapist.values():
        items.sort(key=lambda b: b.start)
        latest_end = None
        for b in items:
            if latest_end is not None and b.start < latest_end:
                found += 1
            latest_end = b.end if latest_end is None else max(latest_end, b.end)
    return found


def _free_gaps(window, busy):
    start, end = window
    gaps, cursor = [], start
    for b in sorted(busy, key=lambda b: b.start):
        if b.end <= cursor or b.start >= end:
            continue
        if b.start > cursor:
            gaps.append((cursor, b.start))
        cursor = max(cursor, b.end)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def measure(outcome: Outcome, schedule: Schedule, days: list[date]) -> dict:
    """Utilisation and stranded minutes per therapist-day of `outcome`."""
    shortest = min(s.minutes + s.buffer for s in SERVICES)
    live = [b for b in outcome.bookings if not b.cancelled]
    busy = {tid: list(items) for tid, items in schedule.busy.items()}
    for b in live:
        busy.setdefault(b.therapist_id, []).append(b.busy)
    working = booked = stranded = 0
    therapist_days = 0
    for (tid, _day), windows in working_minutes(schedule, days).items():
        therapist_days += 1
        for window in windows:
            mine = busy.get(tid, [])
            off = [b for b in mine if b.kind == "time_off"]
            working += sum((b - a).total_seconds() for a, b in _free_gaps(window, off)) / 60
            for a, b in _free_gaps(window, mine):
                if (b - a).total_seconds() / 60 < shortest:
                    stranded += (b - a).total_seconds() / 60
    first, last = local(days[0], 0), local(days[-1] + timedelta(days=1), 0)
    booked = sum(b.service.minutes for b in live if first <= b.starts_at < last)
    return {
        "mode": outcome.mode,
        "bookings": len(live),
        "cancelled": outcome.cancelled,
        "lost_requests": outcome.lost,
        "working_minutes": round(working),
        "booked_minutes": booked,
        "utilisation": round(booked / working, 4) if working else 0.0,
        "stranded_minutes": round(stranded),
        "stranded_per_therapist_day": round(stranded / therapist_days, 2),
        "double_bookings": double_bookings(outcome.bookings),
    }


def run(seed: int, *, weeks: int = 4, load: float = 1.0) -> dict[str, dict]:
    """Both modes on one seeded demand: {mode: measures}."""
    rng = random.Random(seed)
    days = period(weeks)
    schedule = base_schedule(rng, days)
    requests = demand(rng, days, load)
    results = {}
    for mode in MODES:
        outcome = simulate(mode, requests, schedule, days)
        results[mode] = {"requests": len(requests), **measure(outcome, schedule, days)}
    return results


def table(summary: dict[str, dict]) -> str:
    rows = [
        "| slots offered | utilisation | stranded min per therapist-day | bookings | "
        "requests turned away | double bookings |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    names = {"grid": "every 15 minutes", "compact": "compact"}
    for mode, m in summary.items():
        rows.append(
            f"| {names[mode]} | {m['utilisation']:.1%} | {m['stranded_per_therapist_day']:.1f} | "
            f"{m['bookings']:.0f} | {m['lost_requests']:.0f} | {m['double_bookings']:.0f} |"
        )
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="seeds seed, seed+1, ...")
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--load", type=float, default=1.0, help="demand / working minutes")
    parser.add_argument("--output", type=Path, default=RESULTS / "booking.json")
    args = parser.parse_args(argv)
    per_seed = {
        args.seed + n: run(args.seed + n, weeks=args.weeks, load=args.load)
        for n in range(args.runs)
    }
    summary = {
        mode: {
            key: statistics.mean(r[mode][key] for r in per_seed.values())
            for key in per_seed[args.seed][mode]
            if key != "mode"
        }
        for mode in MODES
    }
    ratios = [
        r["compact"]["stranded_minutes"] / r["grid"]["stranded_minutes"]
        for r in per_seed.values()
        if r["grid"]["stranded_minutes"]
    ]
    report = {
        "seed": args.seed,
        "runs": args.runs,
        "weeks": args.weeks,
        "load": args.load,
        "mean": summary,
        "stranded_ratio_compact_over_grid": {
            "mean": round(statistics.mean(ratios), 3) if ratios else None,
            "worst": round(max(ratios), 3) if ratios else None,
        },
        "compact_utilisation_not_lower_in_runs": sum(
            r["compact"]["utilisation"] >= r["grid"]["utilisation"] for r in per_seed.values()
        ),
        "per_seed": per_seed,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(table(summary))
    ratio = report["stranded_ratio_compact_over_grid"]
    print(
        f"\n{args.runs} seeded runs from seed {args.seed}, {args.weeks} weeks, load {args.load}: "
        f"compact strands {ratio['mean']:.0%} of grid's minutes on average (worst run "
        f"{ratio['worst']:.0%}); utilisation not lower in "
        f"{report['compact_utilisation_not_lower_in_runs']}/{args.runs} runs. "
        f"Written to {args.output}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
