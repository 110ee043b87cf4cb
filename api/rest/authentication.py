"""Bearer-token authentication for the REST API, with a throttle on failures."""

from auditlog.context import auditlog_value
from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from clients.ratelimit import client_ip

from . import selectors, services

KEYWORD = b"bearer"
FAILURE_WINDOW_SECONDS = 15 * 60


def _failure_key(request) -> str:
    return f"relief:api-token-failures:{client_ip(request)}"


def _record_failure(request) -> None:
    key = _failure_key(request)
    cache.add(key, 0, FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, FAILURE_WINDOW_SECONDS)


def _act_as(user) -> None:
    """Name the token's user on this request's audit entries.

    AuditlogMiddleware took the actor from the session before the view ran,
    when a token request was still anonymous; its context is per request."""
    context = auditlog_value.get(None)
    if context is not None and context.get("actor") is None:
        context["actor"] = user


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer relief_...`: the token's user, with their roles.

    One address presenting RELIEF_API_AUTH_FAILURE_LIMIT bad tokens within 15
    minutes is refused (429) until the window passes, even with a good token:
    guessing 43 random characters is hopeless, but a leaked-list replay is not.
    """

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None
        if cache.get(_failure_key(request), 0) >= settings.RELIEF_API_AUTH_FAILURE_LIMIT:
            raise exceptions.Throttled(
                wait=FAILURE_WINDOW_SECONDS, detail="Too many failed token attempts from here."
            )
        if len(parts) != 2:
            _record_failure(request)
            raise exceptions.AuthenticationFailed(
                "Send the header as 'Authorization: Bearer <token>'.", code="malformed_token"
            )
        try:
            secret = parts[1].decode("ascii")
        except UnicodeError:
            secret = ""
        token = selectors.token_for_secret(secret) if secret else None
        if token is None or not services.may_hold_token(token.user):
            _record_failure(request)
            raise exceptions.AuthenticationFailed(
                "The token is unknown, expired or revoked.", code="invalid_token"
            )
        services.api_token_touch(token=token)
        _act_as(token.user)
        return token.user, token

    def authenticate_header(self, request):
        # Makes an unauthenticated request a 401 (with this challenge), not a 403.
        return 'Bearer realm="api"'
