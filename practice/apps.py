from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"
    # The menu lives with the screens it links to.
    navigation_module = "practice.views.navigation"

    def ready(self):
        from auditlog.registry import auditlog

        # Imported for their side effects: system checks and the login hooks.
        from practice import checks  # noqa: F401
        from practice.models import (
            Appointment,
            Location,
            Room,
            Service,
            Therapist,
            TimeOff,
            WorkingHours,
        )
        from practice.security import signals  # noqa: F401

        for model in (Location, Room, Service, Therapist, TimeOff, WorkingHours):
            auditlog.register(model)
        from django.db.models.signals import post_delete, post_save

        from practice.timezones import location_changed

        # The cached zone names have no expiry; every write of a location clears them.
        post_save.connect(location_changed, sender=Location)
        post_delete.connect(location_changed, sender=Location)
        # The note and check-in hanging off an appointment are records of their
        # own, audited themselves; left in, every booking's entry would read
        # both (two queries) to log that neither exists yet.
        auditlog.register(
            Appointment, exclude_fields=["session_note", "check_in", "online_booking"]
        )
        from practice.models import CalendarFeed

        # Who made or revoked a calendar feed, never the (hashed) secret.
        auditlog.register(CalendarFeed, exclude_fields=["token_hash", "last_fetched_at"])
        from practice.models import SmsInbound, WaitlistEntry, WaitlistOffer

        # Who joined, left or was booked from the waitlist, and who handled a text.
        auditlog.register(WaitlistEntry)
        auditlog.register(WaitlistOffer, exclude_fields=["token_hash"])
        auditlog.register(SmsInbound, include_fields=["handled_at", "handled_by"])
