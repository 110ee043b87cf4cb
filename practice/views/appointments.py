"""The appointment page and its actions; each action is a POST to a service."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing.selectors import fee_invoice_for, may_bill
from clients.selectors import can_see_clinical, clients_visible_to, treatment_cautions
from portal.online import screening
from practice import availability, selectors, services
from practice.forms import CancelForm, RescheduleForm
from practice.models import Appointment
from practice.security.access import Role, has_role, staff_required
from practice.timezones import several_zones_in_use
from practice.views.booking import add_service_errors, slot_picker_context

Status = Appointment.Status

RESCHEDULE_FIELDS = {"starts_at": "starts_at", "therapist": "therapist", "room": "starts_at"}
PICKED_FIELDS = {"starts_at": "slot", "therapist": "slot", "room": "slot"}


def note_url(appointment):
    return reverse("sessions:note_for_appointment", kwargs={"appointment_id": appointment.pk})


def _note_action(appointment):
    """What the therapist can do with the appointment's note now: write, continue or open it."""
    try:
        note = appointment.session_note
    except ObjectDoesNotExist:
        note = None
    if note is None:
        return None if appointment.status in (Status.CANCELLED, Status.NO_SHOW) else "write"
    return "open" if note.is_signed else "continue"


def _page(request, appointment, *, cancel_form=None, reschedule_form=None, status=200):
    user = request.user
    can_manage = selectors.can_manage_appointment(user, appointment)
    own = selectors.own_therapist(user)
    is_own = own is not None and own.pk == appointment.therapist_id
    if reschedule_form is None:
        reschedule_form = _reschedule_form(
            appointment,
            initial={"starts_at": appointment.starts_at, "therapist": appointment.therapist_id},
        )
    if not selectors.can_book(user):
        # Moving to another therapist is a booking for someone else.
        reschedule_form.fields["therapist"].disabled = True
    picker = {}
    if can_manage and appointment.status in (
        Appointment.Status.BOOKED,
        Appointment.Status.CONFIRMED,
    ):
        tz = availability.zone(appointment.location.time_zone)
        picker = _move_picker(
            request,
            appointment,
            therapist_id=str(appointment.therapist_id),
            # From the appointment's own day: a move is most often by a few hours.
            day_value=f"{appointment.starts_at.astimezone(tz):%Y-%m-%d}",
        )
    series = []
    if appointment.series_id:
        series = list(
            Appointment.objects.filter(series_id=appointment.series_id)
            .exclude(pk=appointment.pk)
            .select_related("location")
            .order_by("starts_at")
            .only("id", "starts_at", "status", "location__time_zone")
        )
    clinical = can_see_clinical(user, appointment.client)
    now = timezone.now()
    tz = availability.zone(appointment.location.time_zone)
    # Checking in belongs to the day itself, on the location's clock: offered
    # for an appointment nine days away, it was one stray click from a wrong status.
    on_the_day = appointment.starts_at.astimezone(tz).date() == now.astimezone(tz).date()
    answers_requests = appointment.status == Status.REQUESTED and has_role(
        user, Role.OWNER, Role.FRONT_DESK
    )
    online_flags = []
    if answers_requests:
        online = getattr(appointment, "online_booking", None)
        online_flags = screening.flagged_labels(online.screening) if online else []
    context = {
        "appointment": appointment,
        "client": appointment.client,
        # Red-flag reasons for the owner and the client's therapists; the rest
        # see only whether there are any.
        "clinical": clinical,
        "cautions": treatment_cautions(appointment.client) if clinical else None,
        "can_manage": can_manage,
        # Online requests are answered by the owner and the front desk.
        "answers_requests": answers_requests,
        "online_flags": online_flags,
        "sees_contact": clients_visible_to(user).filter(pk=appointment.client_id).exists(),
        "note_url": note_url(appointment) if is_own else None,
        "note_action": _note_action(appointment) if is_own else None,
        # The worker sends only for an upcoming appointment, so a pending
        # reminder of one that is over will never go out: say so.
        "reminders_over": appointment.status in (Status.COMPLETED, Status.NO_SHOW)
        or appointment.starts_at <= now,
        "cancel_form": cancel_form or CancelForm(),
        "reschedule_form": reschedule_form,
        "would_be_late": appointment.is_active and services.is_late_cancel(appointment),
        "series": series,
        "now": now,
        "on_the_day": on_the_day,
        "can_pick_any": selectors.can_book(user),
        **picker,
        "may_bill": may_bill(user),
        "fee_invoice": fee_invoice_for(appointment) if may_bill(user) else None,
    }
    return render(request, "practice/appointment_detail.html", context, status=status)


def _reschedule_form(appointment, *args, **kwargs):
    """The form reads and shows times on the clock of the appointment's location."""
    return RescheduleForm(
        *args, location=appointment.location, name_zone=several_zones_in_use(), **kwargs
    )


