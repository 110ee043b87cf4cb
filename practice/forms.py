from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import django
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils import timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

from practice.availability import wall_clock_instants, zone
from practice.models import Location, Room, Service, Therapist, TimeOff, WorkingHours
from practice.validation import PlausibleDatesMixin, booking_window, validate_plausible_date

# Booking and appointment actions ------------------------------------------

REPEAT_CHOICES = [
    (0, "Does not repeat"),
    (1, "Every week"),
    (2, "Every 2 weeks"),
    (3, "Every 3 weeks"),
    (4, "Every 4 weeks"),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def parse_slot(value: str):
    """ "therapist|location|UTC start" -> (therapist id, location id, aware start)."""
    try:
        therapist_id, location_id, start = value.split("|")
        starts_at = datetime.strptime(start, "%Y-%m-%dT%H:%M").replace(tzinfo=UTC)
        return int(therapist_id), int(location_id), starts_at
    except (ValueError, TypeError) as exc:
        raise ValidationError("Pick a time from the list.", code="invalid") from exc


def validate_bookable(starts_at) -> None:
    """A booking or a move falls inside the calendar's window (a form error, not an overflow)."""
    earliest, latest = booking_window(timezone.localdate(), settings.RELIEF_BOOKING_HORIZON_DAYS)
    validate_plausible_date(starts_at, earliest, latest + timedelta(days=1))


class BookingForm(PlausibleDatesMixin, forms.Form):
    """What the front desk fills in; the booking service checks the rules."""

    client = forms.UUIDField(required=False)
    new_first_name = forms.CharField(label="First name", max_length=80, required=False)
    new_last_name = forms.CharField(label="Last name", max_length=80, required=False)
    new_phone = forms.CharField(label="Phone", max_length=40, required=False)
    new_email = forms.EmailField(label="Email", required=False)
    service = forms.ModelChoiceField(
        queryset=Service.objects.filter(active=True), empty_label="Choose a service"
    )
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(active=True),
        required=False,
        empty_label="Any therapist",
    )
    date = forms.DateField(label="From", widget=DateInput())
    slot = forms.CharField(required=False)
    repeat_weeks = forms.TypedChoiceField(
        label="Repeat", choices=REPEAT_CHOICES, coerce=int, initial=0, required=False, empty_value=0
    )
    occurrences = forms.IntegerField(
        label="Number of appointments", min_value=2, max_value=26, initial=6, required=False
    )
    confirm_series = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_client(self):
        pk = self.cleaned_data["client"]
        if pk is None:
            return None
        from clients.selectors import clients_visible_to

        client = clients_visible_to(self.user).filter(pk=pk).first()
        if client is None:
            raise ValidationError("That client is not on file; search again.")
        return client

    def clean_slot(self):
        value = self.cleaned_data["slot"]
        if not value:
            raise ValidationError("Pick a free time.", code="required")
        slot = parse_slot(value)
        validate_bookable(slot[2])
        return slot

    def clean(self):
        data = super().clean()
        named = data.get("new_first_name") and data.get("new_last_name")
        if not data.get("client") and not self.errors.get("client") and not named:
            self.add_error("client", "Pick a client from the search, or type a new client's name.")
        service, slot = data.get("service"), data.get("slot")
        if service and slot:
            therapist_id, location_id, starts_at = slot
            therapist = (
                Therapist.objects.filter(pk=therapist_id, active=True, services=service)
                .select_related("user")
                .first()
            )
            location = Location.objects.filter(pk=location_id).first()
            chosen = data.get("therapist")
            if therapist is None or location is None or (chosen and chosen != therapist):
                self.add_error("slot", "Pick a time from the list.")
            else:
                data["booked_therapist"] = therapist
                data["location"] = location
                data["starts_at"] = starts_at
        if data.get("repeat_weeks") and not data.get("occurrences"):
            self.add_error("occurrences", "How many appointments in the series?")
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason", max_length=200, help_text="Kept in the appointment's history."
    )
    scope = forms.ChoiceField(
        label="Which appointments",
        choices=[("this", "This one only"), ("following", "This and the following ones")],
        initial="this",
        required=False,
        widget=forms.RadioSelect,
    )


