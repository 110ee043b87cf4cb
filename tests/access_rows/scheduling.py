"""Scheduling pages. `world.appointment` is Dana's; Sam may read it, not change it."""

from tests.access_rows.personas import DANA_AND_OWNER, OWNER, OWNER_AND_FRONT_DESK, STAFF
from tests.factories import RoomFactory, TimeOffFactory, WorkingHoursFactory

# Changing an appointment: the bookers, and the appointment's own therapist.
MANAGERS = OWNER_AND_FRONT_DESK | DANA_AND_OWNER

ACCESS = {
    "practice:home": STAFF,
    "practice:calendar_day": STAFF,
    "practice:calendar_week": STAFF,
    "practice:book": OWNER_AND_FRONT_DESK,
    "practice:book_slots": OWNER_AND_FRONT_DESK,
    "practice:book_clients": OWNER_AND_FRONT_DESK,
    "practice:appointment_detail": STAFF,
    "practice:appointment_reschedule": MANAGERS,
    "practice:appointment_reschedule_slots": MANAGERS,
    "practice:appointment_move": MANAGERS,
    "practice:appointment_cancel": MANAGERS,
    "practice:appointment_check_in": MANAGERS,
    "practice:appointment_complete": MANAGERS,
    "practice:appointment_no_show": MANAGERS,
    "practice:setup": OWNER,
    "practice:setup_locations": OWNER,
    "practice:setup_locations_edit": OWNER,
    "practice:setup_rooms": OWNER,
    "practice:setup_rooms_edit": OWNER,
    "practice:setup_services": OWNER,
    "practice:setup_services_edit": OWNER,
    "practice:setup_therapists": OWNER,
    "practice:setup_therapists_edit": OWNER,
    "practice:setup_hours": OWNER,
    "practice:setup_hours_edit": OWNER,
    "practice:setup_hours_delete": OWNER,
    "practice:setup_time_off": OWNER,
    "practice:setup_time_off_edit": OWNER,
    "practice:setup_time_off_delete": OWNER,
}


def sample_kwargs(world):
    hours = WorkingHoursFactory(therapist=world.therapist, location=world.location)
    return {
        "appointment_id": world.appointment.pk,
        "location_id": world.location.pk,
        "room_id": RoomFactory(location=world.location).pk,
        "service_id": world.service.pk,
        "therapist_id": world.therapist.pk,
        "hours_id": hours.pk,
        "time_off_id": TimeOffFactory(therapist=world.therapist).pk,
    }
