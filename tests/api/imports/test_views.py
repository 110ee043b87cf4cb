"""The import pages as the owner uses them: upload, columns, dry run, confirm, abandon."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api.imports import csvfile, services
from api.imports.models import ImportBatch
from clients.models import Client
from practice.models import Appointment, Reminder
from practice.services import appointment_book
from tests import factories

from .conftest import appointments_csv, next_weekday_local

pytestmark = pytest.mark.django_db


def _url(name, batch):
    return reverse(f"api:imports:{name}", kwargs={"batch_id": batch.pk})


def test_owner_uploads_a_windows_semicolon_export_and_sees_the_guessed_columns(upload, client):
    raw = "Nom;Prénom;E-mail;Cell Phone\nZoë;Ng;zoe@example.com;202 555 0150\n".encode("cp1252")
    raw = raw.replace(b"Nom;Pr\xe9nom", b"Last Name;First Name")

    response = upload(raw)

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == _url("mapping", batch)
    assert (batch.encoding, batch.delimiter, batch.row_count) == ("Windows-1252", ";", 1)
    page = client.get(response.url).content.decode()
    assert "read as Windows-1252, semicolon separated" in page
    assert '<option value="Cell Phone" selected>' in page
    assert '<option value="E-mail" selected>' in page
    # A sample value from the file beside the column it came from.
    assert "zoe@example.com" in page


def test_an_unreadable_upload_says_why_keeps_the_choice_and_stores_nothing(upload):
    response = upload(b"\x89PNG\r\n\x1a\n\x00\x00\x00", kind="appointments")

    page = response.content.decode()
    assert response.status_code == 200
    assert "This is not a text file" in page
    assert 'value="appointments" id="id_kind_1" checked' in page
    assert not ImportBatch.objects.exists()


def test_a_file_over_the_size_limit_is_refused(upload):
    raw = b"First Name,Last Name\n" + b"Ana,Ruiz\n" * (csvfile.MAX_BYTES // 9 + 1)

    response = upload(raw)

    assert "at most 5 MB can be imported" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_mapping_error_keeps_every_choice_made(upload, client):
    upload(b"Given,Family,Mail\nAna,Ruiz,ana@example.com\n")
    batch = ImportBatch.objects.get()

    response = client.post(
        _url("mapping", batch), {"first_name": "Given", "email": "Mail", "date_order": "dmy"}
    )

    page = response.content.decode()
    assert "Choose the columns of the first and last name, or of the full name." in page
    assert '<option value="Given" selected>' in page
    assert '<option value="Mail" selected>' in page
    assert '<option value="dmy" selected>' in page
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UPLOADED


def test_appointments_dry_run_then_confirm_books_them_with_reminders_but_no_confirmation(
    upload, client, owner, practice, therapist
):
    alice = factories.ClientFactory(email="alice@example.com", consent_email_reminders=True)
    day = next_weekday_local()
    raw = appointments_csv(
        [
            (f"{day:%m/%d/%Y}", "10:00", 60, "Dana Reyes", "60 min deep tissue", alice.email),
            (f"{day:%m/%d/%Y}", "10:30", 60, "Dana", "60 min deep tissue", alice.email),
        ]
    )
    upload(raw, kind="appointments")
    batch = ImportBatch.objects.get()

    mapped = client.post(_url("mapping", batch), {**batch.mapping, "date_order": "mdy"})
    assert mapped.status_code == 302
    assert not Appointment.objects.exists()
    page = client.get(_url("detail", batch)).content.decode()
    assert "1</strong> of 2 rows can be imported" in page
    assert "Clashes with row 2 of this file: Dana Reyes is already booked" in page
    assert "Import 1 appointment, skip 1" in page

    confirmed = client.post(_url("confirm", batch), follow=True)

    booked = Appointment.objects.get()
    assert booked.client == alice and booked.therapist == therapist
    assert booked.booked_by == owner
    assert "Imported 1 appointment." in confirmed.content.decode()
    kinds = set(booked.reminders.values_list("kind", flat=True))
    assert kinds == {Reminder.Kind.BEFORE_48H, Reminder.Kind.BEFORE_2H}


def test_confirm_after_the_slot_was_taken_writes_nothing_and_shows_the_new_dry_run(
    upload, client, owner, practice, therapist, location
):
    day = next_weekday_local()
    ana = factories.ClientFactory(email="ana@example.com")
    ben = factories.ClientFactory(email="ben@example.com")
    raw = appointments_csv(
        [
            (f"{day:%m/%d/%Y}", "10:00", 60, "Dana Reyes", "60 min deep tissue", ana.email),
            (f"{day:%m/%d/%Y}", "14:00", 60, "Dana Reyes", "60 min deep tissue", ben.email),
        ]
    )
    upload(raw, kind="appointments")
    batch = ImportBatch.objects.get()
    client.post(_url("mapping", batch), {**batch.mapping, "date_order": "mdy"})
    # Meanwhile the front desk books Dana at 14:00.
    taken = appointment_book(
        client=factories.ClientFactory(),
        therapist=therapist,
        service=practice,
        location=location,
        starts_at=_local(day, 14, location),
        booked_by=None,
    )

    response = client.post(_url("confirm", batch), follow=True)

    assert list(Appointment.objects.all()) == [taken]
    page = response.content.decode()
    assert "The practice changed since the dry run, so nothing was imported." in page
    assert "Clashes with a booking in Relief" in page
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED
    assert batch.valid_rows == [2]


def _local(day, hour, location):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(location.time_zone))


def test_confirming_twice_imports_once(upload, client):
    upload(b"First Name,Last Name\nAna,Ruiz\n")
    batch = ImportBatch.objects.get()
    client.post(_url("mapping", batch), {**batch.mapping, "date_order": "ymd"})

    client.post(_url("confirm", batch))
    again = client.post(_url("confirm", batch), follow=True)

    assert Client.objects.count() == 1
    assert "This file has been imported already." in again.content.decode()
    assert "Imported 1 client on" in again.content.decode()


def test_abandoning_deletes_the_file_and_writes_nothing(upload, client):
    upload(b"First Name,Last Name\nAna,Ruiz\n")
    batch = ImportBatch.objects.get()
    client.post(_url("mapping", batch), {**batch.mapping, "date_order": "ymd"})

    response = client.post(_url("abandon", batch), follow=True)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.ABANDONED
    assert batch.content == "" and batch.preview == []
    assert not Client.objects.exists()
    assert "abandoned; the file is deleted" in response.content.decode()
    assert client.post(_url("confirm", batch)).status_code == 302
    assert not Client.objects.exists()


def test_an_upload_left_for_a_day_expires_and_its_file_is_deleted(upload, client):
    upload(b"First Name,Last Name\nAna,Ruiz\n")
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    page = client.get(_url("mapping", batch), follow=True).content.decode()
    assert "That upload has expired. Upload the file again." in page
    assert services.import_batches_expire() == 1

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.EXPIRED and batch.content == ""
    assert services.import_batches_expire() == 0
    assert "This import was expired" in client.get(_url("detail", batch)).content.decode()


def test_an_upload_younger_than_a_day_is_kept(upload):
    upload(b"First Name,Last Name\nAna,Ruiz\n")
    assert services.import_batches_expire(now=timezone.now() + timedelta(hours=23)) == 0
    assert services.import_batches_expire(now=timezone.now() + timedelta(hours=25)) == 1


@pytest.mark.parametrize("persona_name", ["front_desk", "therapist"])
def test_only_the_owner_may_confirm(upload, client, persona, persona_name):
    upload(b"First Name,Last Name\nAna,Ruiz\n")
    batch = ImportBatch.objects.get()
    client.post(_url("mapping", batch), {**batch.mapping, "date_order": "ymd"})
    client.force_login(persona(persona_name))

    assert client.post(_url("confirm", batch)).status_code == 404
    assert client.get(reverse("api:imports:start")).status_code == 404
    assert not Client.objects.exists()


def test_the_manage_menu_links_the_import_for_the_owner_only(client, owner, front_desk):
    client.force_login(owner)
    assert 'href="/api/import/"' in client.get(reverse("practice:home")).content.decode()
    client.force_login(front_desk)
    assert 'href="/api/import/"' not in client.get(reverse("practice:home")).content.decode()


def test_the_pages_run_a_constant_number_of_queries(upload, client, django_assert_max_num_queries):
    rows = "".join(f"Ana{i},Ruiz,ana{i}@example.com\n" for i in range(300))
    upload(("First Name,Last Name,Email\n" + rows).encode())
    batch = ImportBatch.objects.get()
    with django_assert_max_num_queries(15):
        client.post(_url("mapping", batch), {**batch.mapping, "date_order": "ymd"})
    with django_assert_max_num_queries(15):
        client.get(_url("detail", batch))
    with django_assert_max_num_queries(15):
        client.get(reverse("api:imports:start"))
    # Confirming inserts the clients and their audit entries in chunks, not row by row.
    with django_assert_max_num_queries(40):
        client.post(_url("confirm", batch))
    assert Client.objects.count() == 300


def test_an_appointments_file_over_the_cap_is_refused_with_a_way_out(upload):
    rows = [("03/01/2027", "10:00", 60, "Dana", "x", "a@example.com")] * (
        services.MAX_APPOINTMENT_ROWS + 1
    )

    response = upload(appointments_csv(rows), kind="appointments")

    page = response.content.decode()
    assert f"import at most {services.MAX_APPOINTMENT_ROWS} at a time (split it by month)" in page
    assert not ImportBatch.objects.exists()
