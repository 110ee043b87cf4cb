"""The pages `make bench` measures: one `Page` entry per page.

A page names who requests it (`as_user`: a key of `harness.BENCH_USERS`, or
None for an anonymous visitor), builds its URL (and POST body) from
`BenchData`, and states its budgets: p95 server time in milliseconds and SQL
queries per request (DESIGN.md, "Performance budgets"). `body` receives a
running number so each request can be a different POST (each booking on its
own free slot, each intake with its own one-time form token); `headers` are
sent with every request (htmx pages).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse


@dataclass(frozen=True)
class BenchData:
    """Sample records of the generated practice that page URLs point at."""

    today: date
    therapist_id: int | None
    client_id: str | None
    service_id: int | None
    # Free, non-overlapping booking slots ("therapist|location|UTC start"), one per POST.
    slots: tuple[str, ...] = ()
    # Intakes (and bookings, without desk clients) are written for this client,
    # never the charted one, so repeated runs do not grow the chart they measure.
    writer_client_id: str | None = None
    # The desk's booking POSTs book these clients in turn, as a desk does.
    desk_client_ids: tuple[str, ...] = ()
    # A draft note of the bench therapist, for the autosave page.
    draft_note_id: str | None = None
    # Issued invoices of the writer client: one as a desk sees it (a session,
    # two payments), one with plenty left to pay that the payment POSTs use.
    invoice_id: str | None = None
    paying_invoice_id: str | None = None
    # Online booking: the location that books online and its own free slots.
    online_location_id: int | None = None
    online_service_id: int | None = None
    online_slots: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[BenchData], str]
    budget_ms: float | None
    as_user: str | None = "front_desk"
    method: str = "GET"
    body: Callable[[BenchData, int], dict] | None = None
    max_queries: int | None = 15
    expect_status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Lua-side: carry the version a response returns into the next POST (note autosave).
    chain_version: bool = False
    # Authenticate with the persona's API token (Authorization: Bearer), not a session.
    token: bool = False


BENCH_TOKEN_NAME = "bench"  # noqa: S105 (the tokens' label, not a secret)


def bench_api_token(user) -> str:
    """A new API token for `user`, their earlier bench tokens revoked first."""
    from api.rest import services as tokens
    from api.rest.models import ApiToken

    for old in ApiToken.objects.filter(user=user, name=BENCH_TOKEN_NAME, revoked_at=None):
        tokens.api_token_revoke(token=old)
    _, secret = tokens.api_token_create(user=user, name=BENCH_TOKEN_NAME, days=30)
    return secret


def bench_api_tokens(personas) -> dict[str, str]:
    """A token for each persona's bench account."""
    from django.contrib.auth.models import User

    from bench.harness import BENCH_USERS

    return {p: bench_api_token(User.objects.get(username=BENCH_USERS[p])) for p in personas}


def request_headers(page: Page, api_tokens: dict[str, str]) -> dict[str, str]:
    """The page's own headers, and its persona's bearer token if it uses one."""
    if not page.token:
        return page.headers
    return {**page.headers, "Authorization": f"Bearer {api_tokens[page.as_user]}"}


def free_slots(*, service, first_day: date, days: int, limit: int) -> tuple[str, ...]:
    """Bookable slots that never overlap one another (per therapist), so each POST books.

    The slot search offers a start every few minutes; keep one per service length
    (session plus cleanup) for each therapist, then interleave therapists.
    """
    from practice import selectors

    slots, _ = selectors.available_slots(service=service, first_day=first_day, days=days)
    length = service.duration + service.buffer_after
    free_from, kept = {}, []
    for slot in slots:
        if slot.starts_at >= free_from.get(slot.therapist_id, slot.starts_at):
            kept.append(slot.value)
            free_from[slot.therapist_id] = slot.starts_at + length
            if len(kept) == limit:
                break
    return tuple(kept)


