"""The owner imports the sample clients export: upload, columns, dry run with errors, confirm."""

import re
from pathlib import Path

import pytest

from clients.models import Client
from tests.factories import PASSWORD, ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).resolve().parent.parent / "api" / "data" / "clients.csv"


def test_owner_imports_clients_from_another_systems_export(page, owner):
    ClientFactory(first_name="Erin", last_name="Fox", email="erin.fox@example.com")
    page.goto("/")
    page.get_by_label("Username").fill(owner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="Import", exact=True).click()
    assert page.get_by_role("heading", name="Import from another system").is_visible()
    page.get_by_label("Clients").check()
    page.get_by_label("CSV file").set_input_files(SAMPLE)
    page.get_by_role("button", name="Upload and match columns").click()

    # The columns are guessed from the header; the owner changes one.
    page.get_by_role("heading", name="Match the columns").wait_for()
    assert page.get_by_text("read as UTF-8 with BOM, comma separated").is_visible()
    assert page.get_by_label("Phone", exact=True).input_value() == "Mobile Phone"
    page.get_by_label("Preferred name").select_option("")
    # Choosing a column shows its first values.
    page.get_by_label("Full name").select_option("Emergency Contact")
    samples = page.locator('[data-samples-of="id_full_name"]')
    assert samples.is_visible() and "Luis Ruiz" in samples.inner_text()
    page.get_by_label("Full name").select_option("")
    assert samples.is_hidden()
    page.get_by_role("button", name="Run the dry run").click()

    # The dry run lists each bad row with its reason, and writes nothing.
    page.get_by_role("heading", name="Dry run").wait_for()
    errors = page.locator("#row-errors")
    assert errors.locator("tr", has_text="Repeats row 2 (same email).").is_visible()
    assert errors.get_by_text("Phone “555-12”").is_visible()
    assert errors.get_by_text("Already in Relief: Erin Fox has the same email.").is_visible()
    assert Client.objects.count() == 1

    page.get_by_role("button", name="Import 4 clients, skip 5").click()
    page.get_by_text("Imported 4 clients.").wait_for()
    assert Client.objects.count() == 5
    # Preferred name was left out on purpose: Ben stays Benjamin.
    assert Client.objects.get(last_name="Cho").preferred_name == ""

    page.locator("#imported-records").get_by_role("link", name="Ana Ruiz").click()
    page.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    assert page.get_by_role("heading", name=re.compile("Ana Ruiz")).is_visible()
