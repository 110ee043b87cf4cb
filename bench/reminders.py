"""Reminder pipeline throughput: how many reminders one worker sends a second.

    DATABASE_URL=postgres://.../relief_bench_reminders \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/5 python -m bench.reminders --count 2000

Uses its own scratch database (it is migrated and filled with one therapist's
appointments, each with a due email reminder), one real Celery worker process
run as the Procfile runs it (prefork, --concurrency from CELERY_CONCURRENCY,
default 2; --concurrency 1 measures a single child), and Django's dummy email
backend, so the figure is the pipeline's own cost (claim, queue, lock, render,
mark sent), not an SMTP server's. Results go to bench/results/reminders.json
(--output); the figure is the median of --runs runs (3).
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


def _cpu_seconds(pid) -> float:
    """User + system CPU time of a process and its children so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(_cpu_seconds(int(child)) for child in children)


def _start_worker(concurrency, env):
    from practice.celery import app

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "practice",
            "worker",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    # Worker start-up is not part of the figure: wait until it answers a ping.
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline or worker.poll() is not None:
            worker.terminate()
            sys.exit("the worker did not start")
    return worker


def _run(args, env) -> dict:
    """One measurement: fill, start the worker, claim everything, wait until all are sent."""
    from django.db.models import Max
    from django.utils import timezone

    from practice.celery import app
    from practice.models import Reminder
    from practice.reminders.dispatch import reminders_claim_due

    _fill(args.count)
    app.control.purge()
    worker = _start_worker(args.concurrency, env)
    try:
        cpu_before = _cpu_seconds(worker.pid)
        started_at = timezone.now()
        started = time.monotonic()
        while reminders_claim_due():
            pass
        sent = 0
        while time.monotonic() - started < args.timeout:
            sent = Reminder.objects.filter(status=Reminder.Status.SENT).count()
            if sent >= args.count:
                break
            time.sleep(0.2)
        worker_cpu = _cpu_seconds(worker.pid) - cpu_before
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    # Up to the last send, not the last poll.
    last = Reminder.objects.aggregate(last=Max("sent_at"))["last"] or timezone.now()
    elapsed = (last - started_at).total_seconds()
    return {
        "sent": sent,
        "seconds": round(elapsed, 2),
        "per_second": round(sent / elapsed, 1),
        # Moves far less than the wall time when other work shares the machine.
        "worker_cpu_ms_per_reminder": round(1000 * worker_cpu / max(sent, 1), 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("CELERY_CONCURRENCY", 2)),
        help="prefork children of the worker (the Procfile's CELERY_CONCURRENCY, default 2)",
    )
    parser.add_argument("--runs", type=int, default=3, help="the result is their median")
    parser.add_argument("--output", default="reminders.json", help="file under bench/results/")
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
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load_before = os.getloadavg()[0]
    runs = [_run(args, env) for _ in range(args.runs)]
    median = sorted(runs, key=lambda run: run["per_second"])[len(runs) // 2]
    children = "child" if args.concurrency == 1 else "children"
    result = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "reminders": args.count,
        **median,
        "runs": runs,
        "worker": (
            f"one worker process, {args.concurrency} prefork {children} "
            f"(celery worker --concurrency={args.concurrency}), "
            f"{settings.RELIEF_REMINDER_TASK_SIZE} reminders per send task, "
            "dummy email backend"
        ),
        "note": f"median of {len(runs)} runs on a machine shared with other work",
        "nproc": os.cpu_count(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if any(run["sent"] < args.count for run in runs):
        sys.exit(f"a run did not send all {args.count} reminders in {args.timeout:.0f} s")


if __name__ == "__main__":
    main()
