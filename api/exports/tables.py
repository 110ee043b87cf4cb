"""The practice's tables as they go into the export: one JSON and one CSV file each.

A table is a queryset read with `values_list(...).iterator(chunk_size=...)`:
plain tuples from a server-side cursor, never the whole table in memory and
never one query per row. Columns are the model's own concrete fields (foreign
keys as their ids) minus secrets: hashes of link tokens and gift-card codes,
passwords. Reading the table list is enough to know what leaves the practice.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, QuerySet

from billing.models import (
    GiftCard,
    GiftCardEntry,
    Invoice,
    InvoiceLine,
    PackageCredit,
    PackageProduct,
    PackagePurchase,
    Payment,
    Refund,
)
from clients.models import CheckIn, Client, Intake, RedFlagClearance, Score
from practice.models import (
    Appointment,
    Location,
    Reminder,
    Room,
    Service,
    Therapist,
    TimeOff,
    WorkingHours,
)
from sessions.models import (
    Goal,
    NoteAmendment,
    SessionNote,
    Technique,
    TechniqueApplication,
    TreatmentPlan,
)

# Never exported: they unlock something (a link, a gift card, an account), and
# a backup that leaks them leaks access, not just data.
SECRET_COLUMNS = frozenset({"token_hash", "code_hash", "password", "form_token"})


@dataclass(frozen=True)
class Table:
    name: str
    queryset: Callable[[], QuerySet]
    columns: tuple[str, ...]
    # Expressions for columns that are not plain fields (name -> expression).
    expressions: tuple[tuple[str, object], ...] = ()

    def rows(self, *, chunk_size: int) -> Iterator[tuple]:
        qs = self.queryset()
        if self.expressions:
            qs = qs.annotate(**{f"x_{name}": expr for name, expr in self.expressions})
        names = [f"x_{c}" if c in dict(self.expressions) else c for c in self.columns]
        return qs.order_by("pk").values_list(*names).iterator(chunk_size=chunk_size)

    def count(self) -> int:
        return self.queryset().count()


def model_columns(model, *, exclude=()) -> tuple[str, ...]:
    return tuple(
        f.attname
        for f in model._meta.concrete_fields
        if f.attname not in SECRET_COLUMNS and f.name not in exclude
    )


def model_table(name, model, *, exclude=()) -> Table:
    return Table(name, model._default_manager.all, model_columns(model, exclude=exclude))


def _through_table(name, through) -> Table:
    return Table(name, through.objects.all, model_columns(through))


def _staff() -> QuerySet:
    # People who worked in the practice; a bare account without a role is not staff.
    return get_user_model().objects.filter(groups__isnull=False).distinct()


def _staff_roles() -> QuerySet:
    return get_user_model().groups.through.objects.all()


TABLES: tuple[Table, ...] = (
    model_table("locations", Location),
    model_table("rooms", Room),
    model_table("services", Service),
    Table(
        "staff",
        _staff,
        ("id", "username", "first_name", "last_name", "email", "is_active", "date_joined"),
    ),
    Table("staff_roles", _staff_roles, ("id", "user_id", "role"), (("role", F("group__name")),)),
    model_table("therapists", Therapist),
    _through_table("therapist_services", Therapist.services.through),
    model_table("working_hours", WorkingHours),
    model_table("time_off", TimeOff),
    model_table("clients", Client),
    model_table("appointments", Appointment),
    model_table("reminders", Reminder),
    model_table("intakes", Intake),
    Table(
        "consents",
        Intake.objects.all,
        ("id", "client_id", "version", "signature", "consented_at", "ip_address"),
        (
            ("version", F("consent_version")),
            ("signature", F("consent_signature")),
            ("consented_at", F("consent_at")),
            ("ip_address", F("consent_ip")),
        ),
    ),
    model_table("check_ins", CheckIn),
    model_table("red_flag_clearances", RedFlagClearance),
    model_table("scores", Score),
    model_table("techniques", Technique),
    model_table("treatment_plans", TreatmentPlan),
    _through_table("treatment_plan_techniques", TreatmentPlan.planned_techniques.through),
    model_table("goals", Goal),
    model_table("session_notes", SessionNote),
    model_table("techniques_applied", TechniqueApplication),
    model_table("note_amendments", NoteAmendment),
    model_table("invoices", Invoice),
    model_table("invoice_lines", InvoiceLine),
    model_table("payments", Payment),
    model_table("refunds", Refund),
    model_table("package_products", PackageProduct),
    model_table("package_purchases", PackagePurchase),
    model_table("package_credits", PackageCredit),
    model_table("gift_cards", GiftCard),
    model_table("gift_card_entries", GiftCardEntry),
)


class ExportEncoder(DjangoJSONEncoder):
    """Decimals as strings (money stays exact), times as ISO 8601, durations as ISO 8601."""

    def default(self, o):
        if hasattr(o, "as_e164"):  # a phone number: E.164, what every system reads
            return o.as_e164 if o.is_valid() else str(o)
        return super().default(o)


_encoder = ExportEncoder(ensure_ascii=False)
FORMULA_STARTS = frozenset("=+-@\t\r")


def iso_datetime(value: datetime.datetime) -> str:
    # DjangoJSONEncoder's text for a datetime (milliseconds, "Z" for UTC), without
    # its isinstance chain: this runs for millions of cells.
    text = value.isoformat()
    if value.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


def _quoted(text: str) -> str:
    return '"' + text + '"'


# The JSON text of the common cell types, looked up by exact type (bool is not
# int here). The text is what ExportEncoder writes; anything else (floats, JSON
# fields, durations, phone numbers) goes through ExportEncoder itself.
_JSON_CELLS = {
    str: encode_basestring,
    int: int.__repr__,
    bool: lambda v: "true" if v else "false",
    type(None): lambda v: "null",
    datetime.datetime: lambda v: _quoted(iso_datetime(v)),
    datetime.date: lambda v: _quoted(v.isoformat()),
    uuid.UUID: lambda v: _quoted(str(v)),
    decimal.Decimal: lambda v: _quoted(str(v)),
}


def row_encoder(columns) -> Callable[[tuple], str]:
    """One table's JSON object writer: the keys are encoded once, not per row."""
    prefixes = tuple(encode_basestring(c) + ": " for c in columns)
    cells, fallback = _JSON_CELLS.get, _encoder.encode

    def encode(values) -> str:
        return (
            "{"
            + ", ".join(
                [p + (cells(type(v)) or fallback)(v) for p, v in zip(prefixes, values, strict=True)]
            )
            + "}"
        )

    return encode


def json_row(columns, values) -> str:
    return _encoder.encode(dict(zip(columns, values, strict=True)))


def _csv_text(value: str) -> str:
    if value[:1] in FORMULA_STARTS:
        # A spreadsheet would run "=HYPERLINK(...)" typed into an intake form;
        # the quote makes it text there. The JSON file keeps the exact text.
        return "'" + value
    return value


_CSV_CELLS = {
    str: _csv_text,
    int: int.__repr__,
    bool: lambda v: "true" if v else "false",
    type(None): lambda v: "",
    datetime.datetime: iso_datetime,
    datetime.date: datetime.date.isoformat,
    uuid.UUID: str,
    decimal.Decimal: str,
}


def csv_value(value):
    """One cell: what a spreadsheet reads back without guessing."""
    cell = _CSV_CELLS.get(type(value))
    if cell is not None:
        return cell(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, cls=ExportEncoder)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time, datetime.timedelta)):
        return _encoder.default(value)
    if isinstance(value, (decimal.Decimal, uuid.UUID)) or hasattr(value, "as_e164"):
        return str(value) if not hasattr(value, "as_e164") else _encoder.default(value)
    if isinstance(value, str):
        return _csv_text(value)
    return value
