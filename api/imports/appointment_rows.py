"""Appointment rows: matched to Relief's therapists, services, locations and
clients, then booked one by one through `appointment_book`."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from phonenumber_field.phonenumber import PhoneNumber, to_python

from clients.models import Client
from practice import services as booking
from practice.availability import zone
from practice.models import Appointment, Location, Service, Therapist

from . import csvfile
from .rows import Outcome, messages, split_names

# Client.phone's region: numbers written without a country code are read as these.
PHONE_REGION = "US"
# The booking service's field names, as the dry run names them.
BOOKING_LABELS = {
    "starts_at": "Time",
    "room": "Room",
    "service": "Service",
    "therapist": "Therapist",
}
NOT_IMPORTED_STATUSES = ("cancel", "no show", "no-show", "noshow", "missed", "declined")


def _key(text: str) -> str:
    return csvfile.normalise_header(text)


class _Directory:
    """Therapists, services, locations and the file's clients, loaded once per run."""

    def __init__(self, table, get):
        self.therapists: dict[str, list[Therapist]] = {}
        for therapist in Therapist.objects.select_related("user"):
            user = therapist.user
            # "Dana Reyes, LMT" is also "Dana Reyes" in other systems' exports.
            plain = therapist.display_name.split(",")[0]
            names = {therapist.display_name, plain, f"{user.first_name} {user.last_name}"}
            names.add(user.username)
            # "Dana" alone names Dana where she is the only Dana.
            names.add(user.first_name or therapist.display_name.split(" ")[0])
            for name in {_key(n) for n in names if n.strip()}:
                self.therapists.setdefault(name, []).append(therapist)
        self.services = {_key(s.name): s for s in Service.objects.all()}
        self.locations = list(Location.objects.order_by("pk"))
        self.location_names = {_key(loc.name): loc for loc in self.locations}
        emails, phones, lasts = set(), set(), set()
        for _, cells in table.rows:
            if email := get(cells, "client_email"):
                emails.add(email.lower())
            if phone := get(cells, "client_phone"):
                phones.add(_phone_key(phone))
            try:
                _, last = split_names(
                    get(cells, "client_first_name"),
                    get(cells, "client_last_name"),
                    get(cells, "client_name"),
                )
            except csvfile.CsvProblem:
                continue
            if last:
                lasts.add(last.casefold())
        phones.discard("")
        clients = (
            Client.objects.current()
            .annotate(email_lower=Lower("email"), last_lower=Lower("last_name"))
            .filter(Q(email_lower__in=emails) | Q(phone__in=phones) | Q(last_lower__in=lasts))
        )
        self.by_email: dict[str, list[Client]] = {}
        self.by_phone: dict[str, list[Client]] = {}
        self.by_name: dict[str, list[Client]] = {}
        for client in clients:
            if client.email:
                self.by_email.setdefault(client.email.lower(), []).append(client)
            if client.phone:
                self.by_phone.setdefault(client.phone.as_e164, []).append(client)
            self.by_name.setdefault(_key(f"{client.first_name} {client.last_name}"), []).append(
                client
            )
            if client.preferred_name:
                name = _key(f"{client.preferred_name} {client.last_name}")
                self.by_name.setdefault(name, []).append(client)

    def therapist(self, name: str) -> Therapist:
        found = self.therapists.get(_key(name), [])
        if not found:
            raise csvfile.CsvProblem(f"No therapist called “{name[:60]}” in Relief.")
        if len({t.pk for t in found}) > 1:
            raise csvfile.CsvProblem(f"“{name[:60]}” names several therapists; use the full name.")
        return found[0]

    def service(self, name: str) -> Service:
        service = self.services.get(_key(name))
        if service is None:
            raise csvfile.CsvProblem(
                f"No service called “{name[:60]}” in Relief "
                "(add it under Setup, or rename it in the file)."
            )
        return service

    def location(self, name: str) -> Location:
        if name:
            location = self.location_names.get(_key(name))
            if location is None:
                raise csvfile.CsvProblem(f"No location called “{name[:60]}” in Relief.")
            return location
        if not self.locations:
            raise csvfile.CsvProblem("Set up a location before importing appointments.")
        if len(self.locations) > 1:
            raise csvfile.CsvProblem("The practice has several locations: match a Location column.")
        return self.locations[0]

    def client(self, *, email: str, phone: str, first: str, last: str) -> Client:
        """The one client the row names: by email, else phone, else full name."""
        for label, value, index in (
            ("email", email.lower(), self.by_email),
            ("phone", _phone_key(phone), self.by_phone),
            ("name", _key(f"{first} {last}") if first and last else "", self.by_name),
        ):
            if not value:
                continue
            matches = {c.pk: c for c in index.get(value, [])}
            if len(matches) == 1:
                return next(iter(matches.values()))
            if len(matches) > 1:
                raise csvfile.CsvProblem(
                    f"{len(matches)} clients in Relief have this {label}; give the client's email."
                )
        who = email or phone or f"{first} {last}".strip()
        raise csvfile.CsvProblem(
            f"No client “{who[:60]}” in Relief. Import the clients file first."
        )


