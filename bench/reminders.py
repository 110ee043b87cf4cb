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

from datetime import timedelta

from bench import harness


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


def _pipeline():
    from practice.models import Reminder
    from practice.reminders.dispatch import reminders_claim_due

    return harness.Pipeline(unit="reminder", outbox=Reminder, fill=_fill, claim=reminders_claim_due)


def _worker() -> str:
    from django.conf import settings

    return f"{settings.RELIEF_REMINDER_TASK_SIZE} reminders per send task, dummy email backend"


def main():
    harness.pipeline_main(
        __doc__,
        count=2000,
        output="reminders.json",
        env=harness.pipeline_env(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            RELIEF_SMS_BACKEND="",
            RELIEF_CONFIRMATION_GRACE_MINUTES="0",
        ),
        pipeline=_pipeline,
        plural="reminders",
        worker=_worker,
    )


if __name__ == "__main__":
    main()
