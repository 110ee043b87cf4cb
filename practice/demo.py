"""Demo practice for a first run: idempotent, safe to call on every start."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from practice.models import Appointment, Location, Room, Service, Therapist, WorkingHours
from practice.reminders.outbox import reminders_schedule
from practice.security.access import Role

DEMO_PASSWORD = "relief-demo-password"  # noqa: S105  (printed for the demo; never used in production)

DEMO_USERS = [
    # username, first, last, role, therapist display name
    ("owner", "Olivia", "Owner", Role.OWNER, None),
    ("dana", "Dana", "Reyes", Role.THERAPIST, "Dana Reyes, LMT"),
    ("sam", "Sam", "Okafor", Role.THERAPIST, "Sam Okafor, LMT"),
    ("alex", "Alex", "Lind", Role.THERAPIST, "Alex Lind, CMT"),
    ("frontdesk", "Frankie", "Desk", Role.FRONT_DESK, None),
]

SERVICES = [
    ("60 min deep tissue", 60, 15, "110.00", True),
    ("90 min myofascial release", 90, 15, "150.00", True),
    ("30 min trigger point therapy", 30, 10, "60.00", True),
    ("60 min Swedish massage", 60, 15, "95.00", True),
]

CLIENTS = [
    ("Maria", "Gonzalez", "", date(1978, 4, 12), "maria@example.com", "+12025550143"),
    ("James", "O'Neill", "Jim", date(1969, 9, 3), "jim@example.com", "+12025550178"),
    ("Priya", "Shah", "", date(1990, 1, 27), "priya@example.com", "+12025550112"),
    ("Tom", "Becker", "", date(1985, 7, 19), "tom@example.com", ""),
    ("Aiko", "Tanaka", "", date(1972, 11, 2), "aiko@example.com", "+12025550191"),
    ("Lena", "Novak", "", date(1995, 5, 30), "", "+12025550166"),
]


@transaction.atomic
def seed_demo() -> list[tuple[str, str]]:
    """Create the demo practice if it is missing; return (username, role) pairs."""
    location, _ = Location.objects.get_or_create(
        name="Relief Downtown",
        defaults={
            "address": "12 Main Street, Springfield",
            "phone": "(555) 010-0100",
            "time_zone": "America/New_York",
            # The demo shows online booking at /online/.
            "online_booking": True,
        },
    )
    rooms = [
        Room.objects.get_or_create(location=location, name=name)[0]
        for name in ("Room 1", "Room 2", "Room 3")
    ]
    services = []
    for name, minutes, buffer, price, needs_room in SERVICES:
        service, _ = Service.objects.get_or_create(
            name=name,
            defaults={
                "duration": timedelta(minutes=minutes),
                "buffer_after": timedelta(minutes=buffer),
                "price": Decimal(price),
                "needs_room": needs_room,
            },
        )
        services.append(service)

    logins = []
    therapists = []
    for username, first, last, role, display in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@relief.local"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=role))
        logins.append((username, role.value))
        if display:
            therapist, made = Therapist.objects.get_or_create(
                user=user, defaults={"display_name": display, "licence_number": f"MT-{user.pk:05d}"}
            )
            if made:
                therapist.services.set(services)
                # Monday to Friday, a split shift around a lunch break.
                WorkingHours.objects.bulk_create(
                    WorkingHours(
                        therapist=therapist,
                        location=location,
                        weekday=weekday,
                        start_time=time(start),
                        end_time=time(end),
                    )
                    for weekday in range(5)
                    for start, end in ((9, 13), (14, 18))
                )
            therapists.append(therapist)

    clients = []
    for i, (first, last, preferred, dob, email, phone) in enumerate(CLIENTS):
        client, _ = Client.objects.get_or_create(
            first_name=first,
            last_name=last,
            defaults={
                "preferred_name": preferred,
                "date_of_birth": dob,
                "email": email,
                "phone": phone,
                "primary_therapist": therapists[i % len(therapists)],
                "consent_sms_reminders": bool(phone),
            },
        )
        clients.append(client)

    if not Appointment.objects.exists():
        _demo_appointments(location, rooms, services, therapists, clients)
    from clients.demo import seed_demo_intakes

    seed_demo_intakes()
    return logins


def _demo_appointments(location, rooms, services, therapists, clients):
    tz = ZoneInfo(location.time_zone)
    today = timezone.localtime(timezone.now(), tz).date()
    # Today and the next two days, so the calendar and "today" lists have
    # content; one booking per therapist each day. With one therapist left
    # free on a day, "anyone" online offered that whole day with them alone
    # (the fewest bookings that day come first), tomorrow always with Sam.
    plan = [
        (0, 10, 0),
        (0, 14, 1),
        (0, 16, 2),
        (1, 9, 3),
        (1, 15, 4),
        (1, 11, 5),
        (2, 11, 0),
        (2, 16, 1),
        (2, 10, 2),
    ]
    for n, (day_offset, hour, client_index) in enumerate(plan):
        therapist = therapists[n % len(therapists)]
        service = services[n % len(services)]
        starts_at = datetime.combine(today + timedelta(days=day_offset), time(hour), tzinfo=tz)
        ends_at = starts_at + service.duration
        appointment = Appointment.objects.create(
            client=clients[client_index],
            therapist=therapist,
            service=service,
            location=location,
            room=rooms[n % len(rooms)] if service.needs_room else None,
            starts_at=starts_at,
            ends_at=ends_at,
            occupied_until=ends_at + service.buffer_after,
        )
        # As a booking made in the app would: the reminders page has rows to show.
        reminders_schedule(appointment=appointment)
