"""full_clean_loaded: foreign keys set from loaded rows are not read again; the rest are checked."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import Client
from practice.models import Appointment, Service
from practice.validation import full_clean_loaded, loaded_relations
from tests.factories import ClientFactory, LocationFactory, ServiceFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def _appointment(client, **relations):
    service = relations.pop("service", None) or ServiceFactory()
    starts_at = timezone.now()
    ends_at = starts_at + service.duration
    return Appointment(
        client=client,
        service=service,
        starts_at=starts_at,
        ends_at=ends_at,
        occupied_until=ends_at + service.buffer_after,
        **relations,
    )


def test_rows_already_loaded_are_not_read_again(django_assert_num_queries):
    appointment = _appointment(
        ClientFactory(), therapist=TherapistFactory(), location=LocationFactory()
    )
    assert set(loaded_relations(appointment)) == {"client", "therapist", "service", "location"}
    with django_assert_num_queries(0):
        full_clean_loaded(appointment, validate_unique=False, validate_constraints=False)


def test_a_key_given_as_a_bare_id_is_still_checked():
    appointment = _appointment(
        ClientFactory(), therapist=TherapistFactory(), location=LocationFactory()
    )
    appointment.service_id = Service.objects.order_by("-pk").first().pk + 1
    assert "service" not in loaded_relations(appointment)
    with pytest.raises(ValidationError) as refused:
        full_clean_loaded(appointment, validate_unique=False, validate_constraints=False)
    assert set(refused.value.message_dict) == {"service"}


def test_an_unsaved_or_missing_row_is_refused():
    unsaved = Client(first_name="Ghost", last_name="Row")
    appointment = _appointment(unsaved, therapist=TherapistFactory(), location=LocationFactory())
    with pytest.raises(ValidationError) as refused:
        full_clean_loaded(appointment, validate_unique=False, validate_constraints=False)
    assert "client" in refused.value.message_dict
    appointment.client_id = uuid.uuid4()  # no such client
    with pytest.raises(ValidationError) as refused:
        full_clean_loaded(appointment, validate_unique=False, validate_constraints=False)
    assert "client" in refused.value.message_dict
