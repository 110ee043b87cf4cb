"""API reads: tokens, and the API's own views of records the pages already scope.

Every queryset here starts from the pages' own scoping selectors
(clients_visible_to, notes_visible_to, invoices_visible_to, ...), so the API
can show no more than the pages do.
"""

from collections import defaultdict
from datetime import datetime

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connections, router
from django.db.models import CharField, F, Func, JSONField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from billing.models import Payment
from billing.selectors import invoices_visible_to, with_balance
from clients.models import Intake, Score
from clients.selectors import clients_visible_to, records_of_visible_clients
from clients.tokens import hash_token
from practice.models import Appointment, Location, Service, Therapist
from sessions.models import NoteAmendment, SessionNote, TechniqueApplication
from sessions.selectors import notes_visible_to, plans_visible_to
from sessions.services import NOTE_TEXT_FIELDS

from .models import ApiToken


def tokens_of(user):
    return ApiToken.objects.filter(user=user)


def get_token_for_user(user, pk) -> ApiToken:
    try:
        return tokens_of(user).get(pk=pk)
    except (ApiToken.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def token_for_secret(secret: str, *, now=None) -> ApiToken | None:
    """The usable token whose secret this is, with its user, or None. One query."""
    now = now or timezone.now()
    return (
        ApiToken.objects.usable(now)
        .select_related("user")
        .filter(key_hash=hash_token(secret), user__is_active=True)
        .first()
    )


# Records, as the API lists them ---------------------------------------------


def api_locations():
    return Location.objects.all()


def api_services():
    return Service.objects.all()


def api_therapists():
    return Therapist.objects.prefetch_related("services")


def api_clients(user):
    # The phone numbers as stored (E.164, which is also how the API shows
    # them) rather than parsed into PhoneNumber objects and formatted back:
    # that round trip was half of a client list's time.
    return (
        clients_visible_to(user)
        .defer(*PHONE_FIELDS)
        .annotate(**{f"{name}_text": Cast(name, CharField()) for name in PHONE_FIELDS})
    )


PHONE_FIELDS = ("phone", "emergency_contact_phone")


def api_appointments(user):
    """The calendar: every staff member reads every appointment (as the pages do)."""
    del user  # kept for symmetry: the calendar is shared by all staff
    # Only the names the list shows from the related rows: a whole client row
    # would parse two phone numbers per appointment (a third of a page's time).
    return Appointment.objects.select_related("client", "therapist", "service").only(
        *(f.name for f in Appointment._meta.concrete_fields),
        "client__first_name",
        "client__last_name",
        "client__preferred_name",
        "therapist__display_name",
        "service__name",
    )


# The columns an appointment of a list shows, its UUIDs as text.
APPOINTMENT_FIELDS = (
    *("therapist_id", "service_id", "location_id", "room_id"),
    *("starts_at", "ends_at", "occupied_until", "status", "source", "booked_at"),
    *("cancel_reason", "cancelled_at", "late_cancel"),
    *("client__first_name", "client__preferred_name", "client__last_name"),
    *("therapist__display_name", "service__name"),
)


def api_appointment_rows(appointments):
    """`appointments` (of api_appointments) as plain rows of the columns the API
    shows (api.rest.rows.appointments writes them): 100 model instances and
    their related rows through AppointmentSerializer were most of a list's CPU."""
    uuids = {f"{name}_text": UUIDText(name) for name in ("id", "client_id", "series_id")}
    return appointments.values(*APPOINTMENT_FIELDS, **uuids)


def api_intakes(user, *, listing=False):
    """Intake answers: the owner, and a therapist for their clients; front desk none.
    `listing`: for a list (records_of_visible_clients), as for the notes and
    plans and scores."""
    return records_of_visible_clients(user, Intake.objects.all(), clinical=True, listing=listing)


def api_scores(user, *, listing=False):
    return records_of_visible_clients(user, Score.objects.all(), clinical=True, listing=listing)


class UUIDText(Func):
    """A UUID column read as its canonical text (8-4-4-4-12 hex digits, lower
    case), so a page of rows builds no UUID object per value only to format it
    back for the JSON: four per note were a tenth of a note list's CPU."""

    output_field = CharField()
    template = "CAST(%(expressions)s AS text)"  # PostgreSQL's uuid text is canonical

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite holds a UUID as its 32 hex digits (Django's char(32)).
        sql, params = compiler.compile(self.source_expressions[0])
        parts = [f"substr({sql}, {start}, {length})" for start, length in _UUID_GROUPS]
        return " || '-' || ".join(parts), params * len(parts)


_UUID_GROUPS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))

