"""Delivery: POST one claimed webhook, signed, and log the attempt.

At least once: the row stays locked from the check to "sent", so a second
task for it skips it, but a worker that dies after the receiver answered and
before the commit leaves it pending, and it is sent again (same event id).
"""

import logging
import time
from datetime import timedelta

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from api.webhooks import addresses, signing
from api.webhooks.models import WebhookAttempt, WebhookDelivery
from api.webhooks.services import signing_secrets

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
USER_AGENT = "Relief-Webhooks/1"
# Read at most this much of an answer: it is only logged, never trusted.
MAX_RESPONSE_BYTES = 4096

# Retry waits: 30 s, 1, 2, 4, 8, 16, 32 min, then hourly, for RETRY_HOURS.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


def retry_wait(attempts: int) -> timedelta:
    """How long a delivery waits after its `attempts`-th failed attempt."""
    return timedelta(
        seconds=min(RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 20), RETRY_MAX_SECONDS)
    )


class Sender:
    """HTTP connections kept open across one task's deliveries.

    Each pool connects to the address addresses.resolve checked, with the
    URL's host name for the Host header and the TLS certificate check.
    """

    def __init__(self):
        self.pools: dict[tuple, urllib3.HTTPConnectionPool] = {}
        # One name lookup per URL and task: the connection goes to the
        # checked address, so reusing it opens no gap for DNS tricks.
        self.targets: dict[str, addresses.Target] = {}

    def _pool(self, target: addresses.Target):
        key = (target.scheme, target.address, target.port, target.host)
        pool = self.pools.get(key)
        if pool is None:
            timeout = urllib3.Timeout(
                connect=settings.RELIEF_WEBHOOK_CONNECT_TIMEOUT,
                read=settings.RELIEF_WEBHOOK_READ_TIMEOUT,
            )
            options = {"timeout": timeout, "retries": False, "maxsize": 1}
            if target.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    target.address,
                    target.port,
                    server_hostname=target.host,
                    assert_hostname=target.host,
                    cert_reqs="CERT_REQUIRED",
                    **options,
                )
            else:
                pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
            self.pools[key] = pool
        return pool

    def post(self, url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
        """(HTTP status or None, error text) for one POST; never raises for the network."""
        target = self.targets.get(url)
        if target is None:
            try:
                target = self.targets[url] = addresses.resolve(url)
            except ValidationError as exc:
                return None, " ".join(exc.messages)
        default_port = 443 if target.scheme == "https" else 80
        host = target.host if target.port == default_port else f"{target.host}:{target.port}"
        try:
            response = self._pool(target).urlopen(
                "POST",
                target.path,
                body=body,
                headers={**headers, "Host": host},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            return None, _network_error(exc)
        try:
            excess = len(response.read(MAX_RESPONSE_BYTES + 1)) > MAX_RESPONSE_BYTES
        except urllib3.exceptions.HTTPError as exc:
            response.close()
            return response.status, _network_error(exc)
        if excess:
            response.close()  # the rest is not worth reading; this connection is spent
        else:
            response.release_conn()
        if 300 <= response.status < 400:
            where = response.headers.get("Location", "")[:200]
            return response.status, f"Redirect to {where or 'elsewhere'} not followed."
        if not 200 <= response.status < 300:
            return response.status, f"The receiver answered {response.status}."
        return response.status, ""

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()
        self.pools.clear()
        self.targets.clear()


def _network_error(exc) -> str:
    # NewConnectionError is also a ConnectTimeoutError in urllib3: test it first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return f"Could not connect: {exc}"[:500]
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return "Timed out."
    return f"{type(exc).__name__}: {exc}"[:500]


# The delivery and its endpoint in one query; a row another worker is
# sending is skipped, not waited for (that worker finishes it).
_LOCKED = (
    WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
    .select_related("endpoint")
    .order_by()
)


def _commit_without_waiting_for_disk() -> None:
    """This transaction's commit returns before its WAL reaches the disk.

    Safe here and only here: a database crash in that window (well under a
    second) forgets that the delivery was sent, so it is sent again, with the
    same event id, which the at-least-once guarantee already allows. Under
    write load the wait for the disk is most of a delivery's time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def webhook_deliver(*, delivery_id, sender: Sender) -> str:
    """Send one delivery if it is still pending and due. Returns what happened."""
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        delivery = next(iter(_LOCKED.filter(pk=delivery_id)), None)
        if delivery is None:
            return "busy"
        if delivery.status != Status.PENDING:
            return "not pending"
        now = timezone.now()
        if delivery.due_at > now:
            return "not due"  # waiting for a retry; the dispatcher claims it then
        endpoint = delivery.endpoint
        if not endpoint.active:
            delivery.status = Status.FAILED
            delivery.claimed_at = None
            delivery.last_error = "The endpoint is disabled."
            delivery.save(update_fields=["status", "claimed_at", "last_error"])
            return "skipped"
        body = delivery.body.encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Relief-Event": delivery.event,
            "Relief-Event-Id": str(delivery.event_id),
            "Relief-Delivery": str(delivery.pk),
            signing.HEADER: signing.header_value(signing_secrets(endpoint, now), timestamp, body),
        }
        started = time.perf_counter()
        status_code, error = sender.post(endpoint.url, body, headers)
        duration_ms = (time.perf_counter() - started) * 1000
        WebhookAttempt.objects.create(
            delivery=delivery,
            started_at=now,
            duration_ms=round(duration_ms, 2),
            status_code=status_code,
            error=error[:500],
        )
        return _record(delivery, status_code=status_code, error=error, now=now)


def _record(delivery: WebhookDelivery, *, status_code, error: str, now) -> str:
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error[:500]
    delivery.claimed_at = None
    fields = ["attempts", "last_status_code", "last_error", "claimed_at", "status"]
    if not error:
        delivery.status = Status.SENT
        delivery.sent_at = timezone.now()
        delivery.save(update_fields=[*fields, "sent_at"])
        return "sent"
    logger.info("Webhook delivery %s failed: %s", delivery.pk, error)
    due_at = now + retry_wait(delivery.attempts)
    if due_at > delivery.retry_until:
        delivery.status = Status.FAILED
        delivery.save(update_fields=fields)
        return "failed"
    delivery.due_at = due_at
    delivery.save(update_fields=[*fields, "due_at"])
    return "retrying"
