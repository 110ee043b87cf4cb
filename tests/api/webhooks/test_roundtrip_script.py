"""The README's round trip, run as written: bin/api-roundtrip books through the
REST API with a token and receives and verifies the signed webhook, against a
live server, a real Celery worker on Redis, and PostgreSQL."""

import importlib.machinery
import importlib.util
import socket
import threading
import time
from datetime import time as clock
from pathlib import Path

import pytest

from api.rest import services as tokens
from api.webhooks import dispatch
from practice.models import Appointment
from tests.factories import ClientFactory, ServiceFactory
from tests.practice.scheduling_world import works_every_day

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

SCRIPT = Path(__file__).resolve().parents[3] / "bin" / "api-roundtrip"


def _script():
    loader = importlib.machinery.SourceFileLoader("api_roundtrip", str(SCRIPT))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_readme_script_books_and_verifies_the_signed_webhook(
    live_server, workers, owner, therapist, location
):
    service = ServiceFactory(needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location, start=clock(7), end=clock(21))
    client = ClientFactory()
    _, token = tokens.api_token_create(user=owner, name="round trip", days=1)
    port = _free_port()
    from api.webhooks import services as hooks

    endpoint = hooks.endpoint_create(
        url=f"http://127.0.0.1:{port}/", event_names=["appointment.booked"], by=owner
    )
    workers.start()
    # Beat's job, run here every half second while the script waits.
    stop = threading.Event()

    def beat():
        while not stop.is_set():
            dispatch.webhook_deliveries_claim_due()
            time.sleep(0.5)

    threading.Thread(target=beat, daemon=True).start()
    try:
        outcome = _script().roundtrip(
            base=live_server.url,
            token=token,
            secret=endpoint.secret,
            port=port,
            client=str(client.pk),
            service=str(service.pk),
            timeout=60,
        )
    finally:
        stop.set()
    assert outcome["verified"] is True
    booked = Appointment.objects.get(pk=outcome["appointment_id"])
    assert booked.client == client and booked.service == service
    # A wrong secret does not verify.
    assert not _script().verify("whsec_wrong", "t=1,v1=00", b"{}")
