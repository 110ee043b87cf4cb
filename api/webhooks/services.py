"""Webhook writes: endpoints (owner), recording events, resending deliveries.

webhook_event_record is the one call the domain services make, inside their
own transaction: the delivery rows commit or roll back with the change.
"""

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from api.webhooks import addresses, events, payloads
from api.webhooks.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
# A rotated-out secret keeps signing (beside the new one) this long.
PREVIOUS_SECRET_HOURS = 24


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def retry_window() -> timedelta:
    return timedelta(hours=settings.RELIEF_WEBHOOK_RETRY_HOURS)


def _clean(*, url: str, description: str, event_names) -> dict:
    url = (url or "").strip()
    addresses.resolve(url)  # raises ValidationError: not https, private, unknown name
    chosen = set(event_names)
    if not chosen or not chosen <= set(events.SUBSCRIBABLE):
        raise ValidationError({"events": "Choose at least one event from the list."})
    return {"url": url, "description": (description or "").strip(), "events": events.encode(chosen)}


def endpoint_create(*, url: str, description: str = "", event_names, by) -> WebhookEndpoint:
    """Register an endpoint with a new signing secret (the caller shows it once)."""
    try:
        fields = _clean(url=url, description=description, event_names=event_names)
    except ValidationError as exc:
        raise _on_field(exc, "url") from exc
    endpoint = WebhookEndpoint(**fields, secret=new_secret(), created_by=by)
    endpoint.full_clean()
    endpoint.save()
    logger.info("Webhook endpoint %s registered by %s", endpoint.pk, by)
    return endpoint


def _on_field(exc: ValidationError, field: str) -> ValidationError:
    # Address problems belong to the URL field of the form.
    return exc if hasattr(exc, "error_dict") else ValidationError({field: exc.messages})


def endpoint_update(
    *, endpoint: WebhookEndpoint, url: str, description: str = "", event_names
) -> WebhookEndpoint:
    try:
        fields = _clean(url=url, description=description, event_names=event_names)
    except ValidationError as exc:
        raise _on_field(exc, "url") from exc
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def endpoint_set_active(*, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    """Disable or enable. A disabled endpoint gets no new events; what was
    pending for it fails with that reason (the owner can resend it)."""
    endpoint.active = active
    endpoint.save(update_fields=["active", "updated_at"])
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint, by) -> None:
    """Delete the endpoint with its delivery log (the audit trail keeps the deletion)."""
    logger.info("Webhook endpoint %s deleted by %s", endpoint.pk, by)
    endpoint.delete()


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, now=None) -> WebhookEndpoint:
    """A new secret at once; the old one also signs for PREVIOUS_SECRET_HOURS."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_until = now + timedelta(hours=PREVIOUS_SECRET_HOURS)
        locked.secret = new_secret()
        locked.secret_rotated_at = now
        locked.save()
    return locked


def signing_secrets(endpoint: WebhookEndpoint, now) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous
    one while it is honoured."""
    keys = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and now < endpoint.previous_secret_until
    ):
        keys.append(endpoint.previous_secret)
    return keys


def _insert_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ["endpoint_id", *_COLUMNS])
    placeholders = ", ".join(["%s"] * len(_COLUMNS))
    # Only quoted model names are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(WebhookDelivery._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {quote('id')}, {placeholders} FROM {quote(WebhookEndpoint._meta.db_table)} "
        f"WHERE {quote('active')} = %s AND {quote('events')} LIKE %s"
    )
    return sql


_COLUMNS = [
    "event",
    "event_id",
    "body",
    "status",
    "created_at",
    "due_at",
    "retry_until",
    "attempts",
    "last_error",
]


def webhook_event_record(*, event: str, instance, now=None) -> int:
    """Queue `event` about `instance` for every active endpoint subscribed to it.

    Call it inside the transaction that makes the change. One statement
    (INSERT ... SELECT from the subscribed endpoints), whether or not anyone
    subscribes, so the pages that change things keep their query budgets.
    Returns the number of deliveries queued.
    """
    if event not in events.SUBSCRIBABLE:
        raise ValueError(f"Unknown webhook event {event!r}")
    now = now or timezone.now()
    event_id, body = payloads.envelope(event=event, instance=instance, created=now)
    values = {
        "event": event,
        "event_id": event_id,
        "body": body,
        "status": Status.PENDING,
        "created_at": now,
        "due_at": now,
        "retry_until": now + retry_window(),
        "attempts": 0,
        "last_error": "",
    }
    params = [
        WebhookDelivery._meta.get_field(name).get_db_prep_save(values[name], connection)
        for name in _COLUMNS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(), [*params, True, f"%,{event},%"])
        return cursor.rowcount


def webhook_send_test(*, endpoint: WebhookEndpoint, by, now=None) -> WebhookDelivery:
    """Queue a `webhook.test` event to this (active) endpoint alone."""
    if not endpoint.active:
        raise ValidationError("Enable the endpoint before sending it a test event.")
    now = now or timezone.now()
    event_id, body = payloads.envelope(event=events.TEST, instance=endpoint, created=now)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=events.TEST,
        event_id=event_id,
        body=body,
        created_at=now,
        due_at=now,
        retry_until=now + retry_window(),
    )
    logger.info("Webhook test event %s to %s queued by %s", event_id, endpoint.pk, by)
    return delivery


def delivery_resend(*, delivery: WebhookDelivery, by, now=None) -> WebhookDelivery:
    """Send a sent or failed delivery again: same event id and body, a new day of retries."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .get(pk=delivery.pk)
        )
        if locked.status == Status.PENDING:
            raise ValidationError("This delivery is already waiting to be sent.")
        if not locked.endpoint.active:
            raise ValidationError("Enable the endpoint before resending to it.")
        locked.status = Status.PENDING
        locked.due_at = now
        locked.retry_until = now + retry_window()
        locked.claimed_at = None
        locked.attempts = 0
        locked.save(update_fields=["status", "due_at", "retry_until", "claimed_at", "attempts"])
    logger.info("Webhook delivery %s queued again by %s", locked.pk, by)
    return locked


def webhook_deliveries_prune(*, now=None, chunk=5000) -> int:
    """Delete sent and failed deliveries older than RELIEF_WEBHOOK_KEEP_DAYS, with
    their attempts; pending ones stay whatever their age. Returns how many went.

    In chunks, so years of log never become one long-locking DELETE.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.RELIEF_WEBHOOK_KEEP_DAYS)
    old = WebhookDelivery.objects.filter(
        created_at__lt=cutoff, status__in=[Status.SENT, Status.FAILED]
    )
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:chunk]):
        WebhookDelivery.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted
