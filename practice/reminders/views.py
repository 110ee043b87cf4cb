"""Reminder links for clients, the staff resend action and calendar feeds.

Client links never act on GET (mail scanners open every link in a message):
GET shows what will happen and a button; POST acts, then redirects.
"""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from practice import services
from practice.models import CalendarFeed, SmsInbound
from practice.reminders import feeds, ics, inbound, links, outbox, twilio_sms
from practice.reminders import messages as messaging
from practice.reminders.selectors import (
    reminders_manageable_by,
    sent_messages,
    sent_messages_kept,
)
from practice.reminders.selectors import sms_inbox as sms_inbox_messages
from practice.security.access import (
    Role,
    owner_required,
    public,
    roles_required,
    staff_required,
)

FAILURE_WINDOW_SECONDS = 15 * 60
CLIENT_CANCEL_REASON = "Cancelled by client from reminder"
FEED_URL_SESSION_KEY = "relief_new_calendar_feed_url"


def _failure_key(request) -> str:
    # The client address as the sign-in throttle sees it (proxy-aware through
    # AXES_IPWARE_PROXY_COUNT), so a proxy's address is not one shared bucket.
    return f"relief:reminder-link-failures:{get_client_ip_address(request) or ''}"


def _throttled(request) -> bool:
    return (cache.get(_failure_key(request)) or 0) >= settings.RELIEF_LINK_FAILURE_LIMIT


def _record_failure(request) -> None:
    key = _failure_key(request)
    cache.add(key, 0, FAILURE_WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, FAILURE_WINDOW_SECONDS)


def _link_problem(request, reason: str):
    status = {"throttled": 429, "tampered": 404}.get(reason, 410)
    return render(
        request, "practice/reminders/link_problem.html", {"reason": reason}, status=status
    )


def _open_link(request, token: str, action: str):
    """(appointment, None) for a usable link, else (None, the problem page)."""
    if _throttled(request):
        return None, _link_problem(request, "throttled")
    try:
        return links.read_token(token, action), None
    except links.LinkError as exc:
        if exc.reason == "tampered":
            _record_failure(request)
        return None, _link_problem(request, exc.reason)


@public
@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, confirm_token):
    appointment, problem = _open_link(request, confirm_token, "confirm")
    if problem:
        return problem
    if request.method == "POST":
        try:
            services.appointment_confirm(appointment=appointment, by=None)
        except ValidationError:
            return _link_problem(request, "used")
        return redirect("reminders:done", outcome="confirmed")
    return render(
        request,
        "practice/reminders/confirm.html",
        {"details": messaging.appointment_details(appointment)},
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def cancel(request, cancel_token):
    appointment, problem = _open_link(request, cancel_token, "cancel")
    if problem:
        return problem
    details = messaging.appointment_details(appointment)
    late = services.is_late_cancel(appointment)
    if late and not settings.RELIEF_CLIENT_LATE_CANCEL_ALLOWED:
        return render(
            request,
            "practice/reminders/call_to_cancel.html",
            {"details": details, "hours": settings.RELIEF_LATE_CANCEL_HOURS},
        )
    if request.method == "POST":
        try:
            services.appointment_cancel(
                appointment=appointment, by=None, reason=CLIENT_CANCEL_REASON
            )
        except ValidationError:
            return _link_problem(request, "used")
        return redirect("reminders:done", outcome="cancelled")
    return render(
        request,
        "practice/reminders/cancel.html",
        {"details": details, "late": late, "hours": settings.RELIEF_LATE_CANCEL_HOURS},
    )


@public
@require_GET
def done(request, outcome):
    if outcome not in ("confirmed", "cancelled"):
        raise Http404
    return render(request, "practice/reminders/done.html", {"outcome": outcome})


def _next_url(request) -> str:
    target = request.POST.get("next") or request.headers.get("referer", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("practice:home")


@staff_required
def resend(request, pk):
    # Scope first, so an appointment the user may not change answers 404
    # whatever the method.
    reminder = get_object_or_404(reminders_manageable_by(request.user), pk=pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        outbox.reminder_resend(reminder=reminder, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"The {reminder.get_kind_display().lower()} by {reminder.get_channel_display()} "
            "will be sent again within a minute.",
        )
    return redirect(_next_url(request))


@roles_required(Role.THERAPIST)
@require_http_methods(["GET", "POST"])
def calendar_feed(request):
    therapist = getattr(request.user, "therapist", None)
    if therapist is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("action") == "stop":
            feeds.calendar_feed_delete(therapist=therapist)
            messages.success(request, "Your calendar feed is off; the old address no longer works.")
        else:
            token = feeds.calendar_feed_regenerate(therapist=therapist)
            request.session[FEED_URL_SESSION_KEY] = request.build_absolute_uri(
                reverse("reminders:feed", kwargs={"feed_token": token})
            )
        return redirect("reminders:calendar_feed")
    return render(
        request,
        "practice/reminders/calendar_feed.html",
        {
            "feed": CalendarFeed.objects.filter(therapist=therapist).first(),
            "new_url": request.session.pop(FEED_URL_SESSION_KEY, None),
        },
    )


@public
@never_cache
@require_GET
def feed(request, feed_token):
    calendar = feeds.calendar_feed_for_token(feed_token)
    if calendar is None:
        raise Http404
    body = ics.therapist_feed_ics(
        feeds.feed_appointments(therapist=calendar.therapist),
        name=f"{settings.RELIEF_PRACTICE_NAME} – {calendar.therapist.display_name}",
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="relief.ics"'
    return response


@owner_required
@require_GET
def sent_messages_page(request):
    """Development: the emails Relief wrote to var/sent-email, to open their links."""
    return render(
        request,
        "practice/reminders/sent_messages.html",
        {
            "kept": sent_messages_kept(),
            "folder": settings.EMAIL_FILE_PATH,
            "sent": sent_messages(),
        },
    )


# Two-way SMS: the provider's webhook (public, signed) and the front desk's inbox.

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@public
@csrf_exempt
@require_POST
def sms_inbound(request):
    """Twilio's incoming-message webhook; 403 unless X-Twilio-Signature is Twilio's.

    The signed URL is the public one Twilio was given (RELIEF_BASE_URL), not
    what a proxy in front of Django makes of it.
    """
    url = settings.RELIEF_BASE_URL.rstrip("/") + request.get_full_path()
    params = {key: request.POST.get(key) for key in request.POST}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio_sms.signature_valid(url=url, params=params, signature=signature):
        return HttpResponse("Forbidden", status=403, content_type="text/plain")
    provider_id = (params.get("MessageSid") or params.get("SmsSid") or "")[:64]
    sender = (params.get("From") or "")[:32]
    if provider_id and sender:
        inbound.sms_receive(provider_id=provider_id, from_number=sender, body=params.get("Body"))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@roles_required(Role.OWNER, Role.FRONT_DESK)
@require_GET
def sms_inbox(request):
    open_messages, handled = sms_inbox_messages()
    return render(
        request,
        "practice/reminders/sms_inbox.html",
        {"open_messages": open_messages, "handled": handled},
    )


@roles_required(Role.OWNER, Role.FRONT_DESK)
@require_POST
def sms_handled(request, text_id):
    message = get_object_or_404(SmsInbound, pk=text_id, action=SmsInbound.Action.INBOX)
    inbound.sms_mark_handled(message=message, by=request.user)
    messages.success(request, f"The text from {message.from_number} is marked handled.")
    return redirect("reminders:sms_inbox")
