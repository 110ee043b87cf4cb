"""Practice setup for the owner: locations, rooms, services, therapists, hours, time off.

Each section is a list with an add form and an edit page per row, described
once in SECTIONS; the views and URL patterns are generated from it.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_POST

from practice import services
from practice.forms import (
    LocationForm,
    RoomForm,
    ServiceForm,
    TherapistForm,
    TimeOffForm,
    WorkingHoursForm,
)
from practice.models import Location, Room, Service, Therapist, TimeOff, WorkingHours
from practice.security.access import owner_required


def _save_with(service, name):
    def save(form):
        return service(**{name: form.save(commit=False)})

    return save


def _time_off_save(form, *, confirmed=()):
    return services.time_off_save(time_off=form.save(commit=False), confirmed=confirmed)


def _therapist_update(form):
    return services.therapist_update(
        therapist=form.save(commit=False), services=form.cleaned_data["services"]
    )


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    singular: str
    model: type
    form: type
    save: object
    columns: tuple  # (heading, attribute path)
    kwarg: str
    create_form: type | None = None
    # (URL name, link text) when rows are added on another page instead.
    add_elsewhere: tuple | None = None
    update: object = None
    delete: object = None  # a service removing one row, where removing makes sense
    related: tuple = field(default_factory=tuple)
    help: str = ""
    # A callable(rows) -> context for a template shown instead of the flat table.
    grid: object = None
    # Whether `save` takes confirmed= (a second post, after the page said what
    # the save would affect).
    asks_confirmation: bool = False

    @property
    def deletable(self) -> bool:
        return self.delete is not None

    def rows(self):
        qs = self.model.objects.all()
        if self.related:
            qs = qs.select_related(*self.related)
        return qs


SECTIONS = [
    Section(
        "locations",
        "Locations",
        "location",
        Location,
        LocationForm,
        _save_with(services.location_save, "location"),
        (("Name", "name"), ("Time zone", "time_zone"), ("Phone", "phone")),
        "location_id",
        help="Times are shown and slots laid out in each location's time zone.",
    ),
    Section(
        "rooms",
        "Rooms",
        "room",
        Room,
        RoomForm,
        _save_with(services.room_save, "room"),
        (("Name", "name"), ("Location", "location"), ("In use", "active")),
        "room_id",
        related=("location",),
    ),
    Section(
        "services",
        "Services",
        "service",
        Service,
        ServiceForm,
        _save_with(services.service_save, "service"),
        (
            ("Name", "name"),
            ("Duration", "duration"),
            ("Cleanup", "buffer_after"),
            ("Price", "price"),
            ("Needs a room", "needs_room"),
            ("Offered", "active"),
        ),
        "service_id",
    ),
    Section(
        "therapists",
        "Therapists",
        "therapist",
        Therapist,
        TherapistForm,
        None,
        (
            ("Name", "display_name"),
            ("Username", "user.username"),
            ("Licence", "licence_number"),
            ("Taking bookings", "active"),
        ),
        "therapist_id",
        update=_therapist_update,
        related=("user",),
        # One place adds people: Staff creates the account, the Therapist
        # profile and the invitation; here the owner sets services and licence.
        add_elsewhere=("owner:staff", "Add a therapist under Staff"),
        help="Add a therapist under Staff (role: Therapist); set their services here.",
    ),
    Section(
        "hours",
        "Working hours",
        "working hours row",
        WorkingHours,
        WorkingHoursForm,
        _save_with(services.working_hours_save, "hours"),
        (
            ("Therapist", "therapist"),
            ("Day", "get_weekday_display"),
            ("From", "start_time"),
            ("Until", "end_time"),
            ("Location", "location"),
        ),
        "hours_id",
        delete=lambda obj: services.working_hours_delete(hours=obj),
        related=("therapist", "location"),
        help="Each shift is a block in its therapist's week; a split shift is two blocks.",
        grid=lambda rows: _hours_grid(rows),
    ),
    Section(
        "time-off",
        "Time off",
        "time off",
        TimeOff,
        TimeOffForm,
        _time_off_save,
        (
            ("Therapist", "therapist"),
            ("From", "starts_at"),
            ("Until", "ends_at"),
            ("Reason", "reason"),
        ),
        "time_off_id",
        delete=lambda obj: services.time_off_delete(time_off=obj),
        related=("therapist",),
        asks_confirmation=True,
    ),
]
BY_SLUG = {s.slug: s for s in SECTIONS}


def _hours_grid(rows):
    """One week per therapist: a column per weekday holding that day's shifts."""
    by_therapist = {}
    for hours in rows:
        week = by_therapist.setdefault(
            hours.therapist_id, {"therapist": hours.therapist, "days": {}}
        )
        week["days"].setdefault(hours.weekday, []).append(hours)
    for therapist in Therapist.objects.exclude(pk__in=by_therapist).filter(active=True):
        by_therapist[therapist.pk] = {"therapist": therapist, "days": {}}
    weeks = []
    for week in sorted(by_therapist.values(), key=lambda w: w["therapist"].display_name):
        week["columns"] = [
            (value, label, sorted(week["days"].get(value, []), key=lambda h: h.start_time))
            for value, label in WorkingHours.Weekday.choices
        ]
        weeks.append(week)
    return {"weeks": weeks}


