"""Reads for the reminder staff views."""

from django.conf import settings

from practice.models import Reminder
from practice.security.access import Role, roles_of


def reminders_manageable_by(user):
    """Reminders whose appointment the user may change.

    Owner and front desk: all. A therapist: their own appointments' (all, when
    RELIEF_THERAPISTS_MANAGE_ALL is on).
    """
    roles = roles_of(user)
    reminders = Reminder.objects.select_related("appointment")
    if roles & {Role.OWNER, Role.FRONT_DESK} or (
        Role.THERAPIST in roles and settings.RELIEF_THERAPISTS_MANAGE_ALL
    ):
        return reminders
    therapist = getattr(user, "therapist", None)
    if Role.THERAPIST in roles and therapist is not None:
        return reminders.filter(appointment__therapist=therapist)
    return reminders.none()
