"""Pages are never cached, and the audit and sign-in trails cannot be edited."""

import pytest
from auditlog.models import LogEntry
from axes.models import AccessLog
from django.urls import reverse

from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_pages_with_clinical_data_or_contact_details_are_never_stored(client_as, therapist):
    client = ClientFactory(primary_therapist=therapist)
    http = client_as("therapist")
    for url in (
        reverse("clients:detail", args=[client.pk]),
        reverse("sessions:client_history", args=[client.pk]),
        reverse("practice:home"),
    ):
        response = http.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url


def test_the_public_intake_page_is_never_stored(client):
    response = client.get(reverse("clients:intake_public", args=["not-a-real-token"]))
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def superuser_http(client):
    user = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", [AccessLog, LogEntry])
def test_a_superuser_cannot_delete_or_change_audit_and_sign_in_records(superuser_http, model):
    if model is AccessLog:
        entry = AccessLog.objects.create(username="dana", ip_address="10.0.0.1", user_agent="x")
    else:
        ClientFactory()  # auditlog writes the entry for the new client
        entry = LogEntry.objects.latest("pk")
    meta = model._meta
    delete_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[entry.pk])
    assert superuser_http.get(delete_url).status_code == 403
    assert superuser_http.post(delete_url, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=entry.pk).exists()
    change_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[entry.pk])
    page = superuser_http.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    add_url = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    assert superuser_http.get(add_url).status_code == 403
