import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.security.access import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _sign_in(client, user):
    return client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )


def test_owner_enrols_an_authenticator_and_is_asked_for_a_code_next_time(client, owner):
    _sign_in(client, owner)
    page = client.get(reverse("two_factor_setup"))
    assert b"data:image/svg+xml;base64," in page.content
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    wrong = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert b"did not match" in wrong.content
    done = client.post(reverse("two_factor_setup"), {"token": _code(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed

    client.post(reverse("logout"))
    _sign_in(client, owner)
    held = client.get(reverse("owner:staff"))
    assert held.status_code == 302
    assert held["Location"].startswith(reverse("two_factor_verify"))
    device.refresh_from_db()
    device.last_t = -1  # allow the same time step again in this fast test
    device.save()
    response = client.post(
        reverse("two_factor_verify"),
        {"otp_device": device.persistent_id, "otp_token": _code(device), "next": "/owner/staff/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/owner/staff/"
    assert client.get(reverse("owner:staff")).status_code == 200


def test_wrong_code_keeps_the_user_out(client, owner):
    device = TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    _sign_in(client, owner)
    response = client.post(
        reverse("two_factor_verify"), {"otp_device": device.persistent_id, "otp_token": "123456"}
    )
    assert response.status_code == 200
    assert client.get(reverse("practice:home")).status_code == 302


def test_required_role_must_enrol_before_anything_else(client, owner, front_desk, settings):
    settings.RELIEF_TWO_FACTOR_REQUIRED_ROLES = [Role.OWNER.value]
    _sign_in(client, owner)
    response = client.get(reverse("practice:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_setup")
    client.post(reverse("logout"))
    _sign_in(client, front_desk)
    assert client.get(reverse("practice:home")).status_code == 200


def test_turning_it_off_needs_a_current_code(client, owner):
    device = TOTPDevice.objects.create(user=owner, name="app", confirmed=True)
    client.force_login(owner)
    session = client.session
    session.pop("relief_otp_needs_code", None)
    session.save()
    refused = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert refused.status_code == 200
    assert TOTPDevice.objects.filter(user=owner).exists()
    # force_login created the session with the code step pending; verify first.
    client.post(
        reverse("two_factor_verify"),
        {"otp_device": device.persistent_id, "otp_token": _code(device)},
    )
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    client.post(reverse("two_factor_setup"), {"token": _code(device)})
    assert not TOTPDevice.objects.filter(user=owner).exists()
