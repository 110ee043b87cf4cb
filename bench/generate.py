"""Generate a realistic practice straight into PostgreSQL, for benchmarks.

The practice is built by a list of steps (`STEPS`), one per table or group of
tables. Each step names the model it fills; a step whose model does not exist
yet in this code base is skipped, so a new table is one function plus one
`Step` entry. Large tables are written with PostgreSQL COPY.

Realism, not randomness for its own sake:
- each therapist has weekly working hours in split shifts and a yearly
  vacation (TimeOff); every working block is tiled with service slots;
- about 70% of past slots are booked; of those, some are cancelled (a few
  late) and some are no-shows; the future thins out over eight weeks;
- appointments of one therapist never overlap, and neither do those of one
  room: each weekly working block gets a room by interval colouring, and slots
  (session plus cleanup buffer) stay inside their block;
- clients mostly see their primary therapist, a few regulars very often;
- future appointments carry their reminder rows (pending when still due);
- clients have intake scores (pain, PEG-3, stress, sleep rating) and pain
  before and after every completed session, improving over the visits.

Everything is drawn from one seed, so the same seed and the same `now` give
the same rows, ids included.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

BENCH_PASSWORD = os.environ.get("RELIEF_BENCH_PASSWORD", "relief-bench-password")
BENCH_USERNAMES = {"owner": "bench-owner", "front_desk": "bench-frontdesk"}
THERAPIST_USERNAME = "bench-therapist-{:02d}"
TIME_ZONE = "America/New_York"

PAST_FILL = 0.70
# How far ahead people book; shortened for tiny practices so most rows stay past.
FUTURE_DAYS = 56
COPY_CHUNK = 50_000

ACTIVE = ("booked", "confirmed", "checked_in", "completed")


# name, IANA time zone: a chain's locations each keep their own clock.
LOCATIONS = (
    ("Downtown", TIME_ZONE),
    ("Riverside", TIME_ZONE),
    ("Lakeside", "America/Chicago"),
    ("Foothills", "America/Denver"),
    ("Bayside", "America/Los_Angeles"),
)
CHAIN_LOCATIONS = (LOCATIONS[0], *LOCATIONS[2:])


@dataclass(frozen=True)
class Scale:
    therapists: int
    clients: int
    appointments: int
    # None: one location up to 8 therapists, else two in one time zone.
    locations: tuple[tuple[str, str], ...] | None = None

    def location_specs(self) -> tuple[tuple[str, str], ...]:
        if self.locations:
            return self.locations
        return LOCATIONS[: 1 if self.therapists <= 8 else 2]


SCALES = {
    "tiny": Scale(therapists=2, clients=20, appointments=200),
    "small": Scale(therapists=5, clients=1_000, appointments=10_000),
    "large": Scale(therapists=25, clients=30_000, appointments=400_000),
    # Issue 19: 100 therapists over four locations in four time zones, the
    # same share of slots booked as the large practice.
    "chain": Scale(
        therapists=100, clients=120_000, appointments=1_600_000, locations=CHAIN_LOCATIONS
    ),
}

# name, minutes, buffer minutes, price, needs a room, booking weight
SERVICES = [
    ("60 min deep tissue", 60, 15, "110.00", True, 34),
    ("60 min Swedish massage", 60, 15, "95.00", True, 16),
    ("90 min myofascial release", 90, 15, "150.00", True, 22),
    ("30 min trigger point therapy", 30, 15, "60.00", True, 14),
    ("45 min assisted stretching", 45, 15, "75.00", False, 14),
]

# Weekly patterns: weekday -> list of (start, end) blocks. Split shifts.
SHIFT_PATTERNS = [
    {d: [(time(9), time(13)), (time(14), time(18))] for d in range(0, 5)},
    {d: [(time(10), time(14)), (time(15), time(19))] for d in range(1, 6)},
    {
        0: [(time(8), time(12)), (time(13), time(17))],
        2: [(time(8), time(12)), (time(13), time(17))],
        3: [(time(8), time(12)), (time(13), time(17))],
        5: [(time(9), time(13))],
    },
    {d: [(time(12), time(15)), (time(15, 30), time(20))] for d in range(0, 4)},
    {d: [(time(8, 30), time(12, 30)), (time(13, 30), time(16, 30))] for d in (0, 1, 3, 4)},
]

# fmt: off
FIRST_NAMES = (
    "Maria", "James", "Priya", "Tom", "Aiko", "Lena", "Noah", "Olivia", "Liam", "Emma", "Ava",
    "Sophia", "Mason", "Isabella", "Ethan", "Mia", "Lucas", "Amelia", "Harper", "Elijah",
    "Evelyn", "Logan", "Abigail", "Daniel", "Emily", "Henry", "Ella", "Jackson", "Grace",
    "Sebastian", "Chloe", "Mateo", "Zoe", "Jack", "Nora", "Owen", "Riley", "Samuel", "Lily",
    "Leo", "Hannah", "Wyatt", "Aria", "Julian", "Layla", "Levi", "Stella", "Isaac", "Hazel",
    "Gabriel", "Aurora", "Anthony", "Violet", "Dylan", "Lucy", "Thomas", "Ruth", "Omar",
    "Fatima", "Wei", "Mei", "Raj", "Anita", "Kofi", "Amara", "Diego", "Lucia", "Sven", "Ingrid"
)
# fmt: on
# fmt: off
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "O'Neill", "Shah", "Tanaka", "Novak",
    "Becker", "Okafor", "Lind", "Kowalski", "Rossi", "Dubois", "Haddad", "Fischer", "Jensen",
    "Costa", "Silva", "Kim", "Park", "Chen", "Singh", "Patel"
)
# fmt: on
AREA_CODES = ("202", "312", "415", "617", "718", "303", "512", "206")
CANCEL_REASONS = ("Sick", "Work conflict", "Family matter", "Travel", "Weather", "")


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


# ---------------------------------------------------------------------------
# COPY helpers


def _text(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text:
        text = text.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")
    return text


def copy_rows(model, field_names: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows (tuples in `field_names` order) into `model`'s table; return the count.

    Columns not listed that are NOT NULL get the field's default: Django keeps
    defaults in Python, not in the database, and COPY bypasses the model.
    """
    meta = model._meta
    defaults = [
        f
        for f in meta.concrete_fields
        if f.name not in field_names
        and not f.null
        and not f.primary_key
        and f.get_default() is not None
    ]
    tail = tuple(_default_text(f) for f in defaults)
    columns = ", ".join(
        connection.ops.quote_name(f.column)
        for f in [meta.get_field(name) for name in field_names] + defaults
    )
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    suffix = "".join("\t" + text for text in tail) + "\n"
    count = 0
    buffer = io.StringIO()
    pending = 0
    with connection.cursor() as cursor:
        for row in rows:
            buffer.write("\t".join(map(_text, row)))
            buffer.write(suffix)
            pending += 1
            if pending == COPY_CHUNK:
                buffer.seek(0)
                cursor.copy_expert(sql, buffer)
                count += pending
                buffer, pending = io.StringIO(), 0
        if pending:
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
            count += pending
    return count


