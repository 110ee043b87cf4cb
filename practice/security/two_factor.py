"""Two-factor sign-in for staff with authenticator apps (django-otp TOTP).

A person who has enrolled a device must enter a code after the password
before any page opens; roles listed in RELIEF_TWO_FACTOR_REQUIRED_ROLES must
enrol before they can use anything else.
"""

import base64
import io
from base64 import b32encode

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.security.access import roles_of

DEVICE_NAME = "Authenticator app"
SESSION_NEEDS_CODE = "relief_otp_needs_code"


def needs_code_after_login(user) -> bool:
    return user_has_device(user, confirmed=True)


def must_enrol(user) -> bool:
    required = set(settings.RELIEF_TWO_FACTOR_REQUIRED_ROLES)
    return bool(roles_of(user) & required) and not user_has_device(user, confirmed=True)


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (a new secret per enrolment)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def secret_for_display(device: TOTPDevice) -> str:
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    out = io.BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=4, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@transaction.atomic
def device_confirm(*, request, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm enrolment with a first code; the session counts as verified."""
    if not device.verify_token((token or "").replace(" ", "")):
        raise ValidationError({"token": "That code did not match. Check the time on your phone."})
    TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    request.session.pop(SESSION_NEEDS_CODE, None)
    return device


@transaction.atomic
def device_remove(*, user, token: str) -> None:
    """Switch two-factor off; proving possession with a current code."""
    device = confirmed_device(user)
    if device is None:
        return
    if not device.verify_token((token or "").replace(" ", "")):
        raise ValidationError({"token": "That code did not match."})
    TOTPDevice.objects.filter(user=user).delete()


def code_verified(*, request, device) -> None:
    otp_login(request, device)
    request.session.pop(SESSION_NEEDS_CODE, None)