def _move_picker(request, appointment, *, therapist_id, day_value, selected=""):
    """The booking page's slot picker for moving `appointment`: its service, the
    same or (for bookers) any therapist, its own time counted as free."""
    if not selectors.can_book(request.user):
        therapist_id = str(appointment.therapist_id)
    tz = availability.zone(appointment.location.time_zone)
    context = slot_picker_context(
        service_id=appointment.service_id,
        therapist_id=therapist_id,
        day_value=day_value,
        selected=selected,
        tz=tz,
        client_id=appointment.client_id,
        moving=appointment,
        # Slots at another location cannot take this appointment.
        location=appointment.location,
        named_too=True,
    )
    context["picker_url"] = reverse(
        "practice:appointment_reschedule_slots", kwargs={"appointment_id": appointment.pk}
    )
    return context


@staff_required
@require_GET
def appointment_reschedule_slots(request, appointment_id):
    """The move picker region, refreshed when the therapist or the date change."""
    appointment = selectors.get_appointment_for_staff(appointment_id)
    if not selectors.can_manage_appointment(request.user, appointment):
        raise Http404
    context = _move_picker(
        request,
        appointment,
        # "Later times" sends therapist and date; the picker's own boxes, named
        # apart from the typed fallback's fields, send picker_*.
        therapist_id=request.GET.get("therapist", request.GET.get("picker_therapist", "")),
        day_value=request.GET.get("date") or request.GET.get("picker_date"),
        selected=request.GET.get("slot"),
    )
    return render(request, "practice/_slot_picker.html", context)


@staff_required
@require_GET
def appointment_detail(request, appointment_id):
    appointment = selectors.get_appointment_for_staff(appointment_id)
    return _page(request, appointment)


def appointment_action(view):
    """Load the appointment, refuse (404) who may not manage it, then require POST."""

    @wraps(view)
    def wrapped(request, appointment_id):
        appointment = selectors.get_appointment_for_staff(appointment_id)
        if not selectors.can_manage_appointment(request.user, appointment):
            raise Http404
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, appointment)

    return wrapped


def _back(appointment):
    return redirect("practice:appointment_detail", appointment_id=appointment.pk)


def _status_action(service, done):
    @appointment_action
    def view(request, appointment):
        try:
            service(appointment=appointment, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done)
        return _back(appointment)

    return staff_required(view)


appointment_check_in = _status_action(services.appointment_check_in, "Checked in.")
appointment_complete = _status_action(services.appointment_complete, "Marked completed.")
appointment_no_show = _status_action(services.appointment_mark_no_show, "Marked as a no-show.")


@staff_required
@appointment_action
def appointment_cancel(request, appointment):
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _page(request, appointment, cancel_form=form)
    following = form.cleaned_data["scope"] == "following" and appointment.series_id
    try:
        if following:
            all_cancelled = services.appointment_cancel_following(
                appointment=appointment, by=request.user, reason=form.cleaned_data["reason"]
            )
        else:
            all_cancelled = [
                services.appointment_cancel(
                    appointment=appointment, by=request.user, reason=form.cleaned_data["reason"]
                )
            ]
    except ValidationError as exc:
        form.add_error(None, exc)
        return _page(request, appointment, cancel_form=form)
    cancelled = all_cancelled[0]
    late = " It was a late cancel." if cancelled.late_cancel else ""
    if len(all_cancelled) > 1:
        messages.success(
            request, f"{len(all_cancelled)} appointments of the series cancelled.{late}"
        )
    else:
        messages.success(request, f"Appointment cancelled.{late}")
    return _back(appointment)


@staff_required
@appointment_action
def appointment_reschedule(request, appointment):
    form = _reschedule_form(appointment, request.POST)
    if not selectors.can_book(request.user):
        form.fields["therapist"].disabled = True
        form.initial["therapist"] = appointment.therapist_id
    picked_other = (
        form.is_valid()
        and form.cleaned_data["slot"]
        and form.cleaned_data["therapist"].pk != appointment.therapist_id
    )
    if picked_other and not selectors.can_book(request.user):
        # Moving to another therapist is a booking for someone else.
        form.add_error("slot", "Pick a time from the list.")
    if form.is_valid():
        try:
            services.appointment_reschedule(
                appointment=appointment,
                starts_at=form.cleaned_data["starts_at"],
                therapist=form.cleaned_data["therapist"],
                by=request.user,
            )
        except ValidationError as exc:
            picked = form.cleaned_data.get("slot")
            add_service_errors(form, exc, PICKED_FIELDS if picked else RESCHEDULE_FIELDS)
        else:
            moved = "Appointment moved; reminders follow the new time."
            messages.success(request, f"{moved} {form.repeated_time_note}".strip())
            return _back(appointment)
    return _page(request, appointment, reschedule_form=form)
