"""Kiosk mode: the clinic tablet handed to a client for their check-in.

Staff start it from a signed-in session; from then on the session is flagged
and every page but the kiosk's own (the check-in form, its thank-you page, the
unlock form, sign-out) answers with a redirect to the kiosk. The flag lives in
the server-side session, so the client cannot clear it; only the staff
password (checked through authenticate(), so django-axes throttles guesses)
or signing out ends it.
"""

from django.contrib.auth import authenticate

KIOSK_SESSION_KEY = "relief_kiosk"


def kiosk_page(view):
    """A page the tablet may show while locked in kiosk mode."""
    view.kiosk_page = True
    return view


def is_kiosk_page(view_func) -> bool:
    return getattr(view_func, "kiosk_page", False) or getattr(
        getattr(view_func, "view_class", None), "kiosk_page", False
    )


def kiosk_enter(request, *, appointment_id, return_to: str) -> None:
    """Lock this session to the check-in of one appointment."""
    # A new session key: whatever was captured of the staff session before
    # the hand-over does not open the kiosk session, nor the other way round.
    request.session.cycle_key()
    request.session[KIOSK_SESSION_KEY] = {
        "appointment_id": str(appointment_id),
        "return_to": return_to,
    }


def kiosk_state(request) -> dict | None:
    session = getattr(request, "session", None)
    return session.get(KIOSK_SESSION_KEY) if session is not None else None


def kiosk_leave(request, *, password: str) -> str | None:
    """End kiosk mode if `password` is the signed-in staff member's.

    Returns the page to go back to, or None when the password is wrong.
    """
    state = kiosk_state(request)
    if state is None:
        return None
    user = authenticate(request, username=request.user.get_username(), password=password)
    if user is None or user.pk != request.user.pk:
        return None
    del request.session[KIOSK_SESSION_KEY]
    request.session.cycle_key()
    return state["return_to"]
