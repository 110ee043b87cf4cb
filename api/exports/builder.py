"""Build the practice export zip, streamed: memory stays flat whatever the size.

Every table is read once through a server-side cursor in chunks and written
row by row into its zip member as it is read. A zip member can only be
written while no other is open, so the second file of a pass (the JSON beside
a table's CSV, the PDF index beside the PDFs) is spooled to a temporary file
on disk and copied into the zip when the pass ends. The same builder runs in
the Celery task and in `manage.py export_practice`.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import shutil
import tempfile
import time
import zipfile
from collections import namedtuple
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db.models import F
from django.utils import timezone

from clients.models import Client, Intake, Score
from practice.models import Appointment, Location, Room, Service, Therapist
from sessions.models import Goal, SessionNote, Technique, TechniqueApplication, TreatmentPlan

from . import fhir
from .pdf import note_pdf, signed_notes
from .tables import TABLES, csv_value, row_encoder

FORMAT_VERSION = 1
CHUNK_SIZE = 2000
# Deflate level 1: on the large practice level 6 spent a tenth of the export's
# CPU in zlib for a zip only about a tenth smaller.
COMPRESS_LEVEL = 1
# Progress is saved at most this often: a row write per chunk would cost more
# than the chunk on a small table.
PROGRESS_EVERY_SECONDS = 1.0

Progress = Callable[[str, int, int], None]


@dataclass
class Tally:
    """Rows written so far, per zip member and in all."""

    total: int
    progress: Progress | None
    counts: dict[str, int] = field(default_factory=dict)
    done: int = 0
    step: str = ""
    # Seconds spent per pass (tables, FHIR, PDFs), for the benchmark.
    timings: dict[str, float] = field(default_factory=dict)
    _last: float = 0.0
    _pass: str = ""
    _pass_started: float = 0.0

    def start(self, step: str) -> None:
        self.step = step
        self.report(force=True)

    def begin_pass(self, name: str) -> None:
        now = time.monotonic()
        if self._pass:
            self.timings[self._pass] = round(now - self._pass_started, 2)
        self._pass, self._pass_started = name, now

    def add(self, member: str, n: int = 1) -> None:
        self.counts[member] = self.counts.get(member, 0) + n
        self.done += n
        self.report()

    def report(self, *, force=False) -> None:
        now = time.monotonic()
        if self.progress and (force or now - self._last >= PROGRESS_EVERY_SECONDS):
            self._last = now
            self.progress(self.step, min(self.done, self.total), self.total)


class ZipSink:
    """One zip being written: direct members, and spooled ones copied in later."""

    def __init__(self, zf: zipfile.ZipFile, spool_dir: Path):
        self.zf = zf
        self.spool_dir = spool_dir
        self._spools: list[tuple[str, io.TextIOBase]] = []
        self.date_time = timezone.now().timetuple()[:6]

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        # A ZipInfo passed to open() or writestr() does not take the ZipFile's
        # compresslevel: without this every member was deflated at zlib's 6.
        info._compresslevel = COMPRESS_LEVEL
        return info

    def open_text(self, name: str) -> io.TextIOWrapper:
        # force_zip64: the size is unknown until the member is written.
        raw = self.zf.open(self._info(name), "w", force_zip64=True)
        return io.TextIOWrapper(raw, encoding="utf-8", newline="")

    def spool(self, name: str) -> io.TextIOBase:
        # Closed by flush_spools, once the member it waits for is written.
        handle = tempfile.TemporaryFile(  # noqa: SIM115
            "w+", encoding="utf-8", newline="", dir=self.spool_dir
        )
        self._spools.append((name, handle))
        return handle

    def flush_spools(self) -> None:
        for name, handle in self._spools:
            handle.flush()
            handle.seek(0)
            with self.open_text(name) as out:
                shutil.copyfileobj(handle, out, 1024 * 1024)
            handle.close()
        self._spools = []

    def write_bytes(self, name: str, data: bytes) -> None:
        self.zf.writestr(self._info(name), data)


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def ndjson_line(resource: dict) -> str:
    return (
        json.dumps(resource, default=_json_default, ensure_ascii=False, separators=(",", ":"))
        + "\n"
    )


# ---------------------------------------------------------------------------
# Tables: JSON and CSV


def write_tables(sink: ZipSink, tally: Tally, *, chunk_size: int) -> None:
    for table in TABLES:
        tally.start(f"Table {table.name}")
        json_out = sink.spool(f"json/{table.name}.json")
        json_out.write("[")
        n = 0
        with sink.open_text(f"csv/{table.name}.csv") as csv_out:
            writer = csv.writer(csv_out)
            writer.writerow(table.columns)
            json_row = row_encoder(table.columns)
            for values in table.rows(chunk_size=chunk_size):
                writer.writerow([csv_value(v) for v in values])
                json_out.write(("\n" if not n else ",\n") + json_row(values))
                n += 1
                if n % chunk_size == 0:
                    tally.add(f"tables/{table.name}", chunk_size)
        json_out.write("\n]\n" if n else "]\n")
        tally.add(f"tables/{table.name}", n % chunk_size)
        sink.flush_spools()


# ---------------------------------------------------------------------------
# FHIR R4 bulk data: one NDJSON file per resource type


def _instrument_labels() -> dict[str, str]:
    return dict(Score.Instrument.choices)


def _patients(chunk_size):
    for client in Client.objects.order_by("pk").iterator(chunk_size=chunk_size):
        yield fhir.patient(client)


def _practitioners(chunk_size):
    for therapist in Therapist.objects.select_related("user").order_by("pk"):
        yield fhir.practitioner(therapist, user=therapist.user)


def _locations(chunk_size):
    for place in Location.objects.order_by("pk"):
        yield fhir.location(place)
    for space in Room.objects.order_by("pk"):
        yield fhir.room(space)


# The big FHIR passes read plain tuples, not model instances: building a model
# (and its related ones) per row cost more than the resource itself. The fhir
# functions read attributes, so each tuple is a named row with the field names.
_Application = namedtuple(
    "_Application", "id technique_id body_regions side minutes pressure notes"
)
_NoteRef = namedtuple("_NoteRef", "id status client_id therapist_id plan_id")
_Visit = namedtuple("_Visit", "id starts_at ends_at location_id room_id")
_APPLICATION_FIELDS = _Application._fields
_NOTE_FIELDS = ("id", "status", "client_id", "therapist_id", "plan_id")
_VISIT_FIELDS = tuple(f"appointment__{f}" for f in _Visit._fields)


def _named_rows(queryset, fields, chunk_size):
    return queryset.order_by("pk").values_list(*fields, named=True).iterator(chunk_size=chunk_size)


def _appointments(chunk_size):
    services = dict(Service.objects.values_list("pk", "name"))
    fields = (
        "id", "client_id", "therapist_id", "service_id", "location_id", "room_id", "starts_at",
        "ends_at", "status", "booked_at", "cancel_reason",
    )  # fmt: skip
    for appointment in _named_rows(Appointment.objects.all(), fields, chunk_size):
        yield fhir.appointment_resource(
            appointment, service_name=services.get(appointment.service_id, "")
        )


def _encounters(chunk_size):
    n = len(_NOTE_FIELDS)
    rows = SessionNote.objects.order_by("pk").values_list(*_NOTE_FIELDS, *_VISIT_FIELDS)
    for row in rows.iterator(chunk_size=chunk_size):
        yield fhir.encounter(_NoteRef._make(row[:n]), appointment=_Visit._make(row[n:]))


def _observations(chunk_size):
    labels = _instrument_labels()
    # The session note of the score's appointment is its Encounter (one join, no extra query).
    rows = Score.objects.annotate(note_id=F("appointment__session_note__id"))
    fields = ("id", "instrument", "item_answers", "client_id", "recorded_at", "value", "context")
    for score in _named_rows(rows, (*fields, "note_id"), chunk_size):
        yield fhir.observation(
            score,
            instrument_label=labels.get(score.instrument, score.instrument),
            encounter_id=score.note_id,
        )


def _questionnaire_responses(chunk_size):
    for intake in Intake.objects.order_by("pk").iterator(chunk_size=chunk_size):
        yield fhir.questionnaire_response(intake)


def _consents(chunk_size):
    rows = Intake.objects.order_by("pk").only("id", "client_id", "consent_version", "consent_at")
    for intake in rows.iterator(chunk_size=chunk_size):
        yield fhir.consent(intake)


def _care_plans(chunk_size):
    techniques = dict(Technique.objects.values_list("pk", "name"))
    plans = TreatmentPlan.objects.order_by("pk").prefetch_related("goals", "planned_techniques")
    # With chunk_size, the prefetches run once per chunk: three queries per chunk, not per plan.
    for plan in plans.iterator(chunk_size=chunk_size):
        yield fhir.care_plan(
            plan,
            goal_ids=[g.pk for g in plan.goals.all()],
            technique_names=[techniques[t.pk] for t in plan.planned_techniques.all()],
        )


def _goals(chunk_size):
    labels = _instrument_labels()
    rows = Goal.objects.annotate(client_id=F("plan__client_id")).order_by("pk")
    for row in rows.iterator(chunk_size=chunk_size):
        yield fhir.goal(
            row,
            client_id=row.client_id,
            instrument_label=labels.get(row.instrument, row.instrument),
        )


def _procedures(chunk_size):
    techniques = {t.pk: t for t in Technique.objects.all()}
    a, n = len(_APPLICATION_FIELDS), len(_NOTE_FIELDS)
    rows = TechniqueApplication.objects.order_by("pk").values_list(
        *_APPLICATION_FIELDS,
        *(f"note__{f}" for f in _NOTE_FIELDS),
        *(f"note__{f}" for f in _VISIT_FIELDS),
    )
    for row in rows.iterator(chunk_size=chunk_size):
        application = _Application._make(row[:a])
        yield fhir.procedure(
            application,
            note=_NoteRef._make(row[a : a + n]),
            technique=techniques[application.technique_id],
            appointment=_Visit._make(row[a + n :]),
        )


# resource type -> (rows it comes from, for the progress total; generator of resources)
FHIR_SOURCES: dict[str, tuple[Callable[[], int], Callable[[int], Iterator[dict]]]] = {
    "Patient": (lambda: Client.objects.count(), _patients),
    "Practitioner": (lambda: Therapist.objects.count(), _practitioners),
    "Location": (lambda: Location.objects.count() + Room.objects.count(), _locations),
    "Appointment": (lambda: Appointment.objects.count(), _appointments),
    "Encounter": (lambda: SessionNote.objects.count(), _encounters),
    "Observation": (lambda: Score.objects.count(), _observations),
    "QuestionnaireResponse": (lambda: Intake.objects.count(), _questionnaire_responses),
    "CarePlan": (lambda: TreatmentPlan.objects.count(), _care_plans),
    "Goal": (lambda: Goal.objects.count(), _goals),
    "Procedure": (lambda: TechniqueApplication.objects.count(), _procedures),
    "Consent": (lambda: Intake.objects.count(), _consents),
}
assert tuple(FHIR_SOURCES) == fhir.RESOURCE_TYPES


def write_fhir(sink: ZipSink, tally: Tally, *, chunk_size: int) -> None:
    for resource_type, (_, resources) in FHIR_SOURCES.items():
        tally.start(f"FHIR {resource_type}")
        member = f"fhir/{resource_type}.ndjson"
        n = 0
        with sink.open_text(member) as out:
            for resource in resources(chunk_size):
                out.write(ndjson_line(resource))
                n += 1
                if n % chunk_size == 0:
                    tally.add(member, chunk_size)
        tally.add(member, n % chunk_size)


# ---------------------------------------------------------------------------
# Signed notes as PDF


def write_note_pdfs(
    sink: ZipSink, tally: Tally, *, chunk_size: int, base_url: str, limit: int | None = None
) -> None:
    tally.start("Signed notes as PDF")
    # WeasyPrint logs every layout step at INFO: thousands of lines per export.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    index = sink.spool("notes/index.csv")
    writer = csv.writer(index)
    writer.writerow(["note_id", "client_id", "client", "therapist", "date_of_service", "file"])
    notes = signed_notes() if limit is None else signed_notes()[:limit]
    for note in notes.iterator(chunk_size=min(chunk_size, 200)):
        name = f"notes/{note.client_id}/{note.id}.pdf"
        sink.write_bytes(name, note_pdf(note, base_url=base_url))
        writer.writerow(
            [
                note.id,
                note.client_id,
                csv_value(note.client.full_name),
                csv_value(note.therapist.display_name),
                note.appointment.starts_at.date().isoformat(),
                name,
            ]
        )
        tally.add("notes/pdf")
    sink.flush_spools()


# ---------------------------------------------------------------------------


def planned_rows(*, include_pdfs: bool, pdf_limit: int | None = None) -> int:
    total = sum(table.count() for table in TABLES)
    total += sum(count() for count, _ in FHIR_SOURCES.values())
    if include_pdfs:
        signed = signed_notes().count()
        total += signed if pdf_limit is None else min(signed, pdf_limit)
    return total


def build_export(
    path: Path | str,
    *,
    progress: Progress | None = None,
    include_pdfs: bool = True,
    chunk_size: int = CHUNK_SIZE,
    base_url: str = "",
    pdf_limit: int | None = None,
    timings: dict | None = None,
) -> dict[str, int]:
    """Write the whole practice to the zip at `path`; return rows written per member.

    `pdf_limit` (benchmarks only) renders just the first N signed notes;
    `timings`, when given, receives the seconds spent per pass.

    The file appears under its name only when complete: it is written beside
    it and renamed, so a crash never leaves a truncated zip that looks whole.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    tally = Tally(
        total=planned_rows(include_pdfs=include_pdfs, pdf_limit=pdf_limit), progress=progress
    )
    started = timezone.now()
    try:
        with zipfile.ZipFile(
            partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
        ) as zf:
            sink = ZipSink(zf, path.parent)
            tally.begin_pass("tables")
            write_tables(sink, tally, chunk_size=chunk_size)
            tally.begin_pass("fhir")
            write_fhir(sink, tally, chunk_size=chunk_size)
            if include_pdfs:
                tally.begin_pass("pdfs")
                write_note_pdfs(
                    sink, tally, chunk_size=chunk_size, base_url=base_url, limit=pdf_limit
                )
            tally.begin_pass("finishing")
            tally.start("Finishing")
            sink.write_bytes(
                "manifest.json", manifest(tally.counts, started=started, include_pdfs=include_pdfs)
            )
        partial.replace(path)
        tally.begin_pass("")
        if timings is not None:
            timings.update(tally.timings)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return tally.counts


def manifest(counts: dict[str, int], *, started, include_pdfs: bool) -> bytes:
    return json.dumps(
        {
            "format": "relief-practice-export",
            "format_version": FORMAT_VERSION,
            "started_at": started.isoformat(),
            "finished_at": timezone.now().isoformat(),
            "fhir_version": "4.0.1",
            "signed_note_pdfs": include_pdfs,
            "rows": counts,
        },
        indent=2,
    ).encode()
