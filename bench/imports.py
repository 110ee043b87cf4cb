"""CSV import: how long the dry run and the confirm take for a large file.

    DATABASE_URL=postgres://.../relief_bench_imports python -m bench.imports \
        --clients 5000 --appointments 2000

Uses its own scratch database (migrated, then emptied of clients and
appointments): 25 therapists working every day, one service, and a clients
file and an appointments file of the sizes asked for, written as another
system exports them. Times the upload, the dry run and the confirm of each
through the services (what the views call) and counts their queries.
Results go to bench/results/imports.json (--output).
"""

import argparse
import json
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
THERAPISTS = 25


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _practice():
    from datetime import time as clock

    from django.contrib.auth.models import User

    from api.imports.models import ImportBatch
    from clients.models import Client
    from practice.models import Appointment, Location, Reminder, Service, Therapist, WorkingHours

    Reminder.objects.all().delete()
    Appointment.objects.all().delete()
    Client.objects.all().delete()
    ImportBatch.objects.all().delete()
    location = Location.objects.order_by("pk").first() or Location.objects.create(
        name="Bench clinic", time_zone="America/New_York"
    )
    Location.objects.exclude(pk=location.pk).delete()
    service, _ = Service.objects.get_or_create(
        name="Bench 60 min",
        defaults={"duration": timedelta(minutes=60), "buffer_after": timedelta(0)},
    )
    service.needs_room = False
    service.save()
    therapists = []
    for i in range(THERAPISTS):
        user, _ = User.objects.get_or_create(username=f"bench-import-{i}")
        therapist, _ = Therapist.objects.get_or_create(
            user=user, defaults={"display_name": f"Bench Therapist {i}"}
        )
        therapist.services.add(service)
        if not WorkingHours.objects.filter(therapist=therapist).exists():
            WorkingHours.objects.bulk_create(
                WorkingHours(
                    therapist=therapist,
                    location=location,
                    weekday=day,
                    start_time=clock(8),
                    end_time=clock(20),
                )
                for day in range(7)
            )
        therapists.append(therapist)
    owner, _ = User.objects.get_or_create(username="bench-import-owner")
    return owner, therapists, service


def _clients_csv(count):
    lines = ['"First Name","Last Name","Email","Mobile Phone","Date of Birth"']
    for i in range(count):
        lines.append(
            f'"Client{i}","Bench","client{i}@bench.test","(202) 555-{i % 10000:04d}",'
            f'"{1 + i % 12:02d}/{1 + i % 28:02d}/{1950 + i % 50}"'
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _appointments_csv(count, therapists, service):
    from zoneinfo import ZoneInfo

    start = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=3)
    lines = ["Date,Start Time,Duration,Staff,Service,Client Email"]
    for i in range(count):
        # Twelve one-hour slots a day per therapist, no two rows clashing.
        therapist = therapists[i % THERAPISTS]
        slot = i // THERAPISTS
        day = start + timedelta(days=slot // 12)
        lines.append(
            f"{day:%m/%d/%Y},{8 + slot % 12}:00,60,{therapist.display_name},{service.name},"
            f"client{i}@bench.test"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


def _timed(label, results, fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        value = fn()
        elapsed = time.perf_counter() - began
    results[label] = {"seconds": round(elapsed, 2), "queries": len(queries)}
    print(f"{label:32} {elapsed:7.2f} s {len(queries):7d} queries", flush=True)
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--appointments", type=int, default=2000)
    parser.add_argument("--output", type=Path, default=RESULTS / "imports.json")
    args = parser.parse_args(argv)
    _setup()
    from api.imports import services

    owner, therapists, service = _practice()
    results = {"clients_rows": args.clients, "appointment_rows": args.appointments}
    clients = max(args.clients, args.appointments)
    raw = _clients_csv(clients)
    batch = _timed(
        "clients: upload",
        results,
        lambda: services.import_batch_upload(
            raw=raw, file_name="clients.csv", kind="clients", by=owner
        ),
    )
    batch = _timed(
        "clients: dry run",
        results,
        lambda: services.import_batch_check(
            batch=batch, mapping=batch.mapping, date_order="mdy", by=owner
        ),
    )
    assert len(batch.valid_rows) == clients, batch.errors[:3]
    _timed(
        "clients: confirm", results, lambda: services.import_batch_confirm(batch=batch, by=owner)
    )

    raw = _appointments_csv(args.appointments, therapists, service)
    batch = _timed(
        "appointments: upload",
        results,
        lambda: services.import_batch_upload(
            raw=raw, file_name="appointments.csv", kind="appointments", by=owner
        ),
    )
    batch = _timed(
        "appointments: dry run",
        results,
        lambda: services.import_batch_check(
            batch=batch, mapping=batch.mapping, date_order="mdy", by=owner
        ),
    )
    assert len(batch.valid_rows) == args.appointments, batch.errors[:3]
    _timed(
        "appointments: confirm",
        results,
        lambda: services.import_batch_confirm(batch=batch, by=owner),
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
