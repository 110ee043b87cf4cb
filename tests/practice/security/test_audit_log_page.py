"""The audit log: from what to what, clinical text masked, local times, one read per view."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.urls import reverse

from clients.models import Intake
from tests.clients.factories import intake_answers
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db


def test_changes_show_from_what_to_what(client_as, owner):
    maria = ClientFactory(first_name="Maria", phone="+12025550143")
    with set_actor(owner):
        maria.phone = "+12025550177"
        maria.save()
    html = client_as("owner").get(reverse("owner:audit_log")).content.decode()
    assert "+12025550143" in html
    assert "+12025550177" in html
    assert "→" in html


def test_clinical_text_is_masked_until_the_owner_reveals_it_which_is_audited(
    client_as, owner, therapist
):
    from clients import services

    maria = ClientFactory(primary_therapist=therapist)
    with set_actor(owner):
        services.intake_submit_staff(
            client=maria,
            answers=intake_answers(chief_complaint="Sciatica after a fall"),
            submitted_by=owner,
            form_token="7b1b7e4c-4a51-4bd5-9f0b-2f0f7f5b6a11",
            ip=None,
        )
    http = client_as("owner")
    html = http.get(reverse("owner:audit_log")).content.decode()
    assert "Sciatica after a fall" not in html
    assert "hidden: clinical text" in html
    entry = LogEntry.objects.get(content_type__model="intake", action=LogEntry.Action.CREATE)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    # A GET reveals nothing.
    assert (
        "Sciatica"
        not in http.get(reverse("owner:audit_log") + f"?reveal={entry.pk}").content.decode()
    )
    response = http.post(reverse("owner:audit_reveal", args=[entry.pk]), follow=True)
    assert "Sciatica after a fall" in response.content.decode()
    revealed = (
        LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
        .exclude(pk__in=[])
        .order_by("-pk")
        .first()
    )
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before + 1
    assert revealed.content_type.model == "intake"
    assert revealed.actor == owner
    assert revealed.additional_data == {"revealed_audit_entry": entry.pk}


def test_record_labels_and_times_are_on_the_local_clock(client_as, owner, location):
    location.time_zone = "America/New_York"
    location.save()
    starts = datetime(2031, 1, 15, 15, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in New York
    with set_actor(owner):
        AppointmentFactory(location=location, starts_at=starts)
    html = client_as("owner").get(reverse("owner:audit_log")).content.decode()
    assert "2031-01-15 10:00 EST" in html  # the label and the changed start alike
    assert "2031-01-15 15:00" not in html


def test_one_page_view_writes_one_read_per_record(client_as, therapist):
    maria = ClientFactory(primary_therapist=therapist)
    Intake  # noqa: B018 - the chart also summarises the latest intake
    http = client_as("owner")
    http.get(reverse("clients:detail", args=[maria.pk]))
    http.get(reverse("clients:detail", args=[maria.pk]))
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(maria.pk))
    assert reads.count() == 2
    assert len(set(reads.values_list("cid", flat=True))) == 2
    html = http.get(reverse("owner:audit_log")).content.decode()
    assert html.count("<td>access</td>") == 2


def test_a_record_shown_twice_in_one_page_view_is_one_read(therapist, owner):
    from practice.security import audit
    from sessions.selectors import log_note_reads

    maria = ClientFactory(primary_therapist=therapist)
    audit.request_started()
    with set_actor(owner):
        audit.audit_read(maria)
        audit.audit_read(maria)
        log_note_reads(notes=[maria], user=owner)  # any record: reads share the one set
    reads = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(maria.pk))
    assert reads.count() == 1
    audit.request_started()  # the next page view reads it again
    with set_actor(owner):
        audit.audit_read(maria)
    assert reads.count() == 2