def _phone_key(raw: str) -> str:
    """E.164 of a phone written any usual way, "" when it is no phone number."""
    if not raw.strip():
        return ""
    number = to_python(raw.strip(), region=PHONE_REGION)
    # to_python hands back the text itself when it cannot parse it.
    return str(number) if isinstance(number, PhoneNumber) and number.is_valid() else ""


def _local_start(day, at, location: Location) -> datetime:
    tz = zone(location.time_zone)
    local = datetime.combine(day, at, tzinfo=tz)
    # A wall time inside the spring-forward gap does not exist: it comes back
    # from UTC as another time.
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise csvfile.CsvProblem(
            f"{at:%H:%M} does not exist on {day:%-d %b %Y} in {location.time_zone} "
            "(the clocks change)."
        )
    return local


def _appointment_from(cells, get, date_order, directory: _Directory, now):
    """(client, therapist, service, location, starts_at) of a row, or its problems."""
    problems = []

    def attempt(label, fn):
        try:
            return fn()
        except csvfile.CsvProblem as exc:
            problems.append(f"{label}: {exc}" if label else str(exc))
            return None

    status = get(cells, "status").casefold()
    if status and any(word in status for word in NOT_IMPORTED_STATUSES):
        return None, [f"Marked “{get(cells, 'status')[:40]}” in the file: not imported."]
    day = attempt("Date", lambda: csvfile.parse_date(get(cells, "date"), date_order))
    at = attempt("Start time", lambda: csvfile.parse_time(get(cells, "start_time")))
    therapist = attempt("", lambda: directory.therapist(get(cells, "therapist")))
    service = attempt("", lambda: directory.service(get(cells, "service")))
    location = attempt("", lambda: directory.location(get(cells, "location")))
    email, phone = get(cells, "client_email"), get(cells, "client_phone")
    try:
        first, last = split_names(
            get(cells, "client_first_name"),
            get(cells, "client_last_name"),
            get(cells, "client_name"),
        )
    except csvfile.CsvProblem as exc:
        # A name like "Jim" is fine where the email or phone finds the client.
        first = last = ""
        if not (email or phone):
            problems.append(f"Client: {exc}")
    client = None
    if email or phone or (first and last):
        client = attempt(
            "", lambda: directory.client(email=email, phone=phone, first=first, last=last)
        )
    elif not problems:
        problems.append("The row names no client (no email, phone or name).")
    starts_at = None
    if day and at and location:
        starts_at = attempt("", lambda: _local_start(day, at, location))
    if starts_at is not None and starts_at <= now:
        problems.append(
            f"{starts_at:%-d %b %Y %H:%M} is in the past: only future appointments are imported."
        )
    if starts_at is not None and service is not None:
        length = None
        if raw := get(cells, "duration"):
            length = attempt("Duration", lambda: csvfile.parse_duration(raw))
        elif raw := get(cells, "end_time"):
            end = attempt("End time", lambda: csvfile.parse_time(raw))
            if end is not None:
                length = datetime.combine(day, end) - datetime.combine(day, at)
                if length <= timedelta(0):
                    problems.append(f"End time: {raw} is not after the start.")
                    length = None
        if length is not None and length != service.duration:
            problems.append(
                f"Lasts {length.total_seconds() / 60:.0f} min in the file, but “{service}” is "
                f"{service.duration.total_seconds() / 60:.0f} min in Relief."
            )
    if problems:
        return None, problems
    return (client, therapist, service, location, starts_at), []


def run(table, get, date_order, *, by, now) -> Outcome:
    outcome = Outcome()
    directory = _Directory(table, get)
    row_of: dict = {}  # appointment id -> row of the file that booked it
    for line, cells in table.rows:
        booking_args, problems = _appointment_from(cells, get, date_order, directory, now)
        if problems:
            outcome.fail(line, problems)
            continue
        client, therapist, service, location, starts_at = booking_args
        try:
            # Imported bookings get their reminders before the visit, but no
            # confirmation: the client was told by the other system already.
            appointment = booking.appointment_book(
                client=client,
                therapist=therapist,
                service=service,
                location=location,
                starts_at=starts_at,
                booked_by=by,
                confirmation=False,
                now=now,
            )
        except booking.AppointmentClash as exc:
            conflict = exc.conflict
            if (
                conflict is not None
                and (conflict.client_id, conflict.therapist_id) == (client.pk, therapist.pk)
                and conflict.starts_at == starts_at
            ):
                outcome.fail(line, ["Already in Relief: this booking exists (imported before?)."])
            elif conflict is not None and conflict.pk in row_of:
                outcome.fail(
                    line,
                    [f"Clashes with row {row_of[conflict.pk]} of this file: {exc.messages[0]}"],
                )
            else:
                outcome.fail(line, [f"Clashes with a booking in Relief: {exc.messages[0]}"])
            continue
        except ValidationError as exc:
            outcome.fail(line, messages(exc, BOOKING_LABELS))
            continue
        row_of[appointment.pk] = line
        outcome.passed(line, _appointment_text(appointment, location), appointment.pk)
    return outcome


def _appointment_text(appointment: Appointment, location: Location) -> str:
    local = appointment.starts_at.astimezone(zone(location.time_zone))
    return (
        f"{local:%a %-d %b %Y %H:%M} · {appointment.therapist} · {appointment.service} · "
        f"{appointment.client.full_name}"
    )
