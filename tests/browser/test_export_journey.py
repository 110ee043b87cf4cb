"""The owner exports the practice in a real browser: start, watch it build, download."""

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from api.exports import services
from api.exports.models import PracticeExport
from tests import factories
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_starts_an_export_watches_it_build_and_downloads_it(page, owner, tmp_path):
    factories.AppointmentFactory()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="Export").click()
    expect(page.get_by_text("No exports yet")).to_be_visible()

    page.get_by_label("Include each signed note as a PDF").uncheck()
    page.get_by_role("button", name="Start the export").click()
    # The browser holds the form until the confirmation is ticked.
    assert PracticeExport.objects.count() == 0
    page.get_by_label("I understand this file contains").check()
    page.get_by_role("button", name="Start the export").click()
    expect(page.get_by_text("Queued")).to_be_visible()
    expect(page.get_by_role("button", name="Start the export")).to_have_count(0)

    # The worker's part, run here: the row's htmx poll picks up the result.
    export = PracticeExport.objects.get()
    services.export_run(export_id=export.pk)
    download_link = page.get_by_role("link", name="Download")
    expect(download_link).to_be_visible(timeout=15_000)
    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / "export.zip"
    info.value.save_as(path)
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as zf:
        assert json.loads(zf.read("manifest.json"))["rows"]["tables/appointments"] == 1
    page.reload()
    expect(page.get_by_text("Downloaded 1 time")).to_be_visible()
