"""JSON and CSV per table match the database; signed notes (only) come as PDF."""

import csv
import io
import json

import pytest
from pypdf import PdfReader

from api.exports.builder import build_export
from api.exports.pdf import note_pdf
from api.exports.tables import TABLES
from clients.models import Score
from sessions.models import SessionNote

pytestmark = pytest.mark.django_db


def csv_rows(zf, name):
    return list(csv.DictReader(io.StringIO(zf.read(f"csv/{name}.csv").decode())))


def json_rows(zf, name):
    return json.loads(zf.read(f"json/{name}.json"))


def test_every_table_has_json_and_csv_with_the_database_row_count(exported):
    zf = exported.zf
    for table in TABLES:
        expected = table.count()
        assert len(json_rows(zf, table.name)) == expected, table.name
        assert len(csv_rows(zf, table.name)) == expected, table.name
        assert exported.counts[f"tables/{table.name}"] == expected
    names = {t.name for t in TABLES}
    for kind in ("clients", "appointments", "services", "therapists", "locations", "rooms",
                 "intakes", "consents", "scores", "session_notes", "treatment_plans", "goals",
                 "techniques_applied", "invoices", "payments", "refunds", "package_purchases",
                 "gift_cards"):  # fmt: skip
        assert kind in names
        assert json_rows(zf, kind), f"the practice has no {kind}"


def test_the_manifest_counts_every_member(exported):
    manifest = json.loads(exported.zf.read("manifest.json"))
    assert manifest["rows"] == exported.counts
    assert manifest["fhir_version"] == "4.0.1"


def test_csv_and_json_agree_and_money_stays_exact(exported):
    zf = exported.zf
    (invoice_json,) = [i for i in json_rows(zf, "invoices") if i["number"] is not None][:1]
    (invoice_csv,) = [i for i in csv_rows(zf, "invoices") if i["id"] == invoice_json["id"]]
    assert invoice_json["total"] == invoice_csv["total"]
    assert invoice_json["total"].count(".") == 1 and len(invoice_json["total"].split(".")[1]) == 2
    refunds = json_rows(zf, "refunds")
    assert [r["amount"] for r in refunds] == ["10.00"]


def test_no_secrets_leave_the_practice(exported):
    zf = exported.zf
    for name in zf.namelist():
        if name.startswith(("csv/", "json/")):
            head = zf.read(name)[:4000].decode()
            for secret in ("token_hash", "code_hash", "password", "form_token"):
                assert secret not in head, (name, secret)
    (card,) = json_rows(zf, "gift_cards")
    assert len(card["last_four"]) == 4 and "code_hash" not in card


def test_a_spreadsheet_formula_is_text_in_csv_and_exact_in_json(exported):
    zf = exported.zf
    client_id = str(exported.practice.hostile_client.pk)
    (row,) = [r for r in csv_rows(zf, "clients") if r["id"] == client_id]
    assert row["last_name"] == '\'=HYPERLINK("http://x")'
    (record,) = [r for r in json_rows(zf, "clients") if r["id"] == client_id]
    assert record["last_name"] == '=HYPERLINK("http://x")'


def test_each_signed_note_is_a_valid_pdf_and_drafts_are_not(exported):
    zf = exported.zf
    practice = exported.practice
    pdfs = sorted(n for n in zf.namelist() if n.endswith(".pdf"))
    signed = SessionNote.objects.filter(status="signed")
    assert pdfs == sorted(f"notes/{n.client_id}/{n.pk}.pdf" for n in signed)
    assert not any(str(practice.draft.pk) in n for n in zf.namelist() if n.startswith("notes/"))
    note = practice.signed[0]
    reader = PdfReader(io.BytesIO(zf.read(f"notes/{note.client_id}/{note.pk}.pdf")))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 1
    assert note.client.last_name in text
    assert "Myofascial release" in text  # techniques applied
    assert "Pain before was 7" in text  # the amendment
    index = list(csv.DictReader(io.StringIO(zf.read("notes/index.csv").decode())))
    assert len(index) == signed.count()


def test_an_unsigned_note_is_refused_as_pdf(exported):
    with pytest.raises(ValueError):
        note_pdf(exported.practice.draft)


def test_queries_stay_constant_as_the_practice_grows(
    exported, tmp_path, django_assert_max_num_queries
):
    """Chunked reads: the same number of queries with one more client, appointment and note."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        build_export(tmp_path / "a.zip", include_pdfs=False)
    from tests.factories import AppointmentFactory, ClientFactory

    for _ in range(3):
        # Cancelled: they hold no time, so they never clash with the demo's bookings.
        appointment = AppointmentFactory(
            client=ClientFactory(), therapist=exported.practice.dana, status="cancelled"
        )
        Score.objects.create(
            client=appointment.client, instrument="pain_nrs", value=4, context="check_in",
            recorded_at=appointment.starts_at, appointment=appointment,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as second:
        build_export(tmp_path / "b.zip", include_pdfs=False)
    assert len(second) == len(first)
    assert len(first) < 150  # a few per table and resource type, none per row
