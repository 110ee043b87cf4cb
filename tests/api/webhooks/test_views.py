"""The owner's webhook pages."""

import json
import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from api.webhooks import services
from api.webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:8/hook"


def add(http, **data):
    form = {"url": URL, "description": "Accounting sync", "events": ["invoice.issued"], **data}
    return http.post(reverse("api:webhooks:add"), form)


def test_the_manage_menu_links_webhooks_for_the_owner_only(client_as):
    page = client_as("owner").get(reverse("practice:home")).content.decode()
    assert reverse("api:webhooks:list") in page
    page = client_as("front_desk").get(reverse("practice:home")).content.decode()
    assert reverse("api:webhooks:list") not in page


def test_the_empty_list_says_what_to_do(client_as):
    page = client_as("owner").get(reverse("api:webhooks:list")).content.decode()
    assert "No endpoints yet" in page and reverse("api:webhooks:add") in page


def test_adding_shows_the_secret_once(client_as):
    http = client_as("owner")
    response = add(http)
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("api:webhooks:endpoint", args=[endpoint.pk])
    assert endpoint.event_list == ["invoice.issued"]
    assert endpoint.secret.startswith("whsec_")
    first = http.get(response["Location"]).content.decode()
    assert endpoint.secret in first and "copy it now" in first
    again = http.get(response["Location"]).content.decode()
    assert endpoint.secret not in again
    assert endpoint.secret not in http.get(reverse("api:webhooks:list")).content.decode()


def test_registering_is_audited_without_the_secret(client_as):
    add(client_as("owner"))
    endpoint = WebhookEndpoint.objects.get()
    entry = LogEntry.objects.get_for_object(endpoint).get()
    assert entry.actor.username == "olivia"
    assert endpoint.secret not in json.dumps(entry.changes)
    assert "secret" not in entry.changes_dict


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://203.0.113.10/hook", "Use an https:// URL"),
        ("https://10.0.0.8/hook", "private or local address"),
        ("not a url", "full URL"),
    ],
)
def test_a_refused_url_keeps_what_was_typed(client_as, settings, url, message):
    settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP = False
    response = add(client_as("owner"), url=url, events=["invoice.issued", "note.signed"])
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Accounting sync" in page
    checked = re.findall(r'<input[^>]*value="([\w.]+)"[^>]*checked', page)
    assert checked == ["note.signed", "invoice.issued"]
    assert not WebhookEndpoint.objects.exists()


def test_no_event_chosen_is_a_form_error(client_as):
    response = add(client_as("owner"), events=[])
    assert "Choose at least one event." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_unknown_event_is_refused(client_as):
    response = add(client_as("owner"), events=["invoice.issued", "client.exported"])
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()


@pytest.fixture
def endpoint(owner, settings):
    settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP = True
    return services.endpoint_create(url=URL, event_names=["appointment.booked"], by=owner)


def test_editing_changes_url_and_events(client_as, endpoint):
    http = client_as("owner")
    url = reverse("api:webhooks:edit", args=[endpoint.pk])
    assert "appointment.booked" in http.get(url).content.decode()
    response = http.post(
        url, {"url": "http://127.0.0.1:9/other", "events": ["note.signed", "payment.received"]}
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "http://127.0.0.1:9/other"
    assert endpoint.event_list == ["note.signed", "payment.received"]


def test_disabling_then_test_event_is_refused_until_enabled(client_as, endpoint):
    http = client_as("owner")
    http.post(reverse("api:webhooks:toggle", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.active is False
    response = http.post(reverse("api:webhooks:test", args=[endpoint.pk]), follow=True)
    assert "Enable the endpoint" in response.content.decode()
    assert not WebhookDelivery.objects.exists()
    http.post(reverse("api:webhooks:toggle", args=[endpoint.pk]))
    response = http.post(reverse("api:webhooks:test", args=[endpoint.pk]), follow=True)
    assert "Test event queued" in response.content.decode()
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "webhook.test"
    assert json.loads(delivery.body)["data"]["endpoint_id"] == str(endpoint.pk)


def test_rotating_asks_first_then_shows_the_new_secret_once(client_as, endpoint):
    http = client_as("owner")
    old = endpoint.secret
    url = reverse("api:webhooks:rotate", args=[endpoint.pk])
    assert "Make a new secret" in http.get(url).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == old
    response = http.post(url, follow=True)
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.secret in response.content.decode()
    assert old not in response.content.decode()


def test_deleting_asks_first_then_removes_the_log_too(client_as, endpoint, owner):
    services.webhook_send_test(endpoint=endpoint, by=owner)
    http = client_as("owner")
    url = reverse("api:webhooks:delete", args=[endpoint.pk])
    page = http.get(url).content.decode()
    assert "Delete the endpoint" in page and "1 delivery is still waiting" in page
    assert WebhookEndpoint.objects.exists()
    response = http.post(url)
    assert response["Location"] == reverse("api:webhooks:list")
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


def test_the_delivery_log_and_resend(client_as, endpoint, owner):
    delivery = services.webhook_send_test(endpoint=endpoint, by=owner)
    delivery.attempt_log.create(
        started_at=timezone.now(),
        duration_ms=812.4,
        status_code=502,
        error="The receiver answered 502.",
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempts=1, last_status_code=502
    )
    http = client_as("owner")
    listing = http.get(reverse("api:webhooks:list")).content.decode()
    assert "1 failed today" in listing
    page = http.get(reverse("api:webhooks:endpoint", args=[endpoint.pk])).content.decode()
    assert "Failed" in page and "HTTP 502" in page
    failed_only = http.get(reverse("api:webhooks:endpoint", args=[endpoint.pk]) + "?status=sent")
    assert "No sent deliveries." in failed_only.content.decode()
    detail = reverse("api:webhooks:delivery", args=[endpoint.pk, delivery.pk])
    page = http.get(detail).content.decode()
    assert "812 ms" in page and "The receiver answered 502." in page
    assert str(delivery.event_id) in page
    response = http.post(reverse("api:webhooks:resend", args=[endpoint.pk, delivery.pk]))
    assert response["Location"] == detail
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 0
    # Pending already: a second click says so.
    response = http.post(
        reverse("api:webhooks:resend", args=[endpoint.pk, delivery.pk]), follow=True
    )
    assert "already waiting" in response.content.decode()


def test_a_delivery_of_another_endpoint_answers_404(client_as, endpoint, owner):
    other = services.endpoint_create(url=URL, event_names=["note.signed"], by=owner)
    delivery = services.webhook_send_test(endpoint=other, by=owner)
    http = client_as("owner")
    assert (
        http.get(reverse("api:webhooks:delivery", args=[endpoint.pk, delivery.pk])).status_code
        == 404
    )


def test_the_endpoint_page_runs_the_same_queries_with_many_deliveries(
    client_as, endpoint, owner, django_assert_max_num_queries
):
    http = client_as("owner")
    url = reverse("api:webhooks:endpoint", args=[endpoint.pk])
    http.get(url)
    services.webhook_send_test(endpoint=endpoint, by=owner)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        http.get(url)
    for _ in range(80):
        services.webhook_send_test(endpoint=endpoint, by=owner)
    with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as many:
        assert http.get(url).status_code == 200
    assert len(few) == len(many)
