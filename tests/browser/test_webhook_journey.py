"""The owner connects a system by webhook on a phone, copies the secret and tests it."""

import pytest

from api.webhooks import delivery
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.api.webhooks.receiver import Receiver
from tests.api.webhooks.test_delivery import verify
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_adds_an_endpoint_sees_the_secret_once_and_a_test_event_arrives(
    phone_page, owner, settings
):
    settings.RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP = True
    server = Receiver().start()
    page = phone_page
    try:
        page.goto("/")
        page.get_by_label("Username").fill(owner.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Toggle navigation").click()
        page.get_by_role("button", name="Manage").click()
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_text("No endpoints yet").wait_for()
        page.get_by_role("link", name="Add the first endpoint").click()
        page.get_by_label("Endpoint URL").fill("http://10.0.0.7/hook")
        page.get_by_label("Description").fill("Accounting sync")
        page.get_by_label("Invoice issued (invoice.issued)").check()
        page.get_by_role("button", name="Add the endpoint").click()
        # Refused, and nothing typed is lost.
        page.get_by_text("Use an https:// URL").wait_for()
        assert page.get_by_label("Description").input_value() == "Accounting sync"
        assert page.get_by_label("Invoice issued (invoice.issued)").is_checked()
        page.get_by_label("Endpoint URL").fill(server.url)
        page.get_by_role("button", name="Add the endpoint").click()

        endpoint = WebhookEndpoint.objects.get()
        secret = page.get_by_label("Signing secret")
        assert secret.input_value() == endpoint.secret
        page.get_by_role("button", name="Send a test event").click()
        page.get_by_text("Test event queued").wait_for()
        assert page.get_by_label("Signing secret").count() == 0  # shown once only

        # The worker's part, in this process: send what is due.
        sender = delivery.Sender()
        try:
            [row] = WebhookDelivery.objects.all()
            assert delivery.webhook_deliver(delivery_id=row.pk, sender=sender) == "sent"
        finally:
            sender.close()
        [request] = server.requests
        assert verify(endpoint.secret, request["headers"]["Relief-Signature"], request["body"])
        page.reload()
        page.get_by_role("link", name="webhook.test").click()
        page.get_by_text("HTTP 200").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        server.stop()
