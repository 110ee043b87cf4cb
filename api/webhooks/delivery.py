"""Delivery: POST claimed webhooks, signed, and log each attempt.

At least once: a worker holds the send lock of every delivery in its batch
until the batch is done, so a second task for them skips them, and commits
each result as soon as the receiver has answered. A worker that dies after
the receiver answered and before that commit leaves that one delivery
pending, and it is sent again (same event id).
"""

import functools
import logging
import os
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
    """HTTP connections kept open across deliveries (a worker process keeps one
    Sender for its life: see process_sender).

    Each pool connects to the address addresses.resolve checked, with the
    URL's host name for the Host header and the TLS certificate check.
    """

    # More receivers than this and the idle connections are all dropped.
    MAX_POOLS = 100

    def __init__(self):
        self.pools: dict[tuple, urllib3.HTTPConnectionPool] = {}
        # One name lookup per URL and batch (forget_addresses): the
        # connection goes to the checked address, and a pool is keyed by that
        # address, so reusing it opens no gap for DNS tricks.
        self.targets: dict[str, addresses.Target] = {}

    def forget_addresses(self) -> None:
        self.targets.clear()

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
            if len(self.pools) >= self.MAX_POOLS:
                self.close()
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


_process_sender: Sender | None = None


def process_sender() -> Sender:
    """This process's Sender: its keep-alive connections serve every send task."""
    global _process_sender
    if _process_sender is None:
        _process_sender = Sender()
    return _process_sender


def _forget_process_sender() -> None:
    # A forked child must not share its parent's sockets.
    global _process_sender
    _process_sender = None


os.register_at_fork(after_in_child=_forget_process_sender)


def _network_error(exc) -> str:
    # NewConnectionError is also a ConnectTimeoutError in urllib3: test it first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return f"Could not connect: {exc}"[:500]
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return "Timed out."
    return f"{type(exc).__name__}: {exc}"[:500]


# PostgreSQL advisory locks of the form (LOCK_CLASS, delivery id mod 2**31)
# mark the deliveries a worker is sending. They belong to the worker's
# database session, not to a transaction: each result commits on its own
# while the rest of the batch stays held, and a worker that dies drops them
# with its connection.
LOCK_CLASS = 0x5EB0
_KEY = "(id %% 2147483648)::int"


def _vendor_is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _hold(ids: list[int]) -> list[int]:
    """Take the send locks of `ids` that no other session holds; returns those taken."""
    if not _vendor_is_postgresql():
        return list(ids)  # SQLite (development): one writer at a time anyway
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM unnest(%s::bigint[]) AS id "  # noqa: S608 (no user input)
            f"WHERE pg_try_advisory_lock(%s, {_KEY})",
            [ids, LOCK_CLASS],
        )
        return [row[0] for row in cursor.fetchall()]


def _let_go(ids: list[int]) -> None:
    if ids and _vendor_is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT pg_advisory_unlock(%s, {_KEY}) FROM unnest(%s::bigint[]) AS id",  # noqa: S608
                [LOCK_CLASS, ids],
            )


