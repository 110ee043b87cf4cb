import logging
import re
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from practice.security.access import CLIENT_PORTAL, PUBLIC, rule_of
from practice.security.kiosk import is_kiosk_page, kiosk_state

logger = logging.getLogger(__name__)

SESSION_STARTED_KEY = "relief_auth_started"
SESSION_RENEWED_KEY = "relief_renewed"
# Renewing the idle expiry writes the session; once a minute is plenty for a
# 30-minute timeout and spares a database write and commit on every request.
SESSION_RENEW_SECONDS = 60


# C0 control characters and DEL, but tab, newline and carriage return: no
# person types them, PostgreSQL refuses NUL in text, and they hide text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _without_control_characters(data: QueryDict) -> QueryDict:
    if not any(
        CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(v) for v in values)
        for key, values in data.lists()
    ):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(
            CONTROL_CHARACTERS.sub("", key), [CONTROL_CHARACTERS.sub("", v) for v in values]
        )
    cleaned._mutable = False
    return cleaned


class InputCleaningMiddleware:
    """Strip control characters from every query and form value, once for all views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = _without_control_characters(request.GET)
        if request.method == "POST":
            request.POST = _without_control_characters(request.POST)
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages are never kept by browsers or proxies: most show clinical data or contact details.

    Static files are served by WhiteNoise before this runs and keep their caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class AccessRuleMiddleware:
    """Refuse any view that has not declared an access rule (deny by default)."""

    exempt_modules = ("django.contrib.admin", "django.contrib.staticfiles", "django.views.static")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        module = getattr(view_func, "__module__", "") or ""
        if module.startswith(self.exempt_modules):
            return None
        if rule_of(view_func) is None:
            logger.error("View %s declares no access rule; refusing.", view_func)
            raise Http404
        return None


class AbsoluteSessionLimitMiddleware:
    """End a staff session a fixed time after login, however active it is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            limit = settings.SESSION_ABSOLUTE_HOURS * 3600
            if started is None or time.time() - started > limit:
                logout(request)
                messages.info(request, "Your session has ended. Please sign in again.")
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class SessionIdleRenewalMiddleware:
    """Push a signed-in session's idle expiry back, at most once a minute.

    Saving a session sets its expiry to now + SESSION_COOKIE_AGE, so an idle
    session ends SESSION_COOKIE_AGE after the last renewal: between the idle
    timeout minus a minute and the idle timeout after the last request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Checked after the view: a sign-out must not write a fresh session.
        # Only a session the request came with: a REST API token request is
        # signed in by its token (DRF sets request.user) and has none, and
        # renewing would create one, a session row and cookie per request.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.session_key:
            now = int(time.time())
            renewed = request.session.get(SESSION_RENEWED_KEY, 0)
            if now - renewed >= SESSION_RENEW_SECONDS:
                request.session[SESSION_RENEWED_KEY] = now
        return response


class KioskMiddleware:
    """While the tablet is in kiosk mode, every other page sends it back to the kiosk."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if kiosk_state(request) is None or is_kiosk_page(view_func):
            return None
        target = reverse("clients:kiosk")
        if request.headers.get("HX-Request"):
            # An htmx swap would paint the kiosk into a staff page's region.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)


class TwoFactorGateMiddleware:
    """Hold a signed-in user at the code (or enrolment) page until done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from practice.security import two_factor

        user = request.user
        # Portal pages never admit a staff session, so there is nothing to gate.
        if not user.is_authenticated or rule_of(view_func) in (PUBLIC, CLIENT_PORTAL):
            return None
        if getattr(view_func, "two_factor_exempt", False) or user.is_verified():
            return None
        if request.session.get(two_factor.SESSION_NEEDS_CODE):
            return redirect_to_login(request.get_full_path(), "two_factor_verify", "next")
        if two_factor.must_enrol(user):
            return redirect("two_factor_setup")
        return None


class DebugNotFoundMiddleware:
    """Show the project's own 404 page in development too.

    With DEBUG on, Django answers an Http404 (an unknown URL, a refused page, a
    record out of reach) with its technical page listing every URL pattern,
    which is not what Relief shows anyone. The Http404 is turned into that
    page inside the innermost handler, before any middleware sees it (also
    for process_view refusals and unresolved URLs), so the finished response
    is recognised here. Django's technical 500 page stays: it helps with a
    real error in development.
    """

    technical_marker = b"<code>DEBUG = True</code>"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and not getattr(response, "streaming", False)
            and self.technical_marker in response.content
        ):
            response = render(request, "404.html", status=404)
        return response


class AuditRequestMiddleware:
    """Each request is one page view for the audit trail (see audit.request_started)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from practice.security import audit

        audit.request_started()
        return self.get_response(request)
