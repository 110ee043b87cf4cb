"""The portal session: which client is signed in, kept apart from staff sign-in.

The session holds only the client's id (and when it was last used). It ends
RELIEF_PORTAL_IDLE_MINUTES after its last use, checked here; the session row
itself also ends SESSION_IDLE_MINUTES after its last save, as staff ones do. A session
with a staff user in it never opens the portal, and signing in to the portal
ends any staff sign-in in that browser first, so one browser session is
never both at once.
"""

import time

from django.conf import settings
from django.contrib.auth import logout

from clients.models import Client

PORTAL_CLIENT_KEY = "portal_client_id"
PORTAL_SEEN_KEY = "portal_seen"
# The address a code was asked for, so the code page knows which codes to check.
PORTAL_PENDING_KEY = "portal_pending_address"
# Like the staff session: record activity at most once a minute, sparing a
# session write on every page.
RENEW_SECONDS = 60


def idle_seconds() -> int:
    return settings.RELIEF_PORTAL_IDLE_MINUTES * 60


def sign_in(request, client: Client) -> None:
    # A new session: a staff sign-in in this browser, the pending code, anything
    # captured of the session before, are gone, and the key changes.
    if request.user.is_authenticated:
        logout(request)
    else:
        request.session.flush()
    request.session[PORTAL_CLIENT_KEY] = str(client.pk)
    request.session[PORTAL_SEEN_KEY] = int(time.time())


def sign_out(request) -> None:
    if PORTAL_CLIENT_KEY in request.session:
        request.session.flush()


def current_client(request) -> Client | None:
    """The signed-in client, or None (nobody, idle too long, archived, or a staff session)."""
    session = request.session
    client_id = session.get(PORTAL_CLIENT_KEY)
    if client_id is None:
        return None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    now = int(time.time())
    seen = session.get(PORTAL_SEEN_KEY, 0)
    if now - seen > idle_seconds():
        session.flush()
        return None
    client = Client.objects.current().filter(pk=client_id).first()
    if client is None:
        session.flush()
        return None
    if now - seen >= RENEW_SECONDS:
        session[PORTAL_SEEN_KEY] = now
    return client


def remember_pending(request, address: str) -> None:
    request.session[PORTAL_PENDING_KEY] = address


def pending_address(request) -> str | None:
    return request.session.get(PORTAL_PENDING_KEY)