def in_flight(delivery_id: int) -> bool:
    """Whether some worker holds this delivery's send lock (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid = %s AND objid = %s AND objsubid = 2 AND granted)",
            [LOCK_CLASS, delivery_id % 2**31],
        )
        return cursor.fetchone()[0]


class _SynchronousCommitOff:
    """This session's commits return before their WAL reaches the disk.

    Safe here and only here: a database crash in that window (well under a
    second) forgets that a delivery was sent, so it is sent again, with the
    same event id, which the at-least-once guarantee already allows. Under
    write load the wait for the disk is most of a delivery's time.
    """

    def __enter__(self):
        self.on = _vendor_is_postgresql() and not connection.in_atomic_block
        if self.on:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")

    def __exit__(self, *exc):
        if self.on:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def webhook_deliveries_send(*, delivery_ids, sender: Sender, deadline=None):
    """Send the pending, due deliveries among `delivery_ids`, one POST each.

    Returns ({id: outcome}, ids left unsent because `deadline` (a
    time.monotonic() value) passed). The batch takes its locks and reads its
    rows in two queries; each result (the attempt log row and the delivery's
    new state) is then one statement, committed at once, so a worker that
    dies repeats at most the delivery it was sending.
    """
    ids = list(dict.fromkeys(delivery_ids))
    outcomes: dict[int, str] = {}
    held = _hold(ids)
    outcomes.update(dict.fromkeys(set(ids) - set(held), "busy"))
    try:
        with _SynchronousCommitOff():
            # Read after the locks are taken: a delivery another worker sent
            # just before letting go is seen as sent, not as still pending.
            rows = WebhookDelivery.objects.select_related("endpoint").in_bulk(held)
            for index, delivery_id in enumerate(held):
                if deadline is not None and time.monotonic() > deadline:
                    return outcomes, held[index:]
                delivery = rows.get(delivery_id)
                try:
                    outcomes[delivery_id] = _send_one(delivery, sender)
                except Exception:
                    # Not the receiver's fault (that is logged as an attempt): the
                    # row stays claimed and the dispatcher's lease sweep retries it.
                    logger.exception("Webhook delivery %s could not be processed", delivery_id)
                    outcomes[delivery_id] = "error"
    finally:
        _let_go(held)
    return outcomes, []


def webhook_deliver(*, delivery_id, sender: Sender) -> str:
    """Send one delivery if it is still pending and due. Returns what happened."""
    outcomes, _ = webhook_deliveries_send(delivery_ids=[delivery_id], sender=sender)
    return outcomes[delivery_id]


def _send_one(delivery: WebhookDelivery | None, sender: Sender) -> str:
    if delivery is None:
        return "gone"
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
    attempt = WebhookAttempt(
        delivery=delivery,
        started_at=now,
        duration_ms=round((time.perf_counter() - started) * 1000, 2),
        status_code=status_code,
        error=error[:500],
    )
    outcome = _apply(delivery, status_code=status_code, error=error, now=now)
    _write(delivery, attempt)
    return outcome


def _apply(delivery: WebhookDelivery, *, status_code, error: str, now) -> str:
    """The delivery's state after one attempt (in memory; _write stores it)."""
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error[:500]
    delivery.claimed_at = None
    if not error:
        delivery.status = Status.SENT
        delivery.sent_at = timezone.now()
        return "sent"
    logger.info("Webhook delivery %s failed: %s", delivery.pk, error)
    due_at = now + retry_wait(delivery.attempts)
    if due_at > delivery.retry_until:
        delivery.status = Status.FAILED
        return "failed"
    delivery.due_at = due_at
    return "retrying"


_RESULT_FIELDS = ["status", "attempts", "last_status_code", "last_error", "claimed_at"]
_RESULT_FIELDS += ["sent_at", "due_at"]
_ATTEMPT_FIELDS = ["delivery_id", "started_at", "duration_ms", "status_code", "error"]


@functools.cache
def _write_sql() -> str:
    quote = connection.ops.quote_name
    attempts = ", ".join(quote(WebhookAttempt._meta.get_field(f).column) for f in _ATTEMPT_FIELDS)
    values = ", ".join(["%s"] * len(_ATTEMPT_FIELDS))
    changes = ", ".join(f"{quote(f)} = %s" for f in _RESULT_FIELDS)
    # Only quoted model names are formatted in; every value is a parameter.
    return (
        f"WITH attempt AS (INSERT INTO {quote(WebhookAttempt._meta.db_table)} "  # noqa: S608
        f"({attempts}) VALUES ({values})) "
        f"UPDATE {quote(WebhookDelivery._meta.db_table)} SET {changes} WHERE {quote('id')} = %s"
    )


def _write(delivery: WebhookDelivery, attempt: WebhookAttempt) -> None:
    """The attempt's log row and the delivery's new state, committed together."""
    if not _vendor_is_postgresql():
        with transaction.atomic():
            attempt.save()
            delivery.save(update_fields=_RESULT_FIELDS)
        return

    def prep(instance, names):
        return [
            instance._meta.get_field(name).get_db_prep_save(getattr(instance, name), connection)
            for name in names
        ]

    with connection.cursor() as cursor:
        # One round trip; outside a transaction it commits on its own.
        cursor.execute(
            _write_sql(),
            [*prep(attempt, _ATTEMPT_FIELDS), *prep(delivery, _RESULT_FIELDS), delivery.pk],
        )