def _default_text(f) -> str:
    value = f.get_default()
    if isinstance(value, dict | list):
        return _text(json.dumps(value))
    return _text(value)


# ---------------------------------------------------------------------------
# What the steps share


@dataclass
class TherapistPlan:
    index: int
    id: int
    user_id: int
    location_id: int
    tz: ZoneInfo  # the location's: shifts are on its wall clock
    # weekday -> [(start, end, room_id)] in local time
    blocks: dict[int, list[tuple[time, time, int | None]]]
    service_ids: list[int]
    own_clients: list[int] = field(default_factory=list)  # indexes into Context.clients


@dataclass
class ClientPlan:
    id: uuid.UUID
    baseline_pain: int
    email: str
    phone: str
    consent_email: bool
    consent_sms: bool
    visits: int = 0
    first_visit: datetime | None = None


@dataclass
class Slot:
    therapist: TherapistPlan
    starts_at: datetime  # UTC
    service: int  # index into Context.services
    room_id: int | None
    booked: bool


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    past_slots: int = 0
    past_slots_booked: int = 0
    first_day: date | None = None
    last_day: date | None = None
    skipped_steps: list[str] = field(default_factory=list)


@dataclass
class Context:
    scale: Scale
    seed: int
    now: datetime
    rng: random.Random
    tz: ZoneInfo
    future_days: int = FUTURE_DAYS
    report: Report = field(default_factory=Report)
    users: dict[str, int] = field(default_factory=dict)
    location_ids: list[int] = field(default_factory=list)
    # (id, duration, buffer, needs_room, weight)
    services: list[tuple[int, timedelta, timedelta, bool, int]] = field(default_factory=list)
    therapists: list[TherapistPlan] = field(default_factory=list)
    time_off: dict[int, list[tuple[date, date]]] = field(default_factory=dict)
    vacation_years: set[tuple[int, int]] = field(default_factory=set)
    clients: list[ClientPlan] = field(default_factory=list)
    # Completed appointments in time order: (id, client index, therapist, starts, ends)
    completed: list[tuple] = field(default_factory=list)
    # Future appointments: (id, client index, status, starts_at, booked_at, cancelled_at)
    future: list[tuple] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """One table (or a few tied ones). Skipped while `model` does not exist."""

    name: str
    model: str  # "app_label.ModelName"
    run: Callable[[Context], int]