def online_pool(
    *, service, desk: tuple[str, ...], first_day: date, days: int, limit: int
) -> tuple[str, ...]:
    """The online booking POSTs' slots: `free_slots` from `first_day`, or from
    two days after the desk's last slot if that is later.

    Both pools are free times of the same schedule, drawn independently:
    while they shared days, 269 of the large practice's 3,089 online slots
    overlapped a desk slot of the same therapist, so a desk run reaching that
    far into its pool left the online POST its therapist taken ("just taken",
    or "anyone" taking a colleague's time that a later draw then lacks). Two
    days after the desk's last start (in UTC) is after it ends on any
    location's clock.
    """
    if desk:
        last = datetime.fromisoformat(desk[-1].split("|")[2]).date()
        first_day = max(first_day, last + timedelta(days=2))
    return free_slots(service=service, first_day=first_day, days=days, limit=limit)


def load_bench_data(*, slots: int = 5000) -> BenchData:
    """Pick the sample records. Opens a draft note for the bench therapist if none is open
    (the only write), so the autosave page has a draft to save."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from bench.harness import BENCH_USERS
    from clients.models import Client
    from practice.models import Appointment, Service, Therapist
    from practice.timezones import practice_time_zone
    from sessions import services as note_services
    from sessions.models import SessionNote

    today = timezone.localtime(timezone.now(), practice_time_zone()).date()
    therapists = Therapist.objects.filter(active=True).order_by("pk")
    # The therapist the bench signs in as, when the practice has the bench accounts.
    therapist = (
        therapists.filter(user__username=BENCH_USERS["therapist"]).first() or therapists.first()
    )
    service = Service.objects.filter(active=True).order_by("pk").first()
    writer = _writer_client()
    _desk_bookings_removed(today)
    # The busiest client: the longest chart (most appointments).
    busy = (
        Appointment.objects.exclude(client=writer)
        .values("client_id")
        .annotate(n=Count("id"))
        .order_by("-n", "client_id")
        .first()
    )
    client_id = busy["client_id"] if busy else None
    if client_id is None:
        client = Client.objects.filter(archived=False).order_by("-created_at").first()
        client_id = client.pk if client else None
    draft = None
    if therapist is not None:
        draft = SessionNote.objects.filter(
            therapist=therapist, status=SessionNote.Status.DRAFT
        ).first()
        if draft is None:
            appointment = (
                Appointment.objects.filter(therapist=therapist, starts_at__gte=timezone.now())
                .filter(~Q(status__in=[Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW]))
                .filter(session_note__isnull=True)
                .order_by("starts_at")
                .first()
            )
            if appointment is not None:
                draft = note_services.note_open_for_appointment(
                    appointment=appointment, user=therapist.user
                )
    # Book far enough ahead that the generated bookings have thinned out.
    free = (
        free_slots(
            service=service, first_day=today + timedelta(days=DESK_AHEAD), days=120, limit=slots
        )
        if service and slots
        else ()
    )
    location = _online_location()
    # Online, a service that needs no room where there is one: with rooms the
    # practice's 13 rooms, not its therapists, would run out of time first.
    online_service = (
        Service.objects.filter(active=True, needs_room=False).order_by("pk").first() or service
    )
    # Late in the horizon, where the generated bookings have thinned out.
    online = (
        online_pool(
            service=online_service,
            desk=free,
            first_day=today + timedelta(days=120),
            days=180,
            limit=slots,
        )
        if online_service and slots
        else ()
    )
    return BenchData(
        today=today,
        therapist_id=therapist.pk if therapist else None,
        client_id=str(client_id) if client_id else None,
        service_id=service.pk if service else None,
        slots=free,
        writer_client_id=str(writer.pk),
        desk_client_ids=_desk_clients(exclude=[writer.pk, client_id]),
        draft_note_id=str(draft.pk) if draft else None,
        invoice_id=str(bench_invoice(writer, payments=2).pk),
        paying_invoice_id=str(bench_invoice(writer).pk),
        online_location_id=location.pk,
        online_service_id=online_service.pk if online_service else None,
        online_slots=online,
    )


ONLINE_EMAIL_DOMAIN = "online.bench.invalid"


def _online_location():
    """Every location set to book new clients online at once as far ahead as
    the desk books (the first one's slot page is measured); the new clients
    earlier runs booked online are deleted (bench rows only)."""
    from auditlog.context import disable_auditlog
    from django.conf import settings

    from clients.models import Client
    from practice.models import Appointment, Location

    location = Location.objects.order_by("pk").first()
    # As far ahead as the desk books: the online pool lies after the desk's.
    Location.objects.update(
        online_booking=True,
        online_new_clients="instant",
        online_horizon_days=min(730, settings.RELIEF_BOOKING_HORIZON_DAYS),
    )
    with disable_auditlog():
        made = Client.objects.filter(email__endswith="@" + ONLINE_EMAIL_DOMAIN)
        Appointment.objects.filter(client__in=made).delete()
        made.delete()
    location.refresh_from_db()
    return location


def bench_invoice(client, *, by=None, payments=0):
    """An issued invoice of the bench's client.

    With `payments`, one paid in that many parts, as the desk sees a checkout
    (a new one each run would not do: issued invoices are never deleted, so
    the one that already has them is reused). Without, one with a large
    balance so every payment POST is accepted, reused while enough is left."""
    from django.conf import settings

    from billing import selectors as billing_selectors
    from billing import services as billing
    from billing.models import Invoice

    total = "95.00" if payments else "50000.00"
    issued = billing_selectors.with_balance(client.invoices.filter(status="issued", total=total))
    if payments:
        existing = issued.filter(balance=0).order_by("-issued_at").first()
    else:
        existing = issued.filter(balance__gte=1000).order_by("-issued_at").first()
    if existing is not None:
        return existing
    draft = Invoice.objects.create(client=client, currency=settings.RELIEF_CURRENCY, created_by=by)
    billing.invoice_add_line(
        invoice=draft, kind="product", description="Bench checkout", unit_price=total, by=by
    )
    invoice = billing.invoice_issue(invoice=draft, by=by)
    for part in range(payments):
        amount = "45.00" if part < payments - 1 else str(95 - 45 * (payments - 1)) + ".00"
        billing.payment_record(invoice=invoice, method="cash", amount=amount, by=by)
    return invoice


def _writer_client():
    """The bench's own client, emptied of what earlier runs booked and submitted,
    so every run starts from the same state. Only bench-made rows are deleted
    (a real practice cancels; it never deletes), without audit entries."""
    from auditlog.context import disable_auditlog

    from clients.models import Client

    writer, _ = Client.objects.get_or_create(
        first_name="Bench",
        last_name="Writes",
        defaults={"email": "bench-writes@bench.invalid", "consent_email_reminders": True},
    )
    with disable_auditlog():
        writer.scores.all().delete()
        writer.intakes.all().delete()
        writer.appointments.all().delete()
    return writer


# The desk's bench bookings start this many days ahead: later than the
# generator books (eight weeks), so earlier runs' bookings can be told apart.
DESK_AHEAD = 70
# Clients the desk's booking POSTs take turns with: more than a run books.
DESK_CLIENTS = 2000


def _desk_clients(*, exclude) -> tuple[str, ...]:
    """Returning clients (any appointment) who take email reminders, not
    archived, in id order: the desk books one after another, each booking with
    its reminders (the whole POST). All for one client made every concurrent
    POST queue on that client's lock (the visit summary's trigger), and the
    client's bookings grew through the run, each one rewriting all of them."""
    from django.db.models import Exists, OuterRef

    from clients.models import Client
    from practice.models import Appointment

    returning = (
        Client.objects.filter(archived=False, consent_email_reminders=True)
        .exclude(email="")
        .filter(Exists(Appointment.objects.filter(client=OuterRef("pk"))))
    )
    ids = returning.exclude(pk__in=exclude).order_by("pk").values_list("pk", flat=True)
    return tuple(str(pk) for pk in ids[:DESK_CLIENTS])