# The columns a note shows, the UUIDs as text (named apart from the model's
# fields, which an annotation may not shadow).
NOTE_UUIDS = {
    f"{name}_text": UUIDText(name) for name in ("id", "appointment_id", "client_id", "plan_id")
}
NOTE_FIELDS = ("therapist_id", *NOTE_TEXT_FIELDS, "status", "signed_at", "content_hash")


def api_signed_notes(user, *, listing=False):
    """Signed notes as plain rows of the columns the API shows (a dict per note;
    api.rest.rows.notes writes them): a page of model instances and DRF's
    field machinery over them were most of a note list's time.

    On PostgreSQL each row also carries its techniques and amendments, as
    JSON arrays aggregated in the same statement (`techniques_rows`,
    `amendments_rows`): two more queries, and the Python that grouped their
    rows by note, were a fifth of a list's CPU. Elsewhere note_children reads
    them in a query each."""
    children = _CHILD_ROWS if children_in_note_rows() else {}
    return (
        notes_visible_to(user, listing=listing)
        .filter(status=SessionNote.Status.SIGNED)
        .values(*NOTE_FIELDS, **NOTE_UUIDS, **children)
    )


def children_in_note_rows() -> bool:
    """Whether api_signed_notes aggregates each note's techniques and
    amendments in its own statement (PostgreSQL's ordered jsonb_agg)."""
    return connections[router.db_for_read(SessionNote)].vendor == "postgresql"


class _JSONArray(Func):
    # One child row as a JSON array of its columns; an array rather than an
    # object, since jsonb would reorder an object's keys (the API's order).
    function = "jsonb_build_array"
    output_field = JSONField()


def _aggregated(model, ordering, *columns):
    """A correlated subquery: the note's `model` rows as one JSON array of
    arrays, in `ordering`; NULL when it has none."""
    rows = (
        model.objects.filter(note=OuterRef("pk"))
        .order_by()
        .values("note")
        .annotate(rows=JSONBAgg(_JSONArray(*columns), order_by=ordering))
        .values("rows")
    )
    return Subquery(rows, output_field=JSONField())


TECHNIQUE_COLUMNS = ("technique__slug", "body_regions", "side", "minutes", "pressure", "notes")
AMENDMENT_COLUMNS = ("id", "author_id", "text", "created_at")
_CHILD_ROWS = {
    "techniques_rows": _aggregated(TechniqueApplication, ("pk",), *map(F, TECHNIQUE_COLUMNS)),
    "amendments_rows": _aggregated(
        NoteAmendment, tuple(NoteAmendment._meta.ordering), *map(F, AMENDMENT_COLUMNS)
    ),
}


def note_children(rows) -> tuple[dict, dict]:
    """({note id: technique rows}, {note id: amendment rows}) for rows of
    api_signed_notes, each in its list's order, as note_techniques and
    note_amendments give them: from the rows themselves where they carry
    them, else in one query each."""
    if not children_in_note_rows():
        ids = [row["id_text"] for row in rows]
        return note_techniques(ids), note_amendments(ids)
    techniques = {row["id_text"]: row["techniques_rows"] or () for row in rows}
    amendments = {
        # JSON holds the time as ISO 8601 text, in the connection's UTC.
        row["id_text"]: [(*rest, datetime.fromisoformat(at)) for *rest, at in found]
        for row in rows
        if (found := row["amendments_rows"])
    }
    return techniques, amendments


def note_techniques(note_ids) -> dict:
    """{note id (text): [(slug, regions, side, minutes, pressure, notes), ...]} in the
    order they were recorded, in one query for the page."""
    rows = defaultdict(list)
    applied = (
        TechniqueApplication.objects.filter(note__in=note_ids)
        .order_by("pk")
        .values_list(UUIDText("note_id"), *TECHNIQUE_COLUMNS)
    )
    for note_id, *row in applied:
        rows[note_id].append(row)
    return rows


def note_amendments(note_ids) -> dict:
    """{note id (text): [(id, author id, text, created_at), ...]} oldest first (the
    amendments' own order), in one query for the page."""
    rows = defaultdict(list)
    amendments = (
        NoteAmendment.objects.filter(note__in=note_ids)
        .order_by(*NoteAmendment._meta.ordering)
        .values_list(UUIDText("note_id"), *AMENDMENT_COLUMNS)
    )
    for note_id, *row in amendments:
        rows[note_id].append(row)
    return rows


def api_plans(user, *, listing=False):
    return plans_visible_to(user, listing=listing).prefetch_related("goals", "planned_techniques")


def api_invoices(user):
    return with_balance(invoices_visible_to(user)).prefetch_related("lines")


def api_payments(user):
    return Payment.objects.filter(invoice__in=invoices_visible_to(user))
