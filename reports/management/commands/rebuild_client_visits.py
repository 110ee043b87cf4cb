from django.core.management.base import BaseCommand

from reports.visits import client_visits_rebuild


class Command(BaseCommand):
    help = "Rebuild the visit summary of the clients report and the recall list."

    def handle(self, *args, **options):
        count = client_visits_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Summarised {count} visits."))