# ---------------------------------------------------------------------------
# Steps


def step_staff(ctx: Context) -> int:
    """Locations, rooms, services, users with roles, therapists, working hours, time off."""
    from django.contrib.auth.models import Group, User

    from practice.models import Location, Room, Service, Therapist, WorkingHours
    from practice.security.access import Role

    rng = ctx.rng
    specs = ctx.scale.location_specs()
    n_locations = len(specs)
    locations = [
        Location.objects.create(
            name=f"Relief {name}", address=f"{10 + i} Main Street", time_zone=tz
        )
        for i, (name, tz) in enumerate(specs)
    ]
    ctx.location_ids = [loc.pk for loc in locations]
    zones = {loc.pk: ZoneInfo(loc.time_zone) for loc in locations}
    for name, minutes, buffer, price, needs_room, weight in SERVICES:
        service, _ = Service.objects.get_or_create(
            name=name,
            defaults={
                "duration": timedelta(minutes=minutes),
                "buffer_after": timedelta(minutes=buffer),
                "price": Decimal(price),
                "needs_room": needs_room,
            },
        )
        ctx.services.append(
            (service.pk, service.duration, service.buffer_after, service.needs_room, weight)
        )

    # One hash for every bench account: hashing is deliberately slow.
    password = make_password(BENCH_PASSWORD)
    specs = [
        (BENCH_USERNAMES["owner"], "Bench", "Owner", Role.OWNER),
        (BENCH_USERNAMES["front_desk"], "Bench", "Desk", Role.FRONT_DESK),
    ]
    for i in range(ctx.scale.therapists):
        specs.append(
            (
                THERAPIST_USERNAME.format(i + 1),
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                Role.THERAPIST,
            )
        )
    users = User.objects.bulk_create(
        [
            User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@relief.test",
                password=password,
                date_joined=ctx.now,
            )
            for username, first, last, _ in specs
        ]
    )
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    User.groups.through.objects.bulk_create(
        [
            User.groups.through(user_id=user.pk, group_id=groups[role.value].pk)
            for user, (_, _, _, role) in zip(users, specs, strict=True)
        ]
    )
    ctx.users = {user.username: user.pk for user in users}

    therapist_users = users[2:]
    therapists = Therapist.objects.bulk_create(
        [
            Therapist(
                user=user,
                display_name=f"{user.first_name} {user.last_name}, LMT",
                credentials="LMT",
                licence_number=f"MT-{50000 + i:05d}",
                colour=f"#{rng.randrange(0x202020, 0xC0C0C0):06x}",
            )
            for i, user in enumerate(therapist_users)
        ]
    )
    through = Therapist.services.through
    service_ids = [s[0] for s in ctx.services]
    plans = []
    for i, therapist in enumerate(therapists):
        # Everyone offers the core services; some skip the stretching or the 90 min.
        offered = [sid for sid in service_ids if rng.random() < 0.85] or service_ids[:1]
        through.objects.bulk_create(
            [through(therapist_id=therapist.pk, service_id=sid) for sid in offered]
        )
        pattern = SHIFT_PATTERNS[i % len(SHIFT_PATTERNS)]
        plans.append(
            TherapistPlan(
                index=i,
                id=therapist.pk,
                user_id=therapist.user_id,
                location_id=ctx.location_ids[i % n_locations],
                tz=zones[ctx.location_ids[i % n_locations]],
                blocks={d: [(s, e, None) for s, e in blocks] for d, blocks in pattern.items()},
                service_ids=offered,
            )
        )
    ctx.therapists = plans
    _assign_rooms(ctx, Room)
    WorkingHours.objects.bulk_create(
        [
            WorkingHours(
                therapist_id=plan.id,
                location_id=plan.location_id,
                weekday=weekday,
                start_time=start,
                end_time=end,
            )
            for plan in plans
            for weekday, blocks in plan.blocks.items()
            for start, end, _ in blocks
        ]
    )
    # Time off is drawn on demand by _on_vacation and written after the appointments.
    ctx.time_off = {plan.id: [] for plan in plans}
    return len(users) + len(therapists)


