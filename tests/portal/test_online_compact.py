"""A therapist's compact slot mode is honoured by every slot search: the online
times page, the front desk's picker and the API's availability."""

from datetime import datetime, timedelta

from django.test import Client
from django.urls import reverse

from api.rest.services import api_token_create
from practice import selectors
from practice.models import Therapist
from tests import factories
from tests.portal.conftest import in_days


def _compact_world(online):
    online.service.buffer_after = timedelta(0)
    online.service.save()
    online.dana.slot_mode = Therapist.SlotMode.COMPACT
    online.dana.save()
    day = in_days(online.location, 3, hour=11)
    factories.AppointmentFactory(
        therapist=online.dana, service=online.service, location=online.location, starts_at=day
    )
    return day


def _hours(slots, therapist):
    return [s.local.strftime("%H:%M") for s in slots if s.therapist_id == therapist.pk]


def test_the_front_desk_picker_offers_compact_starts_for_a_compact_therapist(online):
    day = _compact_world(online)
    slots, _ = selectors.available_slots(
        service=online.service, first_day=day.date(), days=1, therapist=online.dana
    )
    assert _hours(slots, online.dana) == ["09:00", "10:00", "12:00", "16:00"]
    # Sam keeps every quarter hour from 09:00 to 16:00.
    sam, _ = selectors.available_slots(
        service=online.service, first_day=day.date(), days=1, therapist=online.sam
    )
    assert len(_hours(sam, online.sam)) == 29


def test_the_online_times_page_offers_only_compact_starts(client, online):
    online.sam.slot_mode = Therapist.SlotMode.COMPACT
    online.sam.save()
    day = _compact_world(online)
    shown = client.get(
        reverse("online:times"),
        {"location": online.location.pk, "service": online.service.pk, "day": day.date()},
    ).content.decode()
    # Dana: 09:00, 10:00 (ends as her 11:00 booking starts), 12:00, 16:00;
    # Sam's empty day adds no other start.
    assert shown.count(reverse("online:details")) == 4
    for wall in ("09:00", "10:00", "12:00", "16:00"):
        assert wall in shown
    assert "10:15" not in shown and "13:00" not in shown


def test_the_api_availability_honours_compact_mode(online, owner):
    day = _compact_world(online)
    _, secret = api_token_create(user=owner, name="test", days=30)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = api.get(
        "/api/v1/availability/",
        {"service": online.service.pk, "therapist": online.dana.pk, "date": day.date(), "days": 1},
    ).json()
    starts = sorted(datetime.fromisoformat(slot["starts_at"]) for slot in body["slots"])
    assert starts == [day.replace(hour=h) for h in (9, 10, 12, 16)], body
