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

import argparse
import json
import os
import secrets
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

from bench.reminders import RESULTS, _cpu_seconds, _setup, _start_worker


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


def _run(args, env, url) -> dict:
    from django.db.models import Max
    from django.utils import timezone

    from api.webhooks.dispatch import webhook_deliveries_claim_due
    from api.webhooks.models import WebhookDelivery
    from practice.celery import app

    _fill(args.count, url)
    _Receiver.received = 0
    app.control.purge()
    worker = _start_worker(args.concurrency, env)
    try:
        cpu_before = _cpu_seconds(worker.pid)
        started_at = timezone.now()
        started = time.monotonic()
        while webhook_deliveries_claim_due():
            pass
        sent = 0
        while time.monotonic() - started < args.timeout:
            sent = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SENT).count()
            if sent >= args.count:
                break
            time.sleep(0.2)
        worker_cpu = _cpu_seconds(worker.pid) - cpu_before
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    last = WebhookDelivery.objects.aggregate(last=Max("sent_at"))["last"] or timezone.now()
    elapsed = (last - started_at).total_seconds()
    return {
        "sent": sent,
        "received": _Receiver.received,
        "seconds": round(elapsed, 2),
        "per_second": round(sent / elapsed, 1),
        "worker_cpu_ms_per_delivery": round(1000 * worker_cpu / max(sent, 1), 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("CELERY_CONCURRENCY", 2)),
        help="prefork children of the worker (the Procfile's CELERY_CONCURRENCY, default 2)",
    )
    parser.add_argument("--runs", type=int, default=3, help="the result is their median")
    parser.add_argument("--output", default="webhooks.json", help="file under bench/results/")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    if not database_url.startswith("postgres") or not broker_url.startswith("redis"):
        sys.exit(
            "Set DATABASE_URL=postgres://... (a scratch database) and CELERY_BROKER_URL=redis://"
        )
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        # The receiver is this machine's loopback over plain http.
        "RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP": "1",
    }
    _setup(env)
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    url = _receiver()
    load_before = os.getloadavg()[0]
    runs = [_run(args, env, url) for _ in range(args.runs)]
    median = sorted(runs, key=lambda run: run["per_second"])[len(runs) // 2]
    children = "child" if args.concurrency == 1 else "children"
    result = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "deliveries": args.count,
        **median,
        "runs": runs,
        "worker": (
            f"one worker process, {args.concurrency} prefork {children} "
            f"(celery worker --concurrency={args.concurrency}), "
            f"{settings.RELIEF_WEBHOOK_TASK_SIZE} deliveries per send task, "
            "local http.server receiver with keep-alive"
        ),
        "note": f"median of {len(runs)} runs on a machine shared with other work",
        "nproc": os.cpu_count(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    if any(run["sent"] < args.count for run in runs):
        sys.exit(f"a run did not send all {args.count} deliveries in {args.timeout:.0f} s")


if __name__ == "__main__":
    main()