def _assign_rooms(ctx: Context, Room) -> None:
    """Give every weekly working block a room; blocks sharing a room never overlap."""
    rooms_by_location: dict[int, list[int]] = defaultdict(list)
    for location_id in ctx.location_ids:
        for weekday in range(7):
            blocks = sorted(
                (
                    (start, end, plan, n)
                    for plan in ctx.therapists
                    if plan.location_id == location_id
                    for n, (start, end, _) in enumerate(plan.blocks.get(weekday, []))
                ),
                key=lambda block: (block[0], block[1], block[2].index, block[3]),
            )
            room_free_at: list[time] = []  # per room index, end of its last block
            for start, end, plan, n in blocks:
                room_index = next(
                    (i for i, free_at in enumerate(room_free_at) if free_at <= start), None
                )
                if room_index is None:
                    room_index = len(room_free_at)
                    room_free_at.append(time.min)
                room_free_at[room_index] = end
                rooms = rooms_by_location[location_id]
                while len(rooms) <= room_index:
                    room = Room.objects.create(
                        location_id=location_id, name=f"Room {len(rooms) + 1}"
                    )
                    rooms.append(room.pk)
                s, e, _ = plan.blocks[weekday][n]
                plan.blocks[weekday][n] = (s, e, rooms[room_index])


def step_clients(ctx: Context) -> int:
    from clients.models import Client

    rng = ctx.rng
    therapists = ctx.therapists
    rows = []
    for n in range(ctx.scale.clients):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = (
            f"{first}.{last}{n}@example.com".lower().replace("'", "") if rng.random() < 0.9 else ""
        )
        phone = (
            f"+1{rng.choice(AREA_CODES)}555{rng.randrange(10000):04d}"
            if rng.random() < 0.85
            else ""
        )
        plan = ClientPlan(
            id=_uuid(rng),
            baseline_pain=rng.choice((4, 5, 5, 6, 6, 7, 7, 8, 9)),
            email=email,
            phone=phone,
            consent_email=bool(email) and rng.random() < 0.95,
            consent_sms=bool(phone) and rng.random() < 0.6,
        )
        ctx.clients.append(plan)
        primary = therapists[n % len(therapists)] if rng.random() < 0.9 else None
        if primary is not None:
            primary.own_clients.append(n)
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
        created = ctx.now - timedelta(days=rng.randrange(1, 3650))
        rows.append(
            (
                plan.id,
                first,
                last,
                rng.choice(FIRST_NAMES) if rng.random() < 0.08 else "",
                birth,
                email,
                phone,
                f"{rng.choice(FIRST_NAMES)} {last}" if rng.random() < 0.7 else "",
                f"+1{rng.choice(AREA_CODES)}555{rng.randrange(10000):04d}"
                if rng.random() < 0.7
                else "",
                plan.consent_email,
                plan.consent_sms,
                primary.id if primary else None,
                rng.random() < 0.03,
                rng.random() < 0.05,
                created,
                ctx.users[BENCH_USERNAMES["front_desk"]],
                created,
            )
        )
    # Regulars first: skewed picks from the start of each list hit them most.
    for plan in therapists:
        rng.shuffle(plan.own_clients)
    return copy_rows(
        Client,
        [
            "id",
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "email",
            "phone",
            "emergency_contact_name",
            "emergency_contact_phone",
            "consent_email_reminders",
            "consent_sms_reminders",
            "primary_therapist",
            "archived",
            "has_red_flags",
            "created_at",
            "created_by",
            "updated_at",
        ],
        rows,
    )


def _on_vacation(ctx: Context, plan: TherapistPlan, day: date) -> bool:
    """Each therapist takes one 1-2 week vacation a year (drawn per year, seeded)."""
    spans = ctx.time_off[plan.id]
    if (plan.id, day.year) not in ctx.vacation_years:
        ctx.vacation_years.add((plan.id, day.year))
        rng = random.Random(f"{ctx.seed}:vacation:{plan.index}:{day.year}")
        start = date(day.year, 1, 1) + timedelta(days=rng.randrange(20, 330))
        spans.append((start, start + timedelta(days=rng.randrange(7, 15))))
    return any(start <= day < end for start, end in spans)


