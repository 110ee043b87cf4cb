"""Personal API tokens: created on the user's own page, shown once, stored as a
hash, expiring, revocable, throttled on failures, and acting as their user."""

import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.rest import services
from api.rest.models import ApiToken
from clients.tokens import hash_token

pytestmark = pytest.mark.django_db

CLIENTS = "/api/v1/clients/"


def _with(secret):
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_only_the_hash_is_stored_and_the_secret_works(owner):
    token, secret = services.api_token_create(user=owner, name="Sync", days=30)
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_token(secret)
    assert secret not in {stored.key_hash, stored.prefix, stored.name}
    assert secret.startswith(stored.prefix) and len(secret) > 40
    assert abs(stored.expires_at - stored.created_at - timedelta(days=30)) < timedelta(seconds=5)
    assert _with(secret).get(CLIENTS).status_code == 200


def test_last_used_is_recorded(owner):
    token, secret = services.api_token_create(user=owner, name="Sync", days=30)
    assert token.last_used_at is None
    _with(secret).get(CLIENTS)
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < timedelta(seconds=30)


def test_expired_and_revoked_tokens_are_refused(owner):
    expired, expired_secret = services.api_token_create(user=owner, name="Old", days=1)
    now = timezone.now()
    ApiToken.objects.filter(pk=expired.pk).update(
        created_at=now - timedelta(days=2), expires_at=now - timedelta(seconds=1)
    )
    revoked, revoked_secret = services.api_token_create(user=owner, name="Gone", days=30)
    services.api_token_revoke(token=revoked)
    for secret in (expired_secret, revoked_secret, "relief_not-a-token"):
        response = _with(secret).get(CLIENTS)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_token"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_user_or_one_who_lost_the_role_has_no_api(owner, therapist):
    _, owner_secret = services.api_token_create(user=owner, name="A", days=30)
    _, dana_secret = services.api_token_create(user=therapist.user, name="B", days=30)
    owner.is_active = False
    owner.save()
    therapist.user.groups.clear()
    assert _with(owner_secret).get(CLIENTS).status_code == 401
    assert _with(dana_secret).get(CLIENTS).status_code == 401


def test_front_desk_and_no_role_cannot_create_tokens(front_desk, no_role_user):
    for user in (front_desk, no_role_user):
        with pytest.raises(ValidationError):
            services.api_token_create(user=user, name="X", days=30)


def test_expiry_is_bounded(owner, settings):
    settings.RELIEF_API_TOKEN_MAX_DAYS = 90
    with pytest.raises(ValidationError):
        services.api_token_create(user=owner, name="X", days=365)
    with pytest.raises(ValidationError):
        services.api_token_create(user=owner, name="X", days=0)


def test_repeated_bad_tokens_from_one_address_are_throttled(owner, settings):
    settings.RELIEF_API_AUTH_FAILURE_LIMIT = 3
    _, secret = services.api_token_create(user=owner, name="Sync", days=30)
    for _ in range(3):
        assert _with("relief_guess").get(CLIENTS).status_code == 401
    # Now refused, even with a good token, until the window passes.
    refused = _with(secret).get(CLIENTS)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    # Another address is not affected.
    other = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR="203.0.113.9")
    assert other.get(CLIENTS).status_code == 200


def test_plain_http_is_refused_in_production(owner, settings):
    settings.SECURE_SSL_REDIRECT = True
    _, secret = services.api_token_create(user=owner, name="Sync", days=30)
    response = _with(secret).get(CLIENTS)
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert _with(secret).get(CLIENTS, secure=True).status_code == 200


def test_the_token_page_creates_shows_once_lists_and_revokes(client, therapist):
    client.force_login(therapist.user)
    page = client.get(reverse("api:tokens"))
    assert b"No tokens yet" in page.content
    created = client.post(reverse("api:tokens"), {"name": "Calendar sync", "days": "90"})
    assert created.status_code == 201
    secret = re.search(rb'value="(relief_[^"]+)"', created.content).group(1).decode()
    token = ApiToken.objects.get(user=therapist.user)
    assert token.name == "Calendar sync" and token.key_hash == hash_token(secret)
    # Listed by name and prefix; the secret is never shown again.
    listing = client.get(reverse("api:tokens"))
    assert b"Calendar sync" in listing.content and token.prefix.encode() in listing.content
    assert secret.encode() not in listing.content
    assert _with(secret).get(CLIENTS).status_code == 200
    # Revoking asks first; the token stops working.
    confirm = client.get(reverse("api:token_revoke", args=[token.pk]))
    assert b"cannot be undone" in confirm.content
    assert _with(secret).get(CLIENTS).status_code == 200
    client.post(reverse("api:token_revoke", args=[token.pk]))
    assert _with(secret).get(CLIENTS).status_code == 401


def test_the_token_form_keeps_what_was_typed_on_an_error(client, owner):
    client.force_login(owner)
    response = client.post(reverse("api:tokens"), {"name": "Reports export", "days": "7"})
    assert response.status_code == 200
    assert b'value="Reports export"' in response.content
    assert not ApiToken.objects.exists()


def test_one_user_cannot_revoke_anothers_token(client, owner, therapist):
    token, secret = services.api_token_create(user=therapist.user, name="Dana's", days=30)
    client.force_login(owner)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    assert _with(secret).get(CLIENTS).status_code == 200


def test_creating_and_revoking_is_audited(client, owner):
    client.force_login(owner)
    client.post(reverse("api:tokens"), {"name": "Sync", "days": "30"})
    token = ApiToken.objects.get()
    client.post(reverse("api:token_revoke", args=[token.pk]))
    entries = LogEntry.objects.get_for_object(token).order_by("timestamp")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert all(e.actor == owner for e in entries)
    assert all("key_hash" not in (e.changes_text or "") + str(e.changes) for e in entries)


def test_a_token_request_opens_no_session(bearer, owner):
    """A token is the whole sign-in: no session cookie, no session row, however
    many requests (each from a client without cookies, as an integration calls)."""
    from django.contrib.sessions.models import Session

    before = Session.objects.count()
    for _ in range(3):
        response = bearer(owner).get("/api/v1/locations/")
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
    assert Session.objects.count() == before