def _desk_bookings_removed(today: date) -> int:
    """Delete what earlier runs' booking POSTs (and the load test's) booked for
    the desk clients: the bench front desk's desk bookings from DESK_AHEAD
    days on, where the generator books nothing (bench rows only, no audit)."""
    from auditlog.context import disable_auditlog

    from bench.harness import BENCH_USERS
    from practice.models import Appointment

    made = Appointment.objects.filter(
        booked_by__username=BENCH_USERS["front_desk"],
        source=Appointment.Source.FRONT_DESK,
        starts_at__date__gte=today + timedelta(days=DESK_AHEAD - 1),
    )
    with disable_auditlog():
        deleted, _ = made.delete()
    return deleted


def booking_body(data: BenchData, n: int) -> dict:
    """Book slot n for the next desk client (the load test repeats a few slots,
    so bookings clash on purpose)."""
    slot = data.slots[n % len(data.slots)]
    clients = data.desk_client_ids or (data.writer_client_id,)
    return {
        "client": clients[n % len(clients)],
        "service": data.service_id,
        "therapist": "",
        "date": data.today.isoformat(),
        "slot": slot,
        "repeat_weeks": "0",
        "occurrences": "6",
    }


# `make bench` hands each wrk run its bodies from running number FIRST_WRK_BODY
# on, BODIES_PER_RUN apart. Each run draws from its own stretch of the online
# slots (1,000: a 10 s run at four connections used 610 on a quiet machine,
# and a stretch of 330 let the runs overlap into "just taken" answers), so no
# run books a slot an earlier run took (the pool: 180 days after the desk's,
# `online_pool`, with the bench's longer booking horizon, `harness.setup_django`).
ONLINE_STRETCH = 1000