def _tile(ctx: Context, plan: TherapistPlan, day: date, rng: random.Random) -> list[Slot]:
    """Cut each working block of the day into service slots (session plus buffer)."""
    slots = []
    weights = [s[4] for s in ctx.services]
    offered = [i for i, s in enumerate(ctx.services) if s[0] in plan.service_ids]
    offered_weights = [weights[i] for i in offered]
    for start, end, room_id in plan.blocks.get(day.weekday(), []):
        cursor = datetime.combine(day, start, tzinfo=plan.tz)
        block_end = datetime.combine(day, end, tzinfo=plan.tz)
        while True:
            remaining = block_end - cursor
            choice = rng.choices(offered, offered_weights)[0]
            fitting = [i for i in offered if ctx.services[i][1] + ctx.services[i][2] <= remaining]
            if not fitting:
                break
            if choice not in fitting:
                choice = max(fitting, key=lambda i: ctx.services[i][1])
            _, duration, buffer, needs_room, _ = ctx.services[choice]
            slots.append(
                Slot(
                    therapist=plan,
                    starts_at=cursor.astimezone(UTC),
                    service=choice,
                    room_id=room_id if needs_room else None,
                    booked=False,
                )
            )
            cursor += duration + buffer
    return slots


def _fill(ctx: Context, day: date, today: date) -> float:
    if day < today:
        return PAST_FILL
    ahead = (day - today).days
    return max(0.1, 0.85 - 0.75 * ahead / ctx.future_days)


def plan_slots(ctx: Context) -> list[list[Slot]]:
    """Days of slots, oldest first, going back from the horizon until enough are booked."""
    today = timezone.localtime(ctx.now, ctx.tz).date()
    target = ctx.scale.appointments
    days: list[list[Slot]] = []
    booked = 0
    day = today + timedelta(days=ctx.future_days)
    limit = today - timedelta(days=365 * 60)
    while booked < target:
        if day < limit:
            raise ValueError("The therapists cannot hold that many appointments in 60 years.")
        day_slots = []
        for plan in ctx.therapists:
            if _on_vacation(ctx, plan, day):
                continue
            rng = random.Random(f"{ctx.seed}:{plan.index}:{day.toordinal()}")
            for slot in _tile(ctx, plan, day, rng):
                past = slot.starts_at < ctx.now
                fill = PAST_FILL if past else _fill(ctx, day, today)
                slot.booked = rng.random() < fill
                booked += slot.booked
                day_slots.append(slot)
        if day_slots:
            days.append(day_slots)
        day -= timedelta(days=1)
    days.reverse()
    # Trim the oldest day from its start so the total is exact and the fill honest.
    excess = booked - target
    first = sorted(days[0], key=lambda s: (s.starts_at, s.therapist.index))
    while excess > 0:
        excess -= first.pop(0).booked
    days[0] = first
    return days


def step_appointments(ctx: Context) -> int:

    rng = ctx.rng
    days = plan_slots(ctx)
    ctx.report.first_day = timezone.localtime(days[0][0].starts_at, ctx.tz).date()
    ctx.report.last_day = timezone.localtime(days[-1][0].starts_at, ctx.tz).date()
    front_desk = ctx.users[BENCH_USERNAMES["front_desk"]]
    n_clients = len(ctx.clients)
    now = ctx.now

    def rows():
        for day_slots in days:
            for slot in sorted(day_slots, key=lambda s: (s.starts_at, s.therapist.index)):
                past = slot.starts_at < now
                if past:
                    ctx.report.past_slots += 1
                    ctx.report.past_slots_booked += slot.booked
                if not slot.booked:
                    continue
                plan = slot.therapist
                own = plan.own_clients
                if own and rng.random() < 0.85:
                    client_index = own[int(len(own) * rng.random() ** 2)]
                else:
                    client_index = rng.randrange(n_clients)
                client = ctx.clients[client_index]
                service_id, duration, buffer, _, _ = ctx.services[slot.service]
                starts_at = slot.starts_at
                ends_at = starts_at + duration
                booked_at = starts_at - timedelta(hours=rng.randrange(2, 24 * 30))
                online = rng.random() < 0.3
                r = rng.random()
                cancelled_at = None
                cancel_reason = ""
                late = False
                checked_in_at = None
                if past:
                    if r < 0.08:
                        status = "cancelled"
                        late = r < 0.025
                        hours_before = rng.randrange(2, 24) if late else rng.randrange(25, 24 * 7)
                        cancelled_at = max(booked_at, starts_at - timedelta(hours=hours_before))
                        cancel_reason = rng.choice(CANCEL_REASONS)
                    elif r < 0.12:
                        status = "no_show"
                    else:
                        status = "completed"
                        checked_in_at = starts_at - timedelta(minutes=rng.randrange(0, 15))
                        client.visits += 1
                        if client.first_visit is None:
                            client.first_visit = starts_at
                        ctx.completed.append(
                            (None, client_index, plan, starts_at, ends_at, client.visits)
                        )
                else:
                    booked_at = min(booked_at, now - timedelta(minutes=rng.randrange(5, 600)))
                    if r < 0.05:
                        status = "cancelled"
                        cancelled_at = now - timedelta(minutes=rng.randrange(1, 600))
                        cancelled_at = max(cancelled_at, booked_at)
                        cancel_reason = rng.choice(CANCEL_REASONS)
                    elif r < 0.45:
                        status = "confirmed"
                    else:
                        status = "booked"
                appointment_id = _uuid(rng)
                if status == "completed":
                    entry = ctx.completed[-1]
                    ctx.completed[-1] = (appointment_id, *entry[1:])
                if not past:
                    ctx.future.append(
                        (appointment_id, client_index, status, starts_at, booked_at, cancelled_at)
                    )
                yield (
                    appointment_id,
                    client.id,
                    plan.id,
                    service_id,
                    plan.location_id,
                    slot.room_id,
                    starts_at,
                    ends_at,
                    ends_at + buffer,
                    status,
                    "online" if online else "front_desk",
                    None if online else front_desk,
                    booked_at,
                    cancel_reason,
                    cancelled_at,
                    front_desk if cancelled_at else None,
                    late,
                    checked_in_at,
                    cancelled_at or checked_in_at or booked_at,
                )

    from reports.visits import client_visits_paused

    # The visit summary is rebuilt from all of them in a step of its own.
    with client_visits_paused():
        count = _copy_appointments(rows())
    _write_time_off(ctx)
    _backdate_clients(ctx)
    return count


