"""Reminder pipeline throughput: how many reminders one worker sends a second.

    DATABASE_URL=postgres://.../relief_bench_reminders \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/5 python -m bench.reminders --count 2000

Uses its own scratch database (it is migrated and filled with one therapist's
appointments, each with a due email reminder), one real Celery worker process
with a single prefork child, and Django's dummy email backend, so the figure is
the pipeline's own cost (claim, queue, lock, render, mark sent), not an SMTP
server's. Results go to bench/results/reminders.json.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _setup(env):
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
    import django

    django.setup()


def _fill(count):
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone

    from clients.models import Client
    from practice.models import Appointment, Location, Reminder, Service, Therapist

    with transaction.atomic():
        Reminder.objects.all().delete()
        Appointment.objects.all().delete()
        Client.objects.all().delete()
        location = Location.objects.first() or Location.objects.create(name="Bench clinic")
        service, _ = Service.objects.get_or_create(
            name="Bench 60 min", defaults={"duration": timedelta(minutes=60), "needs_room": False}
        )
        user, _ = User.objects.get_or_create(username="bench-reminders")
        therapist, _ = Therapist.objects.get_or_create(
            user=user, defaults={"display_name": "Bench"}
        )
        clients = Client.objects.bulk_create(
            Client(first_name=f"C{i}", last_name="Bench", email=f"c{i}@bench.test")
            for i in range(count)
        )
        start = timezone.now() + timedelta(days=3)
        appointments = Appointment.objects.bulk_create(
            Appointment(
                client=client,
                therapist=therapist,
                service=service,
                location=location,
                starts_at=start + timedelta(hours=i),
                ends_at=start + timedelta(hours=i, minutes=60),
                occupied_until=start + timedelta(hours=i, minutes=60),
            )
            for i, client in enumerate(clients)
        )
        now = timezone.now()
        Reminder.objects.bulk_create(
            Reminder(appointment=a, channel="email", kind="confirmation", due_at=now)
            for a in appointments
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    if not database_url.startswith("postgres") or not broker_url.startswith("redis"):
        sys.exit(
            "Set DATABASE_URL=postgres://... (a scratch database) and CELERY_BROKER_URL=redis://"
        )
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "RELIEF_SMS_BACKEND": "",
        "RELIEF_CONFIRMATION_GRACE_MINUTES": "0",
    }
    _setup(env)
    from django.core.management import call_command

    from practice.celery import app
    from practice.models import Reminder
    from practice.reminders import reminders_claim_due

    call_command("migrate", verbosity=0)
    _fill(args.count)
    app.control.purge()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "practice",
            "worker",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    try:
        time.sleep(4)  # worker start-up is not part of the figure
        started = time.monotonic()
        while reminders_claim_due():
            pass
        sent = 0
        while time.monotonic() - started < args.timeout:
            sent = Reminder.objects.filter(status=Reminder.Status.SENT).count()
            if sent >= args.count:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    result = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "reminders": args.count,
        "sent": sent,
        "seconds": round(elapsed, 2),
        "per_second": round(sent / elapsed, 1),
        "worker": "one process, one prefork child, dummy email backend",
        "nproc": os.cpu_count(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reminders.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if sent < args.count:
        sys.exit(f"only {sent} of {args.count} reminders were sent in {args.timeout:.0f} s")


if __name__ == "__main__":
    main()