def _online_draw(n: int) -> int:
    from bench.run import BODIES_PER_RUN, FIRST_WRK_BODY

    if n < FIRST_WRK_BODY:
        return n  # the in-process timing and the load test (n < variants)
    run, within = divmod(n - FIRST_WRK_BODY, BODIES_PER_RUN)
    return FIRST_WRK_BODY + run * ONLINE_STRETCH + within


# Draws this close together may be in flight at once: wrk's connections take
# consecutive bodies, each of its two threads every other line, and one
# thread runs ahead of the other by some dozens of requests over a run.
ONLINE_IN_FLIGHT = 64


def online_slot_index(draw: int, size: int) -> int:
    """The pool slot (of `size`, in time order) that `draw` books.

    Draws fewer than ONLINE_IN_FLIGHT apart take their slots from different
    stretches of the pool, far apart in time: requests in flight together
    never ask for the same start, nor for overlapping times, so no two race
    for one therapist (with "anyone", a taken time goes to a colleague free
    then, who would be taken from the next draw's nearby time in turn). Each
    of the first `lanes * depth` draws books its own slot before the pool wraps."""
    lanes = max(1, min(ONLINE_IN_FLIGHT, size))
    depth = max(1, size // lanes)
    within = draw % (lanes * depth)
    return (within % lanes) * depth + within // lanes


def online_booking_body(data: BenchData, n: int) -> dict:
    """A new client books online slot n with "anyone", as most clients do: a time
    already taken goes to another therapist free then, so runs that come back
    to a slot still book, and the load test's 50 bookers on 20 slots race for
    every therapist of each until none is left."""
    slot = data.online_slots[online_slot_index(_online_draw(n), len(data.online_slots))]
    return {
        "action": "new",
        "location": slot.split("|")[1],
        "service": data.online_service_id,
        "slot": slot,
        "any": "1",
        "new-first_name": "Online",
        "new-last_name": f"Bencher {n}",
        "new-email": f"client-{n}@{ONLINE_EMAIL_DOMAIN}",
        "new-phone": "+12025550123",
        "new-date_of_birth": "1984-03-04",
        "new-consent_email": "on",
        "new-recent_injury": "no",
        "new-clot_or_heart": "no",
        "new-pregnant": "no",
    }


def intake_body(data: BenchData, n: int) -> dict:
    """A complete intake, with a fresh one-time form token, so each POST saves one."""
    return {
        "form_token": str(uuid.uuid4()),
        "date_of_birth": "1980-04-02",
        "emergency_contact_name": "Sam Rivera",
        "emergency_contact_phone": "+12025550199",
        "chief_complaint": "Neck and shoulder pain from desk work",
        "pain_regions": ["neck_back", "upper_back_left"],
        "duration": "months",
        "pain_character": ["aching", "stiffness"],
        "aggravating_factors": "Sitting",
        "relieving_factors": "Heat",
        "pain_now": "4",
        "pain_average": "5",
        "pain_worst": "7",
        "peg_enjoyment": "6",
        "peg_activity": "4",
        "stress_rating": "7",
        "sleep_quality": "3",
        "pressure_preference": "medium",
        "goals": "Work a full day without pain",
        "consent_agree": "on",
        "consent_signature": "Maria Gonzalez",
    }


def note_body(data: BenchData, n: int) -> dict:
    """A draft save at the note's current version (wrk carries each new version on)."""
    from sessions.models import SessionNote

    version = SessionNote.objects.values_list("version", flat=True).get(pk=data.draft_note_id)
    return {
        "subjective": f"Reports less neck pain since the last visit ({n}).",
        "objective": "Hypertonic upper trapezius, left more than right.",
        "assessment": "Improving.",
        "plan_text": "Continue weekly.",
        "pressure": "moderate",
        "client_response": "Relaxed, pain eased.",
        "home_care": "Heat and chin tucks.",
        "pain_before": "5",
        "pain_after": "3",
        "version": str(version),
    }


def _q(url: str, **params) -> str:
    return f"{reverse(url)}?{urlencode(params)}" if params else reverse(url)


def payment_body(data: BenchData, n: int) -> dict:
    """One dollar in cash: the invoice's balance covers every run."""
    return {"method": "cash", "amount": "1.00", "reference": f"bench {n}"}


HTMX_SEARCH = {"HX-Request": "true", "HX-Target": "client-results"}


def _year_filters(d: BenchData) -> dict:
    """A report's filters for the year to today: the period DESIGN's 300 ms budget is set for."""
    return {
        "period": "custom",
        "first": (d.today - timedelta(days=364)).isoformat(),
        "last": d.today.isoformat(),
    }


def _year(url: str):
    return lambda d: _q(url, **_year_filters(d))


REPORT_PAGES = [
    Page(f"report: {name} (owner, a year)", _year(url), 300, as_user="owner")
    for name, url in (
        ("revenue", "reports:revenue"),
        ("utilisation", "reports:utilisation"),
        ("attendance", "reports:attendance"),
        ("clients", "reports:clients"),
        ("outcomes", "reports:outcomes"),
    )
] + [
    Page(
        "report: outcomes (therapist, a year)", _year("reports:outcomes"), 300, as_user="therapist"
    ),
    Page("report: recall list (front desk)", lambda d: reverse("reports:recall"), 300),
    # The page shows the figures kept for its filters; this is computing them
    # live, as "Compute again now" (and a view of figures a day old) does.
    # No budget: DESIGN's is for the report page.
    Page(
        "report: outcomes computed again (owner, a year)",
        lambda d: reverse("reports:outcomes_recompute"),
        None,
        as_user="owner",
        method="POST",
        body=lambda d, n: _year_filters(d),
        expect_status=302,
    ),
]

PAGES = [
    # The floor: a bare Django view through the full middleware stack.
    Page("floor", lambda d: "/bench/floor", None, as_user=None, max_queries=None),
    Page("floor, signed in", lambda d: "/bench/floor", None, max_queries=None),
    Page("healthz", lambda d: reverse("healthz"), 25, as_user=None, max_queries=2),
    Page("login page", lambda d: reverse("login"), 25, as_user=None, max_queries=2),
    Page("today (front desk)", lambda d: reverse("practice:home"), 40),
    Page("today (therapist)", lambda d: reverse("practice:home"), 40, as_user="therapist"),
    Page(
        "calendar day (front desk)",
        lambda d: _q("practice:calendar_day", date=d.today.isoformat()),
        40,
    ),
    Page(
        "calendar week (one therapist)",
        lambda d: _q("practice:calendar_week", date=d.today.isoformat(), therapist=d.therapist_id),
        40,
    ),
    Page(
        "client search as you type (htmx)",
        lambda d: _q("clients:list", q="mar"),
        25,
        headers=HTMX_SEARCH,
    ),
    Page(
        "client chart (owner, busiest client)",
        lambda d: reverse("clients:detail", args=[d.client_id]),
        60,
        as_user="owner",
        # Its appointments, score trends and account are a statement each
        # (it was 13 queries): a query more would be a regression.
        max_queries=10,
    ),
    Page(
        "availability: 14 days, one service, all therapists",
        lambda d: _q("practice:book_slots", service=d.service_id, date=d.today.isoformat()),
        25,
    ),
    Page(
        "booking POST",
        lambda d: reverse("practice:book"),
        40,
        method="POST",
        body=booking_body,
        expect_status=302,
    ),
    # Online booking: anonymous visitors (a browser with only its CSRF cookie).
    Page(
        "online slot page: 7 days, one service, anyone",
        lambda d: _q("online:times", location=d.online_location_id, service=d.online_service_id),
        25,
        as_user="visitor",
    ),
    Page(
        "online booking POST (new client)",
        lambda d: reverse("online:details"),
        40,
        as_user="visitor",
        method="POST",
        body=online_booking_body,
        expect_status=302,
        # Public, not a staff page: it writes a new client, the booking, its
        # reminders and its online record, with their two audit entries in one
        # INSERT, in one transaction, and the visitor's session (savepoints
        # count too).
        max_queries=17,
    ),
    Page(
        "intake form (staff, GET)",
        lambda d: reverse("clients:intake_staff", args=[d.writer_client_id]),
        None,
    ),
    Page(
        "intake submission (staff, POST)",
        lambda d: reverse("clients:intake_staff", args=[d.writer_client_id]),
        60,
        method="POST",
        body=intake_body,
        expect_status=302,
    ),
    Page(
        "note autosave (draft)",
        lambda d: reverse("sessions:note_autosave", args=[d.draft_note_id]),
        None,
        as_user="therapist",
        method="POST",
        body=note_body,
        headers={"HX-Request": "true"},
        chain_version=True,
    ),
    Page(
        "checkout: invoice page (front desk)",
        lambda d: reverse("billing:invoice", args=[d.invoice_id]),
        40,
    ),
    Page(
        "checkout: take a payment (POST)",
        lambda d: reverse("billing:payment_add", args=[d.paying_invoice_id]),
        40,
        method="POST",
        body=payment_body,
        expect_status=302,
    ),
    Page("day sheet (front desk)", lambda d: reverse("billing:day_sheet"), 40),
    Page("day sheet CSV", lambda d: _q("billing:day_sheet", format="csv"), 40),
    *REPORT_PAGES,
]

# REST API list endpoints, a full page of 100 rows each (budget: 50 ms p95, 15
# queries), each with its persona's API token, as an integration calls them.
# A front-desk token needs RELIEF_API_TOKEN_ROLES, so the desk's lists are the
# owner's here (the widest scope); the therapist's notes are scoped to their
# own clients.
API_LISTS = [
    ("clients", "owner"),
    ("appointments", "owner"),
    ("notes", "owner"),
    ("notes", "therapist"),
    ("intakes", "owner"),
    ("scores", "owner"),
    ("plans", "owner"),
    ("invoices", "owner"),
    ("payments", "owner"),
]
PAGES += [
    Page(
        f"API: {resource} list (100 rows, {who.replace('_', ' ')} token)",
        lambda d, resource=resource: reverse(f"api:v1:{resource[:-1]}-list"),
        50,
        as_user=who,
        token=True,
    )
    for resource, who in API_LISTS
]
