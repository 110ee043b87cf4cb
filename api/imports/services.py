"""CSV import of clients and future appointments: upload, dry run, confirm.

Nothing reaches the practice's records until the owner confirms. The dry run
of clients validates every row in Python and asks the database for
duplicates in a few set-based queries; the dry run of appointments books each
row through `appointment_book` (working hours, time off, clashes with existing
bookings and with earlier rows of the file) inside a transaction that is then
rolled back, so it refuses exactly what the booking service refuses.

Confirming writes every row that passed the dry run, in one transaction. If
the practice changed in between (a slot was booked, a client added) and a row
that passed no longer does, nothing is written and the new dry run is shown:
what the owner confirmed is exactly what is imported.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber, to_python

from clients.models import Client
from practice import services as booking
from practice.availability import zone
from practice.models import Appointment, Location, Service, Therapist
from practice.security.audit import audit_batch
from practice.validation import validate_plausible_date

from . import csvfile, fields
from .models import ImportBatch

LIFETIME = timedelta(days=1)
PREVIEW_ROWS = 100
# Appointment rows are booked one by one through the booking service (seven
# queries a row, 30-60 ms on a busy 2-core machine), and the dry run and the
# confirm each run inside the request: 250 rows stay well under a worker's
# 30-second timeout (bench/imports.py).
MAX_APPOINTMENT_ROWS = 250
# Client.phone's region: numbers written without a country code are read as these.
PHONE_REGION = "US"
NOT_IMPORTED_STATUSES = ("cancel", "no show", "no-show", "noshow", "missed", "declined")


class ImportChanged(Exception):
    """Confirming found rows that no longer pass; nothing was written."""

    def __init__(self, batch: ImportBatch):
        super().__init__("The practice changed since the dry run.")
        self.batch = batch


@dataclass
class Outcome:
    errors: list = field(default_factory=list)
    valid_rows: list = field(default_factory=list)
    preview: list = field(default_factory=list)
    created_ids: list = field(default_factory=list)

    def fail(self, row: int, messages: list[str]) -> None:
        self.errors.append({"row": row, "messages": messages})

    def passed(self, row: int, text: str, pk=None) -> None:
        self.valid_rows.append(row)
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.append({"row": row, "text": text})
        if pk is not None:
            self.created_ids.append(str(pk))


# --- upload and mapping ------------------------------------------------------


def import_batch_upload(*, raw: bytes, file_name: str, kind: str, by, now=None) -> ImportBatch:
    """Read an uploaded file (encoding, delimiter, header, rows) and guess its columns.

    Raises ValidationError when the file cannot be read; nothing is stored then.
    """
    now = now or timezone.now()
    if kind not in ImportBatch.Kind.values:
        raise ValidationError("Choose what the file holds.")
    if len(raw) > csvfile.MAX_BYTES:
        raise ValidationError(f"The file is larger than {csvfile.MAX_BYTES // 2**20} MB.")
    try:
        text, encoding = csvfile.decode(raw)
        delimiter = csvfile.sniff_delimiter(text)
        table = csvfile.read_table(text, delimiter)
    except csvfile.CsvProblem as exc:
        raise ValidationError(str(exc)) from exc
    if kind == ImportBatch.Kind.APPOINTMENTS and len(table.rows) > MAX_APPOINTMENT_ROWS:
        raise ValidationError(
            f"The file has {len(table.rows):,} appointments; import at most "
            f"{MAX_APPOINTMENT_ROWS:,} at a time (split it by month)."
        )
    mapping = csvfile.guess_mapping(table.headers, fields.synonyms_of(kind))
    date_column = mapping.get("date" if kind == ImportBatch.Kind.APPOINTMENTS else "date_of_birth")
    samples = [cells.get(date_column, "") for _, cells in table.rows[:200]] if date_column else []
    batch = ImportBatch(
        kind=kind,
        file_name=(file_name or "upload.csv")[:200],
        encoding=encoding,
        delimiter=delimiter,
        content=text,
        headers=table.headers,
        row_count=len(table.rows),
        mapping=mapping,
        date_order=csvfile.guess_date_order(samples),
        created_by=by,
        expires_at=now + LIFETIME,
    )
    batch.full_clean()
    batch.save()
    return batch


def table_of(batch: ImportBatch) -> csvfile.Table:
    return csvfile.read_table(batch.content, batch.delimiter)


def _checked_mapping(batch: ImportBatch, mapping: dict, date_order: str) -> dict:
    mapping = {k: v for k, v in mapping.items() if v}
    unknown_fields = set(mapping) - {f.key for f in fields.fields_of(batch.kind)}
    unknown_columns = set(mapping.values()) - set(batch.headers)
    if unknown_fields or unknown_columns or date_order not in csvfile.DATE_ORDERS:
        raise ValidationError("Choose the columns from the list.")
    problems = fields.mapping_problems(batch.kind, mapping)
    if problems:
        raise ValidationError(problems)
    return mapping


CLOSED_MESSAGES = {
    ImportBatch.Status.CONFIRMED: "This file has been imported already.",
    ImportBatch.Status.ABANDONED: "This import was abandoned; upload the file again.",
    ImportBatch.Status.EXPIRED: "This upload has expired. Upload the file again.",
}


def _require_open(batch: ImportBatch, now) -> None:
    if batch.status in ImportBatch.OPEN and batch.expires_at <= now:
        raise ValidationError("This upload has expired. Upload the file again.", code="expired")
    if batch.status not in ImportBatch.OPEN:
        raise ValidationError(CLOSED_MESSAGES[batch.status], code="closed")


def import_batch_check(*, batch: ImportBatch, mapping: dict, date_order: str, by, now=None):
    """Store the column mapping and run the dry run; nothing is written but the batch."""
    now = now or timezone.now()
    _require_open(batch, now)
    mapping = _checked_mapping(batch, mapping, date_order)
    batch.mapping, batch.date_order = mapping, date_order
    outcome = _run(batch, by=by, now=now, commit=False)
    return _store_dry_run(batch, outcome, now)


def _store_dry_run(batch: ImportBatch, outcome: Outcome, now) -> ImportBatch:
    batch.errors = outcome.errors
    batch.valid_rows = outcome.valid_rows
    batch.preview = outcome.preview
    batch.checked_at = now
    batch.status = ImportBatch.Status.CHECKED
    batch.save()
    return batch


def import_batch_confirm(*, batch: ImportBatch, by, now=None) -> ImportBatch:
    """Write every row that passed the dry run, in one transaction.

    Raises ImportChanged (with the new dry run stored) when a row that passed
    no longer does; ValidationError when the import is not open or has no rows.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # Locked: a second click, or a second owner, waits and then finds it closed.
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            _require_open(locked, now)
            if locked.status != ImportBatch.Status.CHECKED:
                raise ValidationError("Run the dry run first.")
            if not locked.valid_rows:
                raise ValidationError("No row passed the dry run: there is nothing to import.")
            expected = list(locked.valid_rows)
            outcome = _run(locked, by=by, now=now, commit=True)
            if outcome.valid_rows != expected:
                raise ImportChanged(locked)
            locked.created_ids = outcome.created_ids
            _close(locked, ImportBatch.Status.CONFIRMED, by, now)
    except ImportChanged:
        # Everything above was rolled back; the fresh dry run shows why.
        fresh = ImportBatch.objects.get(pk=batch.pk)
        fresh = _store_dry_run(fresh, _run(fresh, by=by, now=now, commit=False), now)
        raise ImportChanged(fresh) from None
    return locked


