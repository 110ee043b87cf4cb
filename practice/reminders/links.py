"""Confirm and cancel links in reminder messages.

A token is signed (django.core.signing, one salt per action) and carries the
appointment id, the appointment's iCalendar sequence and the appointment's
start. It stops working when the appointment starts (expiry), when the
appointment is moved or cancelled (the sequence changes), and a confirm link
once the appointment is confirmed. Nothing about the appointment is stored in
the clear in the token beyond its id, and the pages for a bad token say nothing
about any appointment.
"""

import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from practice.models import Appointment

ACTIONS = ("confirm", "cancel")


def _salt(action: str) -> str:
    return f"relief.reminder-link.{action}"


def make_token(appointment: Appointment, action: str) -> str:
    assert action in ACTIONS
    # A compact "id.sequence.expiry" rather than signed JSON: the link goes in
    # SMS, where every character counts.
    value = f"{appointment.pk.hex}.{appointment.sequence}.{int(appointment.starts_at.timestamp())}"
    return signing.Signer(salt=_salt(action)).sign(value)


def link_url(appointment: Appointment, action: str) -> str:
    path = reverse(
        f"reminders:{action}", kwargs={f"{action}_token": make_token(appointment, action)}
    )
    return settings.RELIEF_BASE_URL.rstrip("/") + path


class LinkError(Exception):
    """Why a link cannot be used: tampered, expired or used."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def read_token(token: str, action: str, *, now=None) -> Appointment:
    """The appointment a token acts on, or LinkError("tampered"|"expired"|"used")."""
    now = now or timezone.now()
    try:
        value = signing.Signer(salt=_salt(action)).unsign(token)
        appointment_hex, sequence, expiry = value.split(".")
        appointment_id = uuid.UUID(hex=appointment_hex)
        sequence = int(sequence)
        expires = datetime.fromtimestamp(int(expiry), tz=UTC)
    except (signing.BadSignature, TypeError, ValueError, OverflowError) as exc:
        raise LinkError("tampered") from exc
    if now >= expires:
        raise LinkError("expired")
    appointment = (
        Appointment.objects.select_related("therapist", "location", "client")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None or appointment.sequence != sequence:
        raise LinkError("used")
    if appointment.starts_at <= now:
        raise LinkError("expired")
    allowed = (
        (Appointment.Status.BOOKED,)
        if action == "confirm"
        else (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)
    )
    if appointment.status not in allowed:
        raise LinkError("used")
    return appointment
