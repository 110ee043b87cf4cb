"""A realistic practice to export: the demo practice, plus the records it lacks."""

import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from api.exports.builder import build_export
from billing import services as billing
from clients.models import Client
from practice.demo import seed_demo
from practice.models import Appointment, Therapist
from sessions import services as notes
from sessions.demo import seed_notes
from sessions.models import SessionNote
from tests.sessions.conftest import ensure_techniques


@dataclass
class Practice:
    owner: User
    dana: Therapist
    signed: list
    draft: SessionNote
    hostile_client: Client


def build_practice() -> Practice:
    ensure_techniques()  # a transactional test's flush removes the seeded ones
    seed_demo()
    seed_notes()
    owner = User.objects.get(username="owner")
    dana = Therapist.objects.get(user__username="dana")
    signed = list(SessionNote.objects.filter(status="signed").order_by("created_at"))
    notes.note_amend(note=signed[0], user=dana.user, text="Pain before was 7, not 6.")
    # A completed session whose note is still a draft: in the tables, never as PDF.
    completed = signed[-1].appointment
    later = Appointment.objects.create(
        client=completed.client,
        therapist=dana,
        service=completed.service,
        location=completed.location,
        starts_at=completed.starts_at + (completed.occupied_until - completed.starts_at) * 2,
        ends_at=completed.ends_at + (completed.occupied_until - completed.starts_at) * 2,
        occupied_until=completed.occupied_until
        + (completed.occupied_until - completed.starts_at) * 2,
        status=Appointment.Status.COMPLETED,
    )
    draft = notes.note_open_for_appointment(appointment=later, user=dana.user)
    # Money: an issued invoice, a payment and a refund, a package and a gift card.
    invoice = billing.invoice_open_for_appointment(appointment=completed, by=owner)
    invoice = billing.invoice_issue(invoice=invoice, by=owner)
    payment = billing.payment_record(invoice=invoice, method="cash", amount=invoice.total, by=owner)
    billing.refund_record(payment=payment, amount=Decimal("10.00"), reason="Goodwill", by=owner)
    product = billing.package_product_create(
        name="Five deep tissue",
        service=completed.service,
        sessions=5,
        price="450.00",
        valid_days=365,
    )
    billing.package_sell(client=completed.client, product=product, by=owner)
    billing.gift_card_sell(client=completed.client, value=Decimal("75.00"), by=owner)
    # Text a spreadsheet would run as a formula.
    hostile = Client.objects.create(first_name="Eve", last_name='=HYPERLINK("http://x")')
    return Practice(owner=owner, dana=dana, signed=signed, draft=draft, hostile_client=hostile)


@pytest.fixture
def practice(db):
    return build_practice()


@dataclass
class Exported:
    practice: Practice
    zf: zipfile.ZipFile
    counts: dict


@pytest.fixture(scope="module")
def exported(django_db_setup, django_db_blocker, tmp_path_factory):
    """The practice and its export zip, built once per test module as the task builds it.

    Built inside a transaction that is rolled back after the module, so each
    test (its own savepoint inside it) sees the practice and leaves it as found.
    """
    path = Path(tmp_path_factory.mktemp("export")) / "practice.zip"
    with django_db_blocker.unblock(), transaction.atomic():
        practice = build_practice()
        counts = build_export(path)
        with zipfile.ZipFile(path) as zf:
            yield Exported(practice=practice, zf=zf, counts=counts)
        transaction.set_rollback(True)
