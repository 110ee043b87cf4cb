"""What a reminder says and how it goes out (email or SMS).

Messages name the practice, the local date and time, the therapist and the
address, and carry confirm/cancel links. Never clinical content: not the
service booked, not notes, not scores.
"""

from datetime import datetime, timedelta
from email.mime.text import MIMEText
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from practice.models import Appointment, Reminder
from practice.reminders import ics, links, sms

SUBJECTS = {
    Reminder.Kind.CONFIRMATION: "Your appointment on {when}",
    Reminder.Kind.BEFORE_48H: "Reminder: your appointment on {when}",
    Reminder.Kind.BEFORE_2H: "See you soon: your appointment at {time}",
    Reminder.Kind.CANCELLATION: "Cancelled: your appointment on {when}",
}


def next_sending_time(moment: datetime, *, tz: ZoneInfo, hours: tuple[int, int]) -> datetime:
    """`moment` if it falls inside the local sending hours, else the next opening."""
    start_hour, end_hour = hours
    local = moment.astimezone(tz)
    if start_hour <= local.hour < end_hour:
        return moment
    day = local.date() if local.hour < start_hour else local.date() + timedelta(days=1)
    opening = datetime(day.year, day.month, day.day, start_hour, tzinfo=tz)
    # Round-trip through UTC so an opening inside a DST gap lands on a real instant.
    return opening.astimezone(ZoneInfo("UTC"))


def appointment_details(appointment: Appointment) -> dict:
    """What a client may be told about an appointment, in the location's time."""
    location = appointment.location
    local = timezone.localtime(appointment.starts_at, ZoneInfo(location.time_zone))
    return {
        "practice_name": settings.RELIEF_PRACTICE_NAME,
        "practice_phone": location.phone or settings.RELIEF_PRACTICE_PHONE,
        "client_name": appointment.client.first_name_to_use,
        "therapist": appointment.therapist.display_name,
        "location_name": location.name,
        "address": location.address,
        "date": f"{local:%A} {local.day} {local:%B %Y}",
        "short_date": f"{local:%a} {local.day} {local:%b}",
        "time": f"{local:%H:%M}",
        "time_zone": local.tzname(),
    }


def series_dates(appointment: Appointment) -> list[str]:
    """The upcoming dates of the appointment's series (itself included), on its
    location's clock: what the series' single confirmation lists."""
    if appointment.series_id is None:
        return []
    tz = ZoneInfo(appointment.location.time_zone)
    starts = (
        Appointment.objects.filter(
            series_id=appointment.series_id,
            starts_at__gte=appointment.starts_at,
            status__in=[Appointment.Status.BOOKED, Appointment.Status.CONFIRMED],
        )
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    return [
        f"{local:%a} {local.day} {local:%b} {local:%H:%M}"
        for local in (timezone.localtime(at, tz) for at in starts)
    ]


def _context(reminder: Reminder) -> dict:
    appointment = reminder.appointment
    cancelled = reminder.kind == Reminder.Kind.CANCELLATION
    series = series_dates(appointment) if reminder.kind == Reminder.Kind.CONFIRMATION else []
    return {
        **appointment_details(appointment),
        "series": series if len(series) > 1 else [],
        "kind": reminder.kind,
        "cancelled": cancelled,
        "confirm_url": (
            links.link_url(appointment, "confirm")
            if not cancelled and appointment.status == Appointment.Status.BOOKED
            else ""
        ),
        "cancel_url": "" if cancelled else links.link_url(appointment, "cancel"),
        "portal_url": portal_url(),
    }


def portal_url() -> str:
    """Where a client manages their appointments (the portal's sign-in page)."""
    return settings.RELIEF_BASE_URL.rstrip("/") + reverse("portal:home")


def build_email(reminder: Reminder, *, now=None) -> EmailMultiAlternatives:
    context = _context(reminder)
    subject = SUBJECTS[reminder.kind].format(
        when=f"{context['short_date']} at {context['time']}", time=context["time"]
    )
    message = EmailMultiAlternatives(
        subject=f"{subject} · {context['practice_name']}",
        body=render_to_string("practice/email/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.appointment.client.email],
        headers={
            # Some relays drop a repeated Message-ID: our idempotency key by email.
            "Message-ID": f"<{reminder.idempotency_key}@relief>",
            "X-Relief-Reminder": reminder.idempotency_key,
        },
    )
    message.attach_alternative(
        render_to_string("practice/email/reminder.html", context), "text/html"
    )
    cancel = reminder.kind == Reminder.Kind.CANCELLATION
    calendar = MIMEText(
        ics.appointment_ics(reminder.appointment, cancel=cancel, now=now).decode(),
        "calendar",
        "utf-8",
    )
    # Calendar apps read the method from the part's Content-Type.
    calendar.set_param("method", "CANCEL" if cancel else "REQUEST")
    calendar.add_header("Content-Disposition", "attachment", filename="appointment.ics")
    message.attach(calendar)
    return message


def build_sms(reminder: Reminder) -> sms.SmsMessage:
    body = render_to_string("practice/sms/reminder.txt", _context(reminder)).strip()
    return sms.SmsMessage(
        to=str(reminder.appointment.client.phone),
        body=body,
        idempotency_key=reminder.idempotency_key,
    )


def send(reminder: Reminder, *, now=None, email_connection=None) -> None:
    """Hand the reminder to its channel; raises when the channel refuses it.

    An email goes through `email_connection` when given, opened here if it
    is not open yet and left open for the caller's next email.
    """
    if reminder.channel == Reminder.Channel.EMAIL:
        message = build_email(reminder, now=now)
        if email_connection is not None:
            email_connection.open()
            message.connection = email_connection
        message.send(fail_silently=False)
    else:
        sms.get_backend().send_messages([build_sms(reminder)])
