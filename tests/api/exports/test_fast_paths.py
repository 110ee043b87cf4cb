"""The export's fast per-row paths write exactly what the plain ones write.

Tables: each JSON row through `row_encoder` equals ExportEncoder on a dict
(`json_row`), for every row of every table of a realistic practice and for
hand-picked values of every type a cell can hold. FHIR: the passes that read
named tuples give the same resources as the fhir functions given model
instances.
"""

import datetime
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from phonenumber_field.phonenumber import PhoneNumber

from api.exports import builder, fhir
from api.exports.tables import TABLES, csv_value, json_row, row_encoder
from clients.models import Score
from practice.models import Appointment, Service
from sessions.models import SessionNote, Technique, TechniqueApplication

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TORONTO = ZoneInfo("America/Toronto")

CELLS = [
    None,
    True,
    False,
    0,
    -7,
    2.5,
    "plain",
    "",
    'quote " and \\ and\nnewline',
    "é ünïcode ✓",
    "=HYPERLINK(1)",
    "+1",
    "-1",
    "@x",
    "\ttab",
    Decimal("110.00"),
    Decimal("-0.5"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    datetime.datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    datetime.datetime(2026, 3, 1, 9, 30, 5, 123456, tzinfo=UTC),
    datetime.datetime(2026, 7, 1, 9, 30, 5, 120000, tzinfo=TORONTO),
    datetime.datetime(2026, 3, 1, 9, 30),
    datetime.date(2026, 3, 1),
    datetime.time(9, 30, 5, 250000),
    datetime.timedelta(minutes=75),
    {"a": [1, "=2"], "b": None},
    ["neck", "shoulder"],
    PhoneNumber.from_string("+1 416 555 0100"),
]


def test_row_encoder_matches_the_encoder_for_every_cell_type():
    columns = tuple(f"c{i}" for i in range(len(CELLS)))
    assert row_encoder(columns)(tuple(CELLS)) == json_row(columns, tuple(CELLS))
    for value in CELLS:
        assert row_encoder(("v",))((value,)) == json_row(("v",), (value,)), repr(value)


def test_row_encoder_refuses_a_row_of_the_wrong_width():
    with pytest.raises(ValueError):
        row_encoder(("a", "b"))((1,))


def test_csv_cells():
    expected = {
        None: "",
        True: "true",
        "=HYPERLINK(1)": "'=HYPERLINK(1)",
        "-1": "'-1",
        "plain": "plain",
        Decimal("110.00"): "110.00",
    }
    for value, text in expected.items():
        assert csv_value(value) == text
    assert csv_value(datetime.datetime(2026, 3, 1, 9, 30, 5, 123456, tzinfo=UTC)) == (
        "2026-03-01T09:30:05.123Z"
    )
    assert csv_value(datetime.datetime(2026, 7, 1, 9, 30, tzinfo=TORONTO)) == (
        "2026-07-01T09:30:00-04:00"
    )
    assert csv_value(datetime.date(2026, 3, 1)) == "2026-03-01"
    assert csv_value(datetime.timedelta(minutes=75)) == "P0DT01H15M00S"
    assert csv_value(uuid.UUID(int=1)) == "00000000-0000-0000-0000-000000000001"
    assert csv_value(["neck", "=x"]) == '["neck", "=x"]'
    assert str(csv_value(7)) == "7"  # the csv writer writes str() of what it gets
    assert csv_value(PhoneNumber.from_string("+1 416 555 0100")) == "+14165550100"


def test_every_table_row_encodes_as_the_encoder_does(exported):
    rows = 0
    for table in TABLES:
        encode = row_encoder(table.columns)
        for values in table.rows(chunk_size=50):
            assert encode(values) == json_row(table.columns, values), table.name
            rows += 1
    assert rows > 100


def _lines(resources):
    return [builder.ndjson_line(r) for r in resources]


def test_fhir_from_tuples_equals_fhir_from_model_instances(exported):
    services = dict(Service.objects.values_list("pk", "name"))
    appointments = Appointment.objects.order_by("pk")
    assert _lines(builder._appointments(7)) == _lines(
        fhir.appointment_resource(a, service_name=services.get(a.service_id, ""))
        for a in appointments
    )
    notes = SessionNote.objects.select_related("appointment").order_by("pk")
    assert _lines(builder._encounters(7)) == _lines(
        fhir.encounter(n, appointment=n.appointment) for n in notes
    )
    labels = dict(Score.Instrument.choices)
    scores = Score.objects.select_related("appointment__session_note").order_by("pk")
    expected = []
    for s in scores:
        note = getattr(s.appointment, "session_note", None) if s.appointment else None
        expected.append(
            fhir.observation(
                s,
                instrument_label=labels.get(s.instrument, s.instrument),
                encounter_id=note.id if note else None,
            )
        )
    assert _lines(builder._observations(7)) == _lines(expected)
    assert any(r.get("encounter") for r in expected) and any(
        not r.get("encounter") for r in expected
    )
    techniques = {t.pk: t for t in Technique.objects.all()}
    applications = TechniqueApplication.objects.select_related("note__appointment").order_by("pk")
    assert _lines(builder._procedures(7)) == _lines(
        fhir.procedure(
            a, note=a.note, technique=techniques[a.technique_id], appointment=a.note.appointment
        )
        for a in applications
    )
    assert json.loads(_lines(builder._procedures(7))[0])["resourceType"] == "Procedure"
    assert len(applications) >= 5 and len(notes) >= 3 and len(appointments) > 10
