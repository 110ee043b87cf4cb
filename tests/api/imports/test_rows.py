"""Row rules of the dry run that the sample files do not show."""

from datetime import UTC, datetime

import pytest

from api.imports import services
from clients.models import Client
from tests import factories

pytestmark = pytest.mark.django_db


def _dry_run(owner, raw, kind, now=None, **mapping):
    batch = services.import_batch_upload(raw=raw, file_name="f.csv", kind=kind, by=owner, now=now)
    return services.import_batch_check(
        batch=batch,
        mapping={**batch.mapping, **mapping},
        date_order=batch.date_order,
        by=owner,
        now=now,
    )


def _messages(batch):
    return {e["row"]: " ".join(e["messages"]) for e in batch.errors}


def test_a_full_name_column_is_split_either_way(owner):
    raw = (
        b'Client Name,E-mail\n"Ruiz, Ana",ana@example.com\nBen Cho,ben@example.com\nCher,c@x.test\n'
    )

    batch = _dry_run(owner, raw, "clients")

    assert batch.mapping == {"full_name": "Client Name", "email": "E-mail"}
    assert [p["text"] for p in batch.preview] == [
        "Ana Ruiz · ana@example.com",
        "Ben Cho · ben@example.com",
    ]
    assert _messages(batch) == {4: "Name: “Cher” is not a first and last name."}
    services.import_batch_confirm(batch=batch, by=owner)
    assert set(Client.objects.values_list("last_name", flat=True)) == {"Ruiz", "Cho"}


def test_consent_columns_are_read_as_yes_or_no(owner):
    raw = b"First,Last,Email Reminders,SMS Reminders\nAna,Ruiz,no,yes\nBen,Cho,maybe,\n"

    batch = _dry_run(owner, raw, "clients")
    services.import_batch_confirm(batch=batch, by=owner)

    ana = Client.objects.get()
    assert (ana.consent_email_reminders, ana.consent_sms_reminders) == (False, True)
    assert _messages(batch) == {3: "Email reminders (yes/no): “maybe” is neither yes nor no."}


def test_a_time_the_clocks_skip_is_refused(owner, practice, location):
    # 14 March 2027, 02:30 does not happen in New York: the clocks go from 2:00 to 3:00.
    factories.ClientFactory(email="ana@example.com")
    raw = (
        b"Date,Start Time,Duration,Practitioner,Service,Client Email\n"
        b"03/14/2027,2:30 AM,60,Dana Reyes,60 min deep tissue,ana@example.com\n"
    )

    batch = _dry_run(owner, raw, "appointments", now=datetime(2027, 3, 1, tzinfo=UTC), date="Date")

    assert _messages(batch) == {
        2: "02:30 does not exist on 14 Mar 2027 in America/New_York (the clocks change)."
    }


def test_a_client_named_twice_in_relief_asks_for_the_email(owner, practice):
    factories.ClientFactory(first_name="Ana", last_name="Ruiz", email="a1@example.com")
    factories.ClientFactory(first_name="Ana", last_name="Ruiz", email="a2@example.com")
    raw = (
        b"Date,Start Time,Duration,Practitioner,Service,Client\n"
        b"03/01/2027,10:00,60,Dana Reyes,60 min deep tissue,Ana Ruiz\n"
    )

    batch = _dry_run(owner, raw, "appointments", now=datetime(2027, 2, 22, tzinfo=UTC))

    assert _messages(batch) == {2: "2 clients in Relief have this name; give the client's email."}


def test_past_appointments_are_not_imported(owner, practice):
    factories.ClientFactory(email="ana@example.com")
    raw = (
        b"Date,Start Time,Duration,Practitioner,Service,Client Email\n"
        b"2020-03-02,10:00,60,Dana Reyes,60 min deep tissue,ana@example.com\n"
    )

    batch = _dry_run(owner, raw, "appointments")

    assert _messages(batch) == {
        2: "2 Mar 2020 10:00 is in the past: only future appointments are imported."
    }


def test_a_one_word_name_is_fine_where_the_email_finds_the_client(owner, practice):
    jim = factories.ClientFactory(first_name="Jim", last_name="Park", email="jim@example.com")
    raw = (
        b"Date,Start Time,Duration,Practitioner,Service,Customer,Email\n"
        b"03/01/2027,10:00,60,Dana Reyes,60 min deep tissue,Jim,jim@example.com\n"
        b"03/01/2027,14:00,60,Dana Reyes,60 min deep tissue,Jim,\n"
    )

    batch = _dry_run(owner, raw, "appointments", now=datetime(2027, 2, 22, tzinfo=UTC))

    assert batch.valid_rows == [2]
    assert batch.preview[0]["text"].endswith(jim.full_name)
    assert _messages(batch) == {3: "Client: “Jim” is not a first and last name."}


def test_importing_the_same_appointments_again_books_nothing_twice(owner, practice, therapist):
    therapist.display_name = "Dana Reyes, LMT"
    therapist.save()
    factories.ClientFactory(email="ana@example.com")
    raw = (
        b"Date,Start Time,Duration,Practitioner,Service,Client Email\n"
        b"03/01/2027,10:00,60,Dana Reyes,60 min deep tissue,ana@example.com\n"
    )
    now = datetime(2027, 2, 22, tzinfo=UTC)
    first = _dry_run(owner, raw, "appointments", now=now)
    services.import_batch_confirm(batch=first, by=owner, now=now)

    again = _dry_run(owner, raw, "appointments", now=now)

    assert _messages(again) == {2: "Already in Relief: this booking exists (imported before?)."}
