"""Junk CSV files through every step: never a 5xx, never a partial import.

Hypothesis builds files from other systems' headers and junk values (NUL,
100 kB fields, right-to-left and emoji text, malformed dates, times and
phones), in UTF-8, UTF-8 with BOM, Windows-1252, UTF-16 or Latin-1, with
any of the delimiters, with missing and extra columns; and plain random bytes.
Each file is uploaded, mapped with the guessed columns, dry-run and
confirmed. Before confirming nothing may be written; after it, exactly the
rows the dry run passed (and each booking with its reminders), or nothing.
"""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.imports import fields
from api.imports.models import ImportBatch
from clients.models import Client
from practice.models import Appointment, Reminder
from tests import factories

from .conftest import next_weekday_local

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("RELIEF_FUZZ_EXAMPLES", "2")) * 10
RANDOM = os.environ.get("RELIEF_FUZZ_RANDOM") == "1"

HEADERS = sorted(
    {f.synonyms[0].title() for kind in fields.KIND_FIELDS.values() for f in kind}
    | {"", "Notes", "x" * 300, "Email", "E-mail"}
)
DAY = next_weekday_local()
VALUES = [
    "",
    "\x00",
    "x" * 100_000,
    "\u202eevil.exe",
    "😀" * 20,
    '"',
    "a,b;c\td|e",
    "\r\n",
    "Ana",
    "Ruiz",
    "ana@example.com",
    "alice@example.com",
    "not-an-email@",
    "(202) 555-0141",
    "555-12",
    "+99 0000",
    f"{DAY:%m/%d/%Y}",
    f"{DAY:%Y-%m-%d}",
    "02/30/2027",
    "13/45/1990",
    "0001-01-01",
    "10:00",
    "2:30 PM",
    "25:61",
    "60",
    "-5",
    "Dana Reyes",
    "Dana",
    "60 min deep tissue",
    "Cancelled",
    "1e309",
    "99999999999999999999",
]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]


# Columns as other systems name them, each with values it would hold.
PLAUSIBLE = {
    "First Name": st.sampled_from(["Ana", "Benjamin", "Zoë", "Li"]),
    "Last Name": st.sampled_from(["Ruiz", "Cho", "O'Neil", "Ng"]),
    "Email": st.integers(0, 10**6).map(lambda n: f"c{n}@example.com"),
    "Mobile Phone": st.integers(100, 999).map(lambda n: f"(202) 555-0{n}"),
    "Date of Birth": st.dates().map(lambda d: f"{d:%m/%d/%Y}"),
    "Date": st.integers(0, 4).map(lambda n: f"{DAY.fromordinal(DAY.toordinal() + n):%m/%d/%Y}"),
    "Start Time": st.integers(8, 17).map(lambda h: f"{h}:00"),
    "Duration": st.sampled_from(["60", "60 min", "90"]),
    "Practitioner": st.sampled_from(["Dana Reyes", "Dana", "Sam Okafor"]),
    "Service": st.just("60 min deep tissue"),
    "Client Email": st.just("alice@example.com"),
}
BASES = [
    ["First Name", "Last Name", "Email", "Mobile Phone", "Date of Birth"],
    ["Date", "Start Time", "Duration", "Practitioner", "Service", "Client Email"],
]


@st.composite
def csv_files(draw, kind):
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    if draw(st.integers(0, 4)) == 0:
        headers = draw(st.lists(st.sampled_from(HEADERS), max_size=7))
    else:
        # Mostly the file the kind expects; now and then the other kind's.
        base = BASES[(kind == "appointments") ^ (draw(st.integers(0, 4)) == 0)]
        # Missing columns and extra ones.
        headers = [h for h in base if draw(st.integers(0, 9))] + draw(
            st.lists(st.sampled_from(HEADERS), max_size=2)
        )
    junk = st.sampled_from(VALUES) | st.text(max_size=12)

    def cell(header):
        good = PLAUSIBLE.get(header)
        # One cell in ten is junk, so most files get past the upload to the dry run.
        return draw(good if good is not None and draw(st.integers(0, 9)) else junk)

    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = [cell(h) for h in headers]
        if draw(st.integers(0, 9)) == 0:
            row = row[: draw(st.integers(0, len(row)))] + draw(st.lists(junk, max_size=2))
        rows.append(row)

    def line(values):
        if draw(st.booleans()):
            return delimiter.join('"' + v.replace('"', '""') + '"' for v in values)
        return delimiter.join(values)

    text = "\r\n".join([line(headers), *(line(r) for r in rows)])
    return text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


@pytest.fixture
def world(practice, therapist):
    factories.ClientFactory(first_name="Alice", last_name="Ng", email="alice@example.com")


def _counts():
    return Client.objects.count(), Appointment.objects.count()


@pytest.mark.parametrize("kind", ["clients", "appointments"])
def test_junk_files_never_fail_and_never_import_part_of_what_was_checked(
    client, owner, world, kind
):
    client.force_login(owner)
    reached = {"refused": 0, "checked": 0, "confirmed": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(raw=csv_files(kind))
    def check(raw):
        before = _counts()
        upload = SimpleUploadedFile("junk.csv", raw, content_type="text/csv")
        got = client.post(reverse("api:imports:start"), {"kind": kind, "file": upload})
        assert got.status_code in (200, 302), got.status_code
        if got.status_code == 200:
            reached["refused"] += 1
            assert not ImportBatch.objects.filter(status=ImportBatch.Status.UPLOADED).exists()
            return
        batch = ImportBatch.objects.get(status=ImportBatch.Status.UPLOADED)
        assert client.get(got.url).status_code == 200
        mapped = client.post(got.url, {**batch.mapping, "date_order": batch.date_order})
        assert mapped.status_code in (200, 302), mapped.status_code
        assert _counts() == before
        if mapped.status_code == 200:
            client.post(reverse("api:imports:abandon", kwargs={"batch_id": batch.pk}))
            return
        batch.refresh_from_db()
        reached["checked"] += 1
        detail = client.get(mapped.url)
        assert detail.status_code == 200
        passed = len(batch.valid_rows)
        confirmed = client.post(reverse("api:imports:confirm", kwargs={"batch_id": batch.pk}))
        assert confirmed.status_code == 302
        batch.refresh_from_db()
        clients, appointments = _counts()
        if batch.status == ImportBatch.Status.CONFIRMED:
            grown = (clients - before[0]) if kind == "clients" else (appointments - before[1])
            assert grown == passed == len(batch.created_ids)
            reached["confirmed"] += 1
        else:
            assert (clients, appointments) == before
            client.post(reverse("api:imports:abandon", kwargs={"batch_id": batch.pk}))
        without_reminders = Appointment.objects.exclude(
            pk__in=Reminder.objects.values("appointment_id")
        ).filter(booked_by=owner)
        assert not without_reminders.exists()

    check()
    # Guards the test itself: junk that never got past the upload would prove nothing.
    assert reached["refused"] and reached["checked"] and reached["confirmed"], reached
