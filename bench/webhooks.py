"""Webhook pipeline throughput: how many deliveries one worker sends a second.

    DATABASE_URL=postgres://.../relief_bench_webhooks \
    CELERY_BROKER_URL=redis://127.0.0.1:6379/5 python -m bench.webhooks --count 4000

Uses a scratch database (migrated, its webhook rows replaced by --count due
deliveries to one endpoint), a real local HTTP receiver (http.server, in a
thread of this process, HTTP/1.1 keep-alive, answering 200), and one real
Celery worker process run as the Procfile runs it (prefork, --concurrency).
Each delivery is the real path: claim, queue, lock, sign, POST, log the
attempt, mark sent. Results go to bench/results/webhooks.json (--output);
the figure is the median of --runs runs (3).
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

from bench import harness


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with _Receiver.lock:
            _Receiver.received += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _receiver() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/relief"


def _fill(count, url):
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from api.webhooks import payloads, services
    from api.webhooks.models import WebhookDelivery, WebhookEndpoint

    now = timezone.now()
    # A realistic body: an appointment.booked event of the usual size.
    sample = SimpleNamespace(
        pk=uuid.uuid4(),
        client_id=uuid.uuid4(),
        therapist_id=7,
        service_id=3,
        location_id=1,
        room_id=2,
        starts_at=now,
        ends_at=now,
        status="booked",
        source="front_desk",
        series_id=None,
    )
    with transaction.atomic():
        WebhookEndpoint.objects.all().delete()
        endpoint = WebhookEndpoint.objects.create(
            url=url, events=",appointment.booked,", secret=services.new_secret()
        )
        rows = []
        for _ in range(count):
            event_id, body = payloads.envelope(
                event="appointment.booked", instance=sample, created=now
            )
            rows.append(
                WebhookDelivery(
                    endpoint=endpoint,
                    event="appointment.booked",
                    event_id=event_id,
                    body=body,
                    created_at=now,
                    due_at=now,
                    retry_until=now + services.retry_window(),
                )
            )
        WebhookDelivery.objects.bulk_create(rows, batch_size=1000)


def _pipeline(url):
    from api.webhooks.dispatch import webhook_deliveries_claim_due
    from api.webhooks.models import WebhookDelivery

    def fill(count):
        _fill(count, url)
        _Receiver.received = 0

    return harness.Pipeline(
        unit="delivery",
        outbox=WebhookDelivery,
        fill=fill,
        claim=webhook_deliveries_claim_due,
        extra=lambda: {"received": _Receiver.received},
    )


def _worker() -> str:
    from django.conf import settings

    return (
        f"{settings.RELIEF_WEBHOOK_TASK_SIZE} deliveries per send task, "
        "local http.server receiver with keep-alive"
    )


def main():
    harness.pipeline_main(
        __doc__,
        count=4000,
        output="webhooks.json",
        # The receiver is this machine's loopback over plain http.
        env=harness.pipeline_env(RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP="1"),
        pipeline=lambda: _pipeline(_receiver()),
        plural="deliveries",
        worker=_worker,
    )


if __name__ == "__main__":
    main()
