from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth.models import Group, User

from clients.models import Client
from practice.models import (
    Appointment,
    Location,
    Room,
    Service,
    Therapist,
    TimeOff,
    WorkingHours,
)
from practice.security.access import Role

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@clinic.test")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=Role(extracted))[0])
        if create:
            self.save()


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Clinic {n}")
    address = "1 Test Street"
    time_zone = "America/New_York"


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Room {n}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"60 min deep tissue #{n}")
    duration = timedelta(minutes=60)
    buffer_after = timedelta(minutes=15)
    price = Decimal("100.00")
    needs_room = True


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.THERAPIST)
    display_name = factory.LazyAttribute(lambda t: f"{t.user.first_name} {t.user.last_name}")
    licence_number = factory.Sequence(lambda n: f"MT-{n:05d}")

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    therapist = factory.SubFactory(TherapistFactory)
    location = factory.SubFactory(LocationFactory)
    weekday = 0
    start_time = time(9)
    end_time = time(17)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda c: f"{c.first_name}.{c.last_name}@mail.test".lower())
    phone = "+12025550100"


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An active appointment; occupied time follows the service's buffer."""

    class Meta:
        model = Appointment

    client = factory.SubFactory(ClientFactory)
    therapist = factory.SubFactory(TherapistFactory)
    service = factory.SubFactory(ServiceFactory)
    location = factory.SubFactory(LocationFactory)
    room = None
    starts_at = factory.LazyFunction(
        lambda: datetime.combine(
            datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=1),
            time(10),
            tzinfo=ZoneInfo("America/New_York"),
        )
    )
    ends_at = factory.LazyAttribute(lambda a: a.starts_at + a.service.duration)
    occupied_until = factory.LazyAttribute(lambda a: a.ends_at + a.service.buffer_after)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    therapist = factory.SubFactory(TherapistFactory)
    starts_at = factory.LazyFunction(
        lambda: datetime.combine(
            datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=3),
            time(9),
            tzinfo=ZoneInfo("America/New_York"),
        )
    )
    ends_at = factory.LazyAttribute(lambda t: t.starts_at + timedelta(hours=8))
    reason = "Conference"
