import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from practice.security.middleware import SESSION_RENEWED_KEY, SESSION_STARTED_KEY
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_staff_signs_in_and_lands_on_today(client, front_desk):
    response = _login(client, front_desk.username, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("practice:home")
    page = client.get(reverse("practice:home"))
    assert page.status_code == 200
    assert b"Today" in page.content


def test_wrong_password_keeps_username_and_explains(client, front_desk):
    response = _login(client, front_desk.username, "not-the-password")
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert f'value="{front_desk.username}"'.encode() in response.content


def test_lockout_is_per_username_and_address_not_whole_address(client, front_desk, therapist):
    for _ in range(5):
        _login(client, front_desk.username, "wrong-password-here", ip="10.0.0.7")
    locked = _login(client, front_desk.username, PASSWORD, ip="10.0.0.7")
    assert locked.status_code == 429
    assert b"Too many attempts" in locked.content
    # A colleague at the same front desk (same address) still signs in.
    colleague = _login(client, therapist.user.username, PASSWORD, ip="10.0.0.7")
    assert colleague.status_code == 302


def test_successful_login_resets_failure_counter(client, front_desk):
    for _ in range(4):
        _login(client, front_desk.username, "wrong-password-here")
    assert _login(client, front_desk.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, front_desk.username, "wrong-password-here")
    assert _login(client, front_desk.username, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "password", ["short-pass1", "password1234", "1234567890123"], ids=["short", "common", "digits"]
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_long_passphrase_needs_no_symbols_or_digits():
    validate_password("correct horse battery staple")


def test_logout_ends_the_session_on_the_server(client, front_desk):
    client.force_login(front_desk)
    session_key = client.session.session_key
    client.post(reverse("logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(reverse("practice:home")).status_code == 302


def test_idle_timeout_is_thirty_minutes_by_default(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert "practice.security.middleware.SessionIdleRenewalMiddleware" in settings.MIDDLEWARE


def _stored_session(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key)


def test_session_idle_for_thirty_minutes_must_sign_in_again(client, front_desk):
    client.force_login(front_desk)
    assert client.get(reverse("practice:home")).status_code == 200
    stored = _stored_session(client)
    stored.expire_date = timezone.now() - timedelta(seconds=1)
    stored.save()
    from django.core.cache import cache

    cache.clear()  # a cached_db session would otherwise still be served from the cache
    response = client.get(reverse("practice:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_renews_the_idle_expiry_at_most_once_a_minute(client, front_desk):
    client.force_login(front_desk)
    client.get(reverse("practice:home"))
    first = _stored_session(client)
    assert abs(first.expire_date - (timezone.now() + timedelta(minutes=30))) < timedelta(seconds=5)

    client.get(reverse("practice:home"))
    assert _stored_session(client).expire_date == first.expire_date  # not saved again

    session = client.session
    session[SESSION_RENEWED_KEY] = int(time.time()) - 61
    session.save()
    before = _stored_session(client).expire_date
    client.get(reverse("practice:home"))
    after = _stored_session(client)
    assert after.expire_date > before
    assert client.session[SESSION_RENEWED_KEY] >= int(time.time()) - 5


def test_session_ends_at_absolute_limit_even_when_active(client, front_desk, settings):
    client.force_login(front_desk)
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - settings.SESSION_ABSOLUTE_HOURS * 3600 - 1
    session.save()
    response = client.get(reverse("practice:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("practice:home")).status_code == 302


def test_password_reset_sends_a_working_link(client, front_desk):
    response = client.post(reverse("password_reset"), {"email": front_desk.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(w for w in mail.outbox[0].body.split() if "/accounts/password/reset/" in w)
    path = link.split("://", 1)[1].split("/", 1)[1]
    form_page = client.get("/" + path, follow=True)
    assert b"Choose a new password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert done.status_code == 302
    user = get_user_model().objects.get(pk=front_desk.pk)
    assert user.check_password("a brand new passphrase")


def test_navigation_shows_only_what_the_role_may_use(client_as):
    page = client_as("no_role").get(reverse("practice:home"))
    assert page.status_code == 404
    page = client_as("front_desk").get(reverse("practice:home"))
    assert b'href="/admin/' not in page.content