def _url_name(section, suffix=""):
    return f"setup_{section.slug.replace('-', '_')}{suffix}"


def _value(obj, dotted):
    for part in dotted.split("."):
        obj = getattr(obj, part)
        if callable(obj):
            obj = obj()
    if isinstance(obj, timedelta):
        return f"{int(obj.total_seconds() // 60)} min"
    if isinstance(obj, datetime):
        return date_format(timezone.localtime(obj), "D j M Y H:i")
    if isinstance(obj, time):
        return f"{obj:%H:%M}"
    return obj


def _apply(section, form, save, request):
    """Validate, call the section's service; service errors land on the form.

    Returns (the saved row or None, the bookings a time off would cover)."""
    if not form.is_valid():
        return None, ()
    try:
        if section.asks_confirmation:
            confirmed = request.POST.getlist("confirmed") if request.POST.get("confirm") else ()
            return save(form, confirmed=confirmed), ()
        return save(form), ()
    except services.TimeOffCoversBookings as exc:
        return None, exc.covered
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for key, errors in exc.error_dict.items():
                for error in errors:
                    form.add_error(key if key in form.fields else None, error)
        else:
            form.add_error(None, exc)
        return None, ()


@owner_required
def setup(request):
    return render(
        request,
        "practice/setup/index.html",
        {"sections": [(s, _url_name(s)) for s in SECTIONS]},
    )


def _list_view(section):
    @owner_required
    @require_http_methods(["GET", "POST"])
    def view(request):
        form_class = section.create_form or section.form
        # "Add" in a grid cell opens the form with its therapist and day chosen.
        initial = {k: v for k, v in request.GET.items() if k in ("therapist", "weekday")}
        form = None if section.add_elsewhere else form_class(request.POST or None, initial=initial)
        if request.method == "POST" and form is None:
            return redirect(f"practice:{_url_name(section)}")
        covered = ()
        if request.method == "POST":
            saved, covered = _apply(section, form, section.save, request)
            if saved is not None:
                messages.success(request, f"{section.singular.capitalize()} added.")
                return redirect(f"practice:{_url_name(section)}")
        objects = list(section.rows())
        rows = [(obj, [_value(obj, attr) for _, attr in section.columns]) for obj in objects]
        return render(
            request,
            "practice/setup/section.html",
            {
                "section": section,
                "rows": rows,
                "grid": section.grid(objects) if section.grid else None,
                "form": form,
                "covered": covered,
                "edit_url": f"practice:{_url_name(section, '_edit')}",
                "delete_url": f"practice:{_url_name(section, '_delete')}",
                "sections": [(s, _url_name(s)) for s in SECTIONS],
            },
        )

    return view


def _edit_view(section):
    @owner_required
    @require_http_methods(["GET", "POST"])
    def view(request, **kwargs):
        obj = get_object_or_404(section.model, pk=kwargs[section.kwarg])
        form = section.form(request.POST or None, instance=obj)
        covered = ()
        if request.method == "POST":
            saved, covered = _apply(section, form, section.update or section.save, request)
            if saved:
                messages.success(request, f"{section.singular.capitalize()} saved.")
                return redirect(f"practice:{_url_name(section)}")
        return render(
            request,
            "practice/setup/edit.html",
            {
                "section": section,
                "object": obj,
                "form": form,
                "covered": covered,
                "list_url": f"practice:{_url_name(section)}",
                "delete_url": f"practice:{_url_name(section, '_delete')}",
            },
        )

    return view


def _delete_view(section):
    @owner_required
    @require_POST
    def view(request, **kwargs):
        obj = get_object_or_404(section.model, pk=kwargs[section.kwarg])
        try:
            section.delete(obj)
        except ProtectedError:
            messages.error(request, f"That {section.singular} is still in use.")
        else:
            messages.success(request, f"{section.singular.capitalize()} removed.")
        return redirect(f"practice:{_url_name(section)}")

    return view


def urlpatterns():
    patterns = [path("setup/", setup, name="setup")]
    for section in SECTIONS:
        base = f"setup/{section.slug}/"
        patterns += [
            path(base, _list_view(section), name=_url_name(section)),
            path(
                f"{base}<int:{section.kwarg}>/",
                _edit_view(section),
                name=_url_name(section, "_edit"),
            ),
        ]
        if section.delete is not None:
            patterns.append(
                path(
                    f"{base}<int:{section.kwarg}>/delete/",
                    _delete_view(section),
                    name=_url_name(section, "_delete"),
                )
            )
    return patterns
