"""Waitlist matching and claiming: how long a freed time takes to become offers,
and a claim to become a booking.

    DATABASE_URL=postgres://.../relief_bench DJANGO_DEBUG=1 python -m bench.waitlist

Uses the database it is given as scratch (migrated, then filled with one
therapist working every day and --entries open waitlist entries, most of them
for the wrong day or time so the matcher has to look past them). Each round
books and cancels one appointment, then times `waitlist_process` (find the
freed time, search the free starts, create the offers, render and send their
emails through Django's dummy backend) and one `offer_claim`. Prints the
median and p95 of --rounds rounds and writes bench/results/waitlist.json.
"""

import argparse
import json
import os
import statistics
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    settings.RELIEF_SMS_BACKEND = "practice.reminders.sms.LocmemBackend"
    call_command("migrate", verbosity=0)


def _p95(values):
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--output", default=str(RESULTS / "waitlist.json"))
    args = parser.parse_args()
    _setup()

    from django.contrib.auth.models import User
    from django.utils import timezone

    from clients.models import Client
    from practice import services as practice_services
    from practice.models import (
        Appointment,
        FreedTime,
        Location,
        Service,
        Therapist,
        WaitlistEntry,
        WaitlistOffer,
        WorkingHours,
    )
    from practice.waitlist import services

    WaitlistOffer.objects.all().delete()
    WaitlistEntry.objects.all().delete()
    FreedTime.objects.all().delete()
    location = Location.objects.first() or Location.objects.create(
        name="Bench clinic", time_zone="America/New_York"
    )
    service, _ = Service.objects.get_or_create(
        name="Bench waitlist 60 min",
        defaults={"duration": timedelta(minutes=60), "needs_room": False, "price": 80},
    )
    user, _ = User.objects.get_or_create(username="bench-waitlist")
    therapist, _ = Therapist.objects.get_or_create(user=user, defaults={"display_name": "Bench"})
    therapist.services.add(service)
    if not WorkingHours.objects.filter(therapist=therapist).exists():
        for weekday in range(7):
            WorkingHours.objects.create(
                therapist=therapist,
                location=location,
                weekday=weekday,
                start_time=clock(8),
                end_time=clock(20),
            )
    Appointment.objects.filter(therapist=therapist).delete()
    tz = ZoneInfo(location.time_zone)
    today = timezone.localdate(timezone.now(), tz)
    clients = Client.objects.bulk_create(
        Client(first_name=f"W{i}", last_name="Bench", email=f"w{i}@bench.test")
        for i in range(args.entries + args.rounds)
    )
    # Most entries want evenings: the matcher reads them and passes them by.
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(
            client=client,
            service=service,
            date_from=today,
            date_to=today + timedelta(days=30),
            evening=True,
        )
        for client in clients[: args.entries]
    )
    process, claim = [], []
    for n in range(args.rounds):
        day = today + timedelta(days=2 + n % 20)
        starts = datetime.combine(day, clock(8 + 2 * (n // 20)), tzinfo=tz)
        services.entry_add(
            client=clients[args.entries + n],
            service=service,
            date_from=day,
            date_to=day,
            morning=True,
        )
        booked = practice_services.appointment_book(
            client=clients[0],
            therapist=therapist,
            service=service,
            location=location,
            starts_at=starts,
            booked_by=None,
        )
        practice_services.appointment_cancel(appointment=booked, by=None)
        started = time.perf_counter()
        made = services.waitlist_process()
        process.append((time.perf_counter() - started) * 1000)
        assert made >= 1, f"round {n}: no offer"
        offer = WaitlistOffer.objects.filter(status="pending").order_by("-created_at").first()
        started = time.perf_counter()
        result = services.offer_claim(offer=offer)
        claim.append((time.perf_counter() - started) * 1000)
        assert result.outcome == services.BOOKED, result.outcome
    report = {
        "entries": args.entries,
        "rounds": args.rounds,
        "process_ms_median": round(statistics.median(process), 1),
        "process_ms_p95": round(_p95(process), 1),
        "claim_ms_median": round(statistics.median(claim), 1),
        "claim_ms_p95": round(_p95(claim), 1),
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