class WallClockField(forms.DateTimeField):
    """A date and time on the clock of `time_zone`, whatever zone is active.

    Cleans to a UTC instant. A time the clock skips (the night the clocks go
    forward) is an error. A time it shows twice (the night they go back) is
    its first occurrence, as RFC 5545 reads a local time and as Python's fold=0
    does; `repeated` then holds both instants so the form can say so.
    """

    def __init__(self, *, time_zone=UTC, **kwargs):
        self.time_zone = time_zone
        self.repeated = ()
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(self.time_zone).replace(tzinfo=None)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value
        # Django would read a naive time in the active zone and refuse both
        # kinds of daylight-saving edge alike; the wall time is read here instead.
        with timezone.override(UTC):
            wall = super().to_python(value).replace(tzinfo=None)
        # Before any arithmetic: near year 9999 the move to UTC overflows.
        validate_plausible_date(wall)
        instants = wall_clock_instants(wall.date(), wall.time(), self.time_zone)
        if not instants:
            raise ValidationError(
                f"{wall:%H:%M} does not exist on {wall:%a %d %b %Y} in {self.time_zone}: "
                "the clocks go forward then. Pick another time.",
                code="skipped_time",
            )
        self.repeated = instants if len(instants) > 1 else ()
        return instants[0]


class RescheduleForm(PlausibleDatesMixin, forms.Form):
    """A free time picked from the slot picker (`slot`), or a typed start.

    The typed field is the fallback (a time the picker does not list, the
    second pass of a repeated hour is only in the picker); a picked slot wins.
    """

    slot = forms.CharField(required=False)
    starts_at = WallClockField(label="New start", widget=DateTimeInput(), required=False)
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(active=True), label="Therapist", required=False
    )

    def __init__(self, *args, location, name_zone=False, **kwargs):
        self.location = location
        super().__init__(*args, **kwargs)
        field = self.fields["starts_at"]
        field.time_zone = zone(location.time_zone)
        if name_zone:
            field.help_text = f"Local time at {location.name} ({location.time_zone})."

    @property
    def repeated_time_note(self) -> str:
        """What to tell the user when the typed time happens twice that night."""
        field = self.fields["starts_at"]
        if not field.repeated:
            return ""
        first, second = (at.astimezone(field.time_zone) for at in field.repeated)
        return (
            f"{first:%H:%M} happens twice on {first:%a %d %b} as the clocks go back; "
            f"this is the first, {first:%H:%M} {first.tzname()} (the second would be "
            f"{second:%H:%M} {second.tzname()}, an hour later)."
        )

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at is not None:
            validate_bookable(starts_at)
        return starts_at

    def clean_slot(self):
        value = self.cleaned_data["slot"]
        if not value:
            return None
        slot = parse_slot(value)
        validate_bookable(slot[2])
        return slot

    def clean(self):
        data = super().clean()
        slot = data.get("slot")
        if slot:
            therapist_id, location_id, starts_at = slot
            therapist = Therapist.objects.filter(pk=therapist_id, active=True).first()
            if therapist is None or location_id != self.location.pk:
                self.add_error("slot", "Pick a time from the list.")
            else:
                data["therapist"], data["starts_at"] = therapist, starts_at
                self.fields["starts_at"].repeated = ()
        elif not self.errors.get("slot"):
            if data.get("starts_at") is None and not self.errors.get("starts_at"):
                self.add_error("starts_at", "Pick a free time, or type a new start.")
            if data.get("therapist") is None and not self.errors.get("therapist"):
                self.add_error("therapist", "This field is required.")
        return data


class CalendarMoveForm(PlausibleDatesMixin, forms.Form):
    """Where an appointment was dropped on the day calendar: a therapist's
    column and a wall-clock start on the location's clock. The reschedule
    service checks the rules (hours, time off, clashes)."""

    therapist = forms.ModelChoiceField(queryset=Therapist.objects.filter(active=True))
    starts_at = WallClockField(label="New start")

    def __init__(self, *args, location, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].time_zone = zone(location.time_zone)

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        validate_bookable(starts_at)
        return starts_at