def _copy_appointments(rows) -> int:
    from practice.models import Appointment

    return copy_rows(
        Appointment,
        [
            "id",
            "client",
            "therapist",
            "service",
            "location",
            "room",
            "starts_at",
            "ends_at",
            "occupied_until",
            "status",
            "source",
            "booked_by",
            "booked_at",
            "cancel_reason",
            "cancelled_at",
            "cancelled_by",
            "late_cancel",
            "checked_in_at",
            "updated_at",
        ],
        rows,
    )


def _write_time_off(ctx: Context) -> None:
    from practice.models import TimeOff

    rows = []
    for plan in ctx.therapists:
        for start, end in sorted(ctx.time_off[plan.id]):
            rows.append(
                TimeOff(
                    therapist_id=plan.id,
                    starts_at=datetime.combine(start, time.min, tzinfo=plan.tz),
                    ends_at=datetime.combine(end, time.min, tzinfo=plan.tz),
                    reason="Vacation",
                )
            )
    TimeOff.objects.bulk_create(rows, batch_size=5000)


def _backdate_clients(ctx: Context) -> None:
    """A client's record starts a few days before their first visit (their intake)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE clients_client AS c
               SET created_at = f.first_start - interval '3 days',
                   updated_at = f.first_start - interval '3 days'
              FROM (SELECT client_id, min(starts_at) AS first_start
                      FROM practice_appointment GROUP BY client_id) AS f
             WHERE c.id = f.client_id
            """
        )


def step_reminders(ctx: Context) -> int:
    """Reminder rows of future appointments, as the outbox would hold them now."""
    from practice.models import Reminder

    rng = ctx.rng
    now = ctx.now

    def rows():
        for appointment_id, client_index, status, starts_at, booked_at, cancelled_at in ctx.future:
            client = ctx.clients[client_index]
            channels = []
            if client.consent_email and client.email:
                channels.append("email")
            if client.consent_sms and client.phone:
                channels.append("sms")
            for channel in channels:
                due = booked_at + timedelta(minutes=3)
                yield (
                    _uuid(rng),
                    appointment_id,
                    channel,
                    "confirmation",
                    due,
                    "sent",
                    due,
                    1,
                    due,
                )
                for kind, hours in (("before_48h", 48), ("before_2h", 2)):
                    due = starts_at - timedelta(hours=hours)
                    if status == "cancelled":
                        state, sent_at = "cancelled", None
                    elif due <= now:
                        state, sent_at = "sent", due
                    else:
                        state, sent_at = "pending", None
                    yield (
                        _uuid(rng),
                        appointment_id,
                        channel,
                        kind,
                        due,
                        state,
                        sent_at,
                        int(state == "sent"),
                        booked_at,
                    )
                if status == "cancelled":
                    yield (
                        _uuid(rng),
                        appointment_id,
                        channel,
                        "cancellation",
                        cancelled_at,
                        "sent",
                        cancelled_at,
                        1,
                        cancelled_at,
                    )

    return copy_rows(
        Reminder,
        [
            "id",
            "appointment",
            "channel",
            "kind",
            "due_at",
            "status",
            "sent_at",
            "attempts",
            "created_at",
        ],
        rows(),
    )


