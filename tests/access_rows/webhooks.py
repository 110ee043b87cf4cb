from django.utils import timezone

from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.access_rows.personas import OWNER

# Webhooks send practice data to other systems: the owner's alone.
ACCESS = {
    f"api:webhooks:{name}": OWNER
    for name in (
        "list",
        "add",
        "endpoint",
        "edit",
        "toggle",
        "rotate",
        "delete",
        "test",
        "delivery",
        "resend",
    )
}


def sample_kwargs(world):
    endpoint = WebhookEndpoint.objects.create(
        url="https://203.0.113.10/hook", events=",appointment.booked,", secret="whsec_sample"
    )
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="appointment.booked",
        event_id="00000000-0000-4000-8000-000000000001",
        body="{}",
        status=WebhookDelivery.Status.SENT,
        created_at=now,
        due_at=now,
        retry_until=now,
    )
    return {"endpoint_id": endpoint.pk, "delivery_id": delivery.pk}
