"""API token writes: create (the secret is returned once), revoke, mark used."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.tokens import TOKEN_BYTES, hash_token
from practice.security.access import roles_of

from .models import ApiToken

# A secret that names its kind, so a leaked one is recognised by secret scanners.
TOKEN_PREFIX = "relief_"  # noqa: S105 (a label, not a secret)
# The last-used time is written at most this often: one UPDATE a minute per
# token rather than one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def may_hold_token(user) -> bool:
    """Roles with a personal API token (RELIEF_API_TOKEN_ROLES)."""
    allowed = set(settings.RELIEF_API_TOKEN_ROLES)
    return any(role.value in allowed for role in roles_of(user))


def api_token_create(*, user, name: str, days: int, now=None) -> tuple[ApiToken, str]:
    """A new token for `user`, valid `days` days. Returns the row and the secret,
    which is stored nowhere and cannot be shown again."""
    now = now or timezone.now()
    if not may_hold_token(user):
        raise ValidationError("Your role has no API access.", code="no_api_role")
    if not 1 <= days <= settings.RELIEF_API_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"days": f"Choose between 1 and {settings.RELIEF_API_TOKEN_MAX_DAYS} days."}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(
        user=user,
        name=name.strip(),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
        key_hash=hash_token(secret),
        expires_at=now + timedelta(days=days),
    )
    token.full_clean(exclude=["key_hash"])
    token.save()
    return token, secret


def api_token_revoke(*, token: ApiToken, now=None) -> ApiToken:
    """Revoke for good: the token stops working on its next request."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken, now=None) -> None:
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # A plain UPDATE: bookkeeping, not a change worth an audit entry.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
