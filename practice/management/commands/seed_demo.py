from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.utils import timezone

from practice.demo import DEMO_PASSWORD, seed_demo
from reports.demo import seed_demo_history
from sessions.demo import seed_notes


class Command(BaseCommand):
    help = "Create the demo practice (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        logins = seed_demo()
        # Past sessions with signed notes and a plan, so charts have content.
        seed_notes()
        # Months of past visits before those, so every report has figures.
        seed_demo_history(now=timezone.now(), by=User.objects.get(username="frontdesk"))
        self.stdout.write(self.style.SUCCESS("Demo practice ready. Sign in with:"))
        for username, role in logins:
            self.stdout.write(f"  {username:<10} / {DEMO_PASSWORD}   ({role})")
