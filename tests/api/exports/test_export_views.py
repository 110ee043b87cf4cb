"""The owner's export page: start, progress, download, expiry; nobody else gets in."""

import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from api.exports import services
from api.exports.models import PracticeExport
from clients.models import Client

pytestmark = pytest.mark.django_db


def ready_export(*, hours_left=1):
    now = timezone.now()
    export = PracticeExport.objects.create(
        status=PracticeExport.Status.READY,
        finished_at=now,
        expires_at=now + timedelta(hours=hours_left),
        size_bytes=22,
    )
    path = services.export_path(export)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", "{}")
    return export


def test_owner_sees_an_empty_state_that_says_what_to_do(client_as):
    response = client_as("owner").get(reverse("api:exports:index"))
    assert response.status_code == 200
    assert b"No exports yet. Start one" in response.content
    assert b"Start the export" in response.content


def test_export_is_in_the_owners_manage_menu_only(client_as):
    url = reverse("api:exports:index").encode()
    assert url in client_as("owner").get(reverse("practice:home")).content
    assert url not in client_as("front_desk").get(reverse("practice:home")).content
    assert url not in client_as("therapist").get(reverse("practice:home")).content


def test_starting_needs_the_confirmation(client_as):
    response = client_as("owner").post(reverse("api:exports:start"), follow=True)
    assert PracticeExport.objects.count() == 0
    assert b"Tick the box" in response.content


def test_starting_queues_one_build_after_commit_and_is_audited(
    client_as, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_as("owner").post(reverse("api:exports:start"), {"confirm": "on"})
    assert response.status_code == 302
    export = PracticeExport.objects.get()
    assert export.status == "queued" and export.requested_by == owner
    assert len(callbacks) == 1
    entry = LogEntry.objects.get_for_object(export).get(action=LogEntry.Action.CREATE)
    assert entry.actor == owner
    page = client_as("owner").get(reverse("api:exports:index"))
    # The row polls for its progress while it builds; no second start is offered.
    assert reverse("api:exports:status", args=[export.pk]).encode() in page.content
    assert b'hx-trigger="every 2s"' in page.content
    assert b"Start the export" not in page.content


def test_a_second_export_is_refused_while_one_builds(owner):
    services.export_start(user=owner)
    with pytest.raises(services.ValidationError):
        services.export_start(user=owner)
    assert PracticeExport.objects.count() == 1


def test_progress_partial_shows_the_step_and_percentage(client_as, owner):
    export = services.export_start(user=owner)
    PracticeExport.objects.filter(pk=export.pk).update(
        status="running", step="Table appointments", rows_done=250, rows_total=1000
    )
    response = client_as("owner").get(reverse("api:exports:status", args=[export.pk]))
    assert b"Table appointments: 25%" in response.content
    assert b'<progress class="w-100"' in response.content
    PracticeExport.objects.filter(pk=export.pk).update(status="ready", expires_at=timezone.now())
    done = client_as("owner").get(reverse("api:exports:status", args=[export.pk]))
    assert b"hx-trigger" not in done.content  # polling stops once built


def test_owner_downloads_and_the_download_is_recorded(client_as, owner):
    export = ready_export()
    response = client_as("owner").get(reverse("api:exports:download", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content).startswith(b"PK")
    export.refresh_from_db()
    assert export.downloads == 1 and export.last_downloaded_by == owner
    read = LogEntry.objects.get_for_object(export).get(action=LogEntry.Action.ACCESS)
    assert read.actor == owner


@pytest.mark.parametrize("who", ["therapist", "other_therapist", "front_desk", "no_role"])
def test_nobody_but_the_owner_downloads(client_as, who):
    export = ready_export()
    response = client_as(who).get(reverse("api:exports:download", args=[export.pk]))
    assert response.status_code == 404
    export.refresh_from_db()
    assert export.downloads == 0


@pytest.mark.parametrize("who", ["anonymous", "client"])
def test_signed_out_and_portal_clients_are_sent_to_sign_in(client_as, who):
    export = ready_export()
    response = client_as(who).get(reverse("api:exports:download", args=[export.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_after_expiry_the_link_is_404_for_the_owner_too_and_the_file_is_deleted(client_as):
    export = ready_export(hours_left=-1)
    path = services.export_path(export)
    assert path.exists()
    response = client_as("owner").get(reverse("api:exports:download", args=[export.pk]))
    assert response.status_code == 404
    assert not path.exists()
    export.refresh_from_db()
    assert export.status == "expired" and export.deleted_at is not None
    page = client_as("owner").get(reverse("api:exports:index"))
    assert b"The file was deleted" in page.content
    assert (
        client_as("front_desk").get(reverse("api:exports:download", args=[export.pk])).status_code
        == 404
    )


def test_the_sweep_deletes_expired_files_and_gives_up_dead_builds(settings):
    fresh, stale = ready_export(hours_left=5), ready_export(hours_left=-1)
    dead = PracticeExport.objects.create(
        status="running", started_at=timezone.now() - timedelta(days=1)
    )
    assert services.exports_expire() == 1
    assert services.export_path(fresh).exists() and not services.export_path(stale).exists()
    assert PracticeExport.objects.get(pk=stale.pk).status == "expired"
    assert PracticeExport.objects.get(pk=dead.pk).status == "failed"


def test_a_redelivered_build_message_builds_nothing_twice(owner):
    export = services.export_start(user=owner)
    Client.objects.create(first_name="Ana", last_name="Lopez")
    built = services.export_run(export_id=export.pk, include_pdfs=False)
    assert built.status == "ready" and built.counts["tables/clients"] == 1
    assert services.export_run(export_id=export.pk) is None  # the broker's second delivery
    with zipfile.ZipFile(services.export_path(built)) as zf:
        assert "fhir/Patient.ndjson" in zf.namelist()
    assert built.expires_at - built.finished_at == timedelta(hours=24)
    assert not list(Path(services.export_path(built)).parent.glob("*.partial"))


def test_a_failed_build_says_so_and_leaves_no_partial_file(owner, monkeypatch):
    export = services.export_start(user=owner)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "build_export", broken)
    failed = services.export_run(export_id=export.pk)
    assert failed.status == "failed" and "disk full" in failed.error


def test_the_owner_may_leave_the_note_pdfs_out(client_as, owner):
    client_as("owner").post(reverse("api:exports:start"), {"confirm": "on"})
    assert PracticeExport.objects.get().include_pdfs is False  # the box was not ticked
    PracticeExport.objects.all().delete()
    client_as("owner").post(reverse("api:exports:start"), {"confirm": "on", "pdfs": "on"})
    export = PracticeExport.objects.get()
    assert export.include_pdfs is True
    PracticeExport.objects.filter(pk=export.pk).update(include_pdfs=False)
    built = services.export_run(export_id=export.pk)
    assert "notes/pdf" not in built.counts
    with zipfile.ZipFile(services.export_path(built)) as zf:
        assert not [n for n in zf.namelist() if n.startswith("notes/")]
        assert json.loads(zf.read("manifest.json"))["signed_note_pdfs"] is False