def _clamp(value: float) -> Decimal:
    return Decimal(str(round(min(10.0, max(0.0, value)), 1)))


def step_scores(ctx: Context) -> int:
    """Intake scores, then pain before and after each completed session."""
    from clients.models import Score

    rng = ctx.rng

    def rows():
        for plan in ctx.clients:
            if plan.first_visit is None or rng.random() < 0.1:
                continue  # no intake on file (walk-ins, paper forms never entered)
            at = plan.first_visit - timedelta(days=3)
            base = plan.baseline_pain
            items = {
                "average_pain": int(_clamp(base + rng.randint(-1, 1))),
                "enjoyment": int(_clamp(base + rng.randint(-2, 1))),
                "activity": int(_clamp(base + rng.randint(-2, 1))),
            }
            peg = Decimal(sum(items.values()) / 3).quantize(Decimal("0.1"))
            stress = _clamp(rng.gauss(6, 2))
            sleep = _clamp(rng.gauss(5, 2))
            for instrument, value, answers in (
                ("pain_nrs", Decimal(base), "{}"),
                ("peg", peg, _json(items)),
                ("stress", stress, "{}"),
                ("sleep", sleep, "{}"),
            ):
                yield (
                    plan.id,
                    instrument,
                    "1",
                    value,
                    answers,
                    at,
                    "intake",
                    "intake",
                    "",
                    None,
                    None,
                )
        for appointment_id, client_index, therapist, starts_at, ends_at, visit in ctx.completed:
            client = ctx.clients[client_index]
            # Pain eases over the first dozen visits, then plateaus (noisy).
            expected = client.baseline_pain - 2.5 * (1 - math.exp(-visit / 6))
            pre = _clamp(round(expected + rng.gauss(0, 1)))
            post = _clamp(float(pre) - rng.choice((0, 1, 1, 2, 2, 3)))
            source = str(appointment_id)
            for value, context, at in (
                (pre, "pre_session", starts_at),
                (post, "post_session", ends_at),
            ):
                yield (
                    client.id,
                    "pain_nrs",
                    "1",
                    value,
                    "{}",
                    at,
                    context,
                    "appointment",
                    source,
                    appointment_id,
                    therapist.user_id,
                )

    return copy_rows(
        Score,
        [
            "client",
            "instrument",
            "instrument_version",
            "value",
            "item_answers",
            "recorded_at",
            "context",
            "source_type",
            "source_id",
            "appointment",
            "recorded_by",
        ],
        rows(),
    )


def _json(items: dict) -> str:
    return "{" + ", ".join(f'"{k}": {v}' for k, v in items.items()) + "}"


NOTE_TEXT = {
    "subjective": "Client reports {pain}/10 pain, worse after long sitting.",
    "objective": "Hypertonicity in upper trapezius and levator scapulae, tender points.",
    "assessment": "Tissue responded well; range of motion improved.",
    "plan_text": "Continue weekly; focus on neck and shoulders.",
    "client_response": "Relaxed, reported less tension.",
    "home_care": "Heat 15 minutes daily; chin tucks 3x10.",
}
NOTE_REGIONS = ["neck_back", "upper_back_left", "upper_back_right", "low_back", "glute_left"]


