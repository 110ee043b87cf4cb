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