# Practice setup (owner) -----------------------------------------------------


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = [
            "name",
            "address",
            "phone",
            "time_zone",
            # Online booking rules (portal.online).
            "online_booking",
            "online_new_clients",
            "online_min_notice_minutes",
            "online_same_day",
            "online_horizon_days",
            "online_max_upcoming",
            "online_request_hours",
        ]
        widgets = {"address": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"time_zone": "An IANA name such as America/New_York or Europe/Berlin."}

    # Left out of a POST (a form from before online booking), they keep their values.
    ONLINE_KEPT = (
        "online_new_clients",
        "online_min_notice_minutes",
        "online_horizon_days",
        "online_max_upcoming",
        "online_request_hours",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.ONLINE_KEPT:
            self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        for name in self.ONLINE_KEPT:
            if cleaned.get(name) in (None, ""):
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["location", "name", "active"]


class ServiceForm(forms.ModelForm):
    duration_minutes = forms.IntegerField(label="Duration (minutes)", min_value=5, max_value=480)
    buffer_minutes = forms.IntegerField(
        label="Cleanup after (minutes)", min_value=0, max_value=120, initial=15
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "duration_minutes",
            "buffer_minutes",
            "price",
            "needs_room",
            "active",
            "bookable_online",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["duration_minutes"] = int(self.instance.duration.total_seconds() // 60)
            self.initial["buffer_minutes"] = int(self.instance.buffer_after.total_seconds() // 60)

    def clean(self):
        data = super().clean()
        if data.get("duration_minutes") is not None:
            self.instance.duration = timedelta(minutes=data["duration_minutes"])
        if data.get("buffer_minutes") is not None:
            self.instance.buffer_after = timedelta(minutes=data["buffer_minutes"])
        return data


class TherapistForm(forms.ModelForm):
    class Meta:
        model = Therapist
        fields = [
            "display_name",
            "credentials",
            "licence_number",
            "colour",
            "services",
            "active",
            "bookable_online",
            "slot_mode",
        ]
        widgets = {
            "colour": forms.TextInput(attrs={"type": "color"}),
            "services": forms.CheckboxSelectMultiple,
        }


class WorkingHoursForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = ["therapist", "location", "weekday", "start_time", "end_time"]
        widgets = {"start_time": TimeInput(), "end_time": TimeInput()}


class TimeOffForm(PlausibleDatesMixin, forms.ModelForm):
    class Meta:
        model = TimeOff
        fields = ["therapist", "starts_at", "ends_at", "reason"]
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}
        labels = {"starts_at": "From", "ends_at": "Until"}


# --- the form renderer (FORM_RENDERER) ------------------------------------
# Django's widget templates, with the plainest ones written in Python. An
# input or a textarea is one short template plus an include of the attributes
# loop; a form of twenty fields paid for forty template renders (a tenth of
# the intake form's time). For those names, as long as the template found is
# Django's own (no override anywhere), the markup is built here, the same
# characters as the template's; everything else renders as before.

_STOCK = Path(django.__file__).parent / "forms" / "templates"
_INPUTS = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "input", "text", "email", "url", "number", "password", "hidden",
        "date", "time", "datetime", "checkbox", "search", "tel", "color",
    )
)  # fmt: skip
_TEXTAREA = "django/forms/widgets/textarea.html"


def _attrs(attrs) -> str:
    # django/forms/widgets/attrs.html: False drops the attribute, True writes its name alone.
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{escape(value)}"'
        )
    return "".join(out)


def input_html(widget) -> str:
    value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>'


def textarea_html(widget) -> str:
    text = conditional_escape(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n'
        f"{text}</textarea>"
    )


class FastWidgetRenderer(TemplatesSetting):
    """TemplatesSetting (the project's template dirs and apps), inputs and textareas in Python."""

    @cache  # noqa: B019 -- one renderer per process; the templates found do not change
    def _stock(self, template_name: str) -> bool:
        origin = self.get_template(template_name).origin.name
        return Path(origin) == _STOCK / template_name

    def render(self, template_name, context, request=None):
        if request is None and "widget" in context and len(context) == 1:
            if template_name in _INPUTS and self._stock(template_name):
                return mark_safe(input_html(context["widget"]))  # noqa: S308 -- escaped above
            if template_name == _TEXTAREA and self._stock(template_name):
                return mark_safe(textarea_html(context["widget"]))  # noqa: S308 -- escaped above
        return super().render(template_name, context, request)
