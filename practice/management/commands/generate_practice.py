"""Fill an empty PostgreSQL database with a generated practice, for benchmarks."""

import time

from django.core.management.base import BaseCommand, CommandError

from bench.generate import SCALES, Scale, generate


class Command(BaseCommand):
    help = (
        "Generate a realistic practice (staff, working hours, clients, appointments, "
        "reminders, scores) into an empty PostgreSQL database. Bench accounts share the "
        "password in RELIEF_BENCH_PASSWORD: never run this against a real practice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--therapists", type=int, help="overrides the scale's count")
        parser.add_argument("--clients", type=int, help="overrides the scale's count")
        parser.add_argument("--appointments", type=int, help="overrides the scale's count")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, scale, therapists, clients, appointments, seed, **options):
        base = SCALES[scale]
        chosen = Scale(
            therapists=therapists or base.therapists,
            clients=clients or base.clients,
            appointments=appointments or base.appointments,
            locations=base.locations,
        )
        self.stdout.write(
            f"Generating {chosen.therapists} therapists, {chosen.clients:,} clients, "
            f"{chosen.appointments:,} appointments (seed {seed})..."
        )
        started = time.monotonic()
        try:
            report = generate(scale=chosen, seed=seed, log=self.stdout.write)
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        share = report.past_slots_booked / report.past_slots if report.past_slots else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Done in {time.monotonic() - started:.0f} s: {report.first_day} to "
                f"{report.last_day}, {share:.0%} of past slots booked."
            )
        )