def step_session_notes(ctx: Context) -> int:
    """One signed SOAP note per completed appointment, each with 2-3 techniques.

    The content hash is computed exactly as signing does, so generated notes
    verify like real ones.
    """
    from sessions import signing
    from sessions.models import Pressure, SessionNote, Technique, TechniqueApplication

    rng = ctx.rng
    technique_ids = list(Technique.objects.values_list("pk", flat=True))
    pressures = [choice for choice, _ in Pressure.choices]
    text_fields = list(NOTE_TEXT)
    applications = []

    # Written with COPY like the appointments: bulk_create of the large
    # practice's 350,000 notes took 1,007 s on a busy machine.
    def notes():
        for appointment_id, client_index, therapist, _starts, ends_at, _visit in ctx.completed:
            signed_at = ends_at + timedelta(minutes=rng.randrange(5, 120))
            note = SessionNote(
                id=_uuid(rng),
                appointment_id=appointment_id,
                client_id=ctx.clients[client_index].id,
                therapist_id=therapist.id,
                status="signed",
                signed_at=signed_at,
                signed_by_id=therapist.user_id,
                pressure=rng.choice(pressures),
                **{name: text.format(pain=rng.randint(2, 8)) for name, text in NOTE_TEXT.items()},
            )
            used = [
                TechniqueApplication(
                    note=note,
                    technique_id=technique_id,
                    body_regions=rng.sample(NOTE_REGIONS, rng.randint(1, 3)),
                    minutes=rng.choice((10, 15, 20, 25)),
                    pressure=rng.choice(pressures),
                )
                for technique_id in rng.sample(technique_ids, rng.randint(2, 3))
            ]
            content_hash = signing.content_hash(
                signing.note_content(note=note, techniques=used, pain_scores=[])
            )
            applications.extend(
                (note.id, a.technique_id, json.dumps(a.body_regions), a.minutes, a.pressure)
                for a in used
            )
            yield (
                note.id,
                appointment_id,
                note.client_id,
                note.therapist_id,
                "signed",
                signed_at,
                note.signed_by_id,
                note.pressure,
                *(getattr(note, name) for name in text_fields),
                content_hash,
                ends_at,
                signed_at,
            )

    count = copy_rows(
        SessionNote,
        [
            "id",
            "appointment",
            "client",
            "therapist",
            "status",
            "signed_at",
            "signed_by",
            "pressure",
            *text_fields,
            "content_hash",
            "created_at",
            "updated_at",
        ],
        notes(),
    )
    copy_rows(
        TechniqueApplication,
        ["note", "technique", "body_regions", "minutes", "pressure"],
        applications,
    )
    return count


def step_note_outcomes(ctx: Context) -> int:
    """The pain-outcome report summary, built from the notes and scores COPY wrote."""
    from sessions.outcomes import note_outcomes_rebuild

    return note_outcomes_rebuild()


def step_client_visits(ctx: Context) -> int:
    """The clients report's and recall list's visit summary, from the appointments COPY wrote."""
    from reports.visits import client_visits_rebuild

    return client_visits_rebuild()


STEPS = [
    Step("staff", "practice.Therapist", step_staff),
    Step("clients", "clients.Client", step_clients),
    Step("appointments", "practice.Appointment", step_appointments),
    Step("client visits", "reports.ClientVisit", step_client_visits),
    Step("reminders", "practice.Reminder", step_reminders),
    Step("scores", "clients.Score", step_scores),
    Step("session notes", "treatment_sessions.SessionNote", step_session_notes),
    Step("note outcomes", "treatment_sessions.NoteOutcome", step_note_outcomes),
]


def _model_exists(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def _analyse_own_tables() -> None:
    """Planner statistics for the rows this transaction has just copied.

    Without them the note-outcome summary's joins planned for empty tables and
    ran for over ten minutes on the large practice instead of about one. Only
    the project's tables: ANALYZE of the whole database would take locks on the
    shared catalogs and hold them to the end of this (long) transaction,
    stalling any other database's ANALYZE on the server.
    """
    tables = ", ".join(connection.ops.quote_name(t) for t in connection.introspection.table_names())
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def generate(*, scale: Scale, seed: int = 1, now: datetime | None = None, log=None) -> Report:
    """Write a practice of `scale` into the (empty) PostgreSQL database, in one transaction."""
    from practice.models import Appointment

    if connection.vendor != "postgresql":
        raise RuntimeError("The practice generator writes with COPY: it needs PostgreSQL.")
    if scale.therapists < 1 or scale.clients < 1 or scale.appointments < 1:
        raise ValueError("Need at least one therapist, one client and one appointment.")
    if Appointment.objects.exists():
        raise RuntimeError(
            "This database already holds appointments; generate into an empty database."
        )
    ctx = Context(
        scale=scale,
        seed=seed,
        now=now or timezone.now(),
        rng=random.Random(seed),
        tz=ZoneInfo(TIME_ZONE),
        # Future bookings stay about a tenth of the total (about 3 a therapist-day).
        future_days=max(7, min(FUTURE_DAYS, scale.appointments // (30 * scale.therapists))),
    )
    with transaction.atomic():
        for step in STEPS:
            if not _model_exists(step.model):
                ctx.report.skipped_steps.append(step.name)
                if log:
                    log(f"  {step.name}: skipped ({step.model} does not exist yet)")
                continue
            started = datetime.now()
            ctx.report.counts[step.name] = step.run(ctx)
            _analyse_own_tables()
            if log:
                seconds = (datetime.now() - started).total_seconds()
                log(f"  {step.name}: {ctx.report.counts[step.name]:,} rows in {seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ctx.report
