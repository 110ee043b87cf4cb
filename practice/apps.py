from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self):
        from auditlog.registry import auditlog

        from . import checks, signals  # noqa: F401  (registers checks and login hooks)
        from .models import Appointment, Location, Room, Service, Therapist, TimeOff, WorkingHours

        for model in (Appointment, Location, Room, Service, Therapist, TimeOff, WorkingHours):
            auditlog.register(model)
        from .models import CalendarFeed

        # Who made or revoked a calendar feed, never the (hashed) secret.
        auditlog.register(CalendarFeed, exclude_fields=["token_hash", "last_fetched_at"])