def import_batch_abandon(*, batch: ImportBatch, by, now=None) -> ImportBatch:
    """Drop an open import: the file's text goes, nothing else was written."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in ImportBatch.OPEN:
            raise ValidationError(CLOSED_MESSAGES[locked.status])
        _close(locked, ImportBatch.Status.ABANDONED, by, now)
    return locked


def import_batches_expire(*, now=None) -> int:
    """Close open imports older than a day and drop their files (the hourly task)."""
    now = now or timezone.now()
    expired = 0
    for batch in ImportBatch.objects.filter(status__in=ImportBatch.OPEN, expires_at__lte=now):
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status in ImportBatch.OPEN:
                _close(locked, ImportBatch.Status.EXPIRED, None, now)
                expired += 1
    return expired


def _close(batch: ImportBatch, status, by, now) -> None:
    # The file and the rows' details are personal data: kept only while open.
    batch.status = status
    batch.content = ""
    batch.errors = []
    batch.preview = []
    batch.closed_at = now
    batch.closed_by = by
    batch.save()


# --- the rows ------------------------------------------------------------------


def _run(batch: ImportBatch, *, by, now, commit: bool) -> Outcome:
    table = table_of(batch)
    cells_of = _Cells(batch.mapping)
    with transaction.atomic():
        if batch.kind == ImportBatch.Kind.CLIENTS:
            outcome = _client_rows(table, cells_of, batch.date_order, by=by, commit=commit)
        else:
            outcome = _appointment_rows(table, cells_of, batch.date_order, by=by, now=now)
        if not commit:
            # The dry run booked through the real service; none of it stays.
            transaction.set_rollback(True)
    return outcome


class _Cells:
    """A row's value for a Relief field, through the mapping ("" when not mapped)."""

    def __init__(self, mapping: dict):
        self.mapping = mapping

    def __call__(self, cells: dict, key: str) -> str:
        column = self.mapping.get(key)
        return cells.get(column, "") if column else ""


def _names(first: str, last: str, full: str) -> tuple[str, str]:
    if not (first and last) and full:
        return csvfile.split_full_name(full)
    return first, last


