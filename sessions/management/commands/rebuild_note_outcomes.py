from django.core.management.base import BaseCommand

from sessions.outcomes import note_outcomes_rebuild


class Command(BaseCommand):
    help = "Rebuild the pain-outcome report summary from the session notes and scores."

    def handle(self, *args, **options):
        count = note_outcomes_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Summarised {count} session notes."))