def _messages(exc: ValidationError, labels: dict, values: dict | None = None) -> list[str]:
    """One line per field: its label, the value as written in the file, and why."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    lines = []
    for name, errors in exc.message_dict.items():
        if name == "__all__":
            lines.append(" ".join(errors))
            continue
        label = labels.get(name, name.replace("_", " ").capitalize())
        raw = (values or {}).get(name, "")
        shown = f" “{raw[:40]}”" if raw else ""
        lines.append(f"{label}{shown}: {' '.join(errors)}")
    return lines


CLIENT_LABELS = {f.key: f.label for f in fields.CLIENT_FIELDS}


def _client_from(cells, get, date_order, by) -> tuple[Client | None, list[str]]:
    problems = []
    try:
        first, last = _names(
            get(cells, "first_name"), get(cells, "last_name"), get(cells, "full_name")
        )
    except csvfile.CsvProblem as exc:
        return None, [f"Name: {exc}"]
    if not first or not last:
        problems.append("The first and the last name are both needed.")
    client = Client(
        first_name=first,
        last_name=last,
        preferred_name=get(cells, "preferred_name"),
        email=get(cells, "email").lower(),
        phone=get(cells, "phone"),
        emergency_contact_name=get(cells, "emergency_contact_name"),
        emergency_contact_phone=get(cells, "emergency_contact_phone"),
        created_by=by,
    )
    if raw := get(cells, "date_of_birth"):
        try:
            client.date_of_birth = csvfile.parse_date(raw, date_order)
            validate_plausible_date(client.date_of_birth)
            if client.date_of_birth >= timezone.localdate():
                problems.append(f"Date of birth: “{raw}” is not in the past.")
        except (csvfile.CsvProblem, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            problems.append(f"Date of birth: {message}")
    for key in ("consent_email_reminders", "consent_sms_reminders"):
        if (raw := get(cells, key)) or get.mapping.get(key):
            try:
                setattr(client, key, csvfile.parse_yes_no(raw))
            except csvfile.CsvProblem as exc:
                problems.append(f"{CLIENT_LABELS[key]}: {exc}")
    try:
        # No unique fields but the random id, no constraints, and the one
        # relation is the signed-in owner: nothing to ask the database per row.
        client.full_clean(exclude=["created_by"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        written = {key: get(cells, key) for key in ("email", "phone", "emergency_contact_phone")}
        problems += _messages(exc, CLIENT_LABELS, written)
    return (None if problems else client), problems


def _duplicate_keys(client: Client) -> list[tuple[str, str]]:
    keys = []
    if client.email:
        keys.append(("email", client.email.lower()))
    if client.phone:
        # as_e164 formats without validating again (str() would, every time).
        keys.append(("phone", client.phone.as_e164))
    if client.date_of_birth:
        name = f"{client.first_name.casefold()} {client.last_name.casefold()}"
        keys.append(("name and date of birth", f"{name} {client.date_of_birth}"))
    return keys


def _existing_clients(candidates: list[Client]) -> dict[tuple[str, str], Client]:
    """Clients already in Relief that share an email, a phone, or a name and birth date."""
    emails = {c.email.lower() for c in candidates if c.email}
    phones = {c.phone.as_e164 for c in candidates if c.phone}
    births = {c.date_of_birth for c in candidates if c.date_of_birth}
    found = {}
    queries = [
        Client.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails),
        Client.objects.filter(phone__in=phones),
        Client.objects.filter(date_of_birth__in=births),
    ]
    for query in queries:
        for client in query.only(
            "id", "first_name", "last_name", "email", "phone", "date_of_birth"
        ):
            for key in _duplicate_keys(client):
                found.setdefault(key, client)
    return found


def _client_rows(table, get, date_order, *, by, commit) -> Outcome:
    outcome = Outcome()
    parsed = []
    for line, cells in table.rows:
        client, problems = _client_from(cells, get, date_order, by)
        parsed.append((line, client, problems))
    existing = _existing_clients([c for _, c, _ in parsed if c is not None])
    seen: dict[tuple[str, str], int] = {}
    to_create = []
    for line, client, problems in parsed:
        keys = _duplicate_keys(client) if client is not None else []
        if keys:
            for key in keys:
                what, _ = key
                if key in existing:
                    problems.append(
                        f"Already in Relief: {existing[key].full_name} has the same {what}."
                    )
                    break
                if key in seen:
                    problems.append(f"Repeats row {seen[key]} (same {what}).")
                    break
            for key in keys:
                seen.setdefault(key, line)
        if problems:
            outcome.fail(line, problems)
            continue
        to_create.append(client)
        outcome.passed(line, _client_text(client), client.pk)
    if commit and to_create:
        with audit_batch() as audit:
            audit.bulk_create(Client, to_create)
    return outcome


def _client_text(client: Client) -> str:
    parts = [client.full_name]
    if client.email:
        parts.append(client.email)
    if client.phone:
        parts.append(client.phone.as_national)
    if client.date_of_birth:
        parts.append(f"born {client.date_of_birth:%-d %b %Y}")
    return " · ".join(parts)


# --- appointments --------------------------------------------------------------


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
                _, last = _names(
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
        first, last = _names(
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


def _appointment_rows(table, get, date_order, *, by, now) -> Outcome:
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
            outcome.fail(
                line,
                _messages(
                    exc,
                    {
                        "starts_at": "Time",
                        "room": "Room",
                        "service": "Service",
                        "therapist": "Therapist",
                    },
                ),
            )
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
