"""A therapist creates an API token from the menu, copies it (shown once), and
opens the API docs: Swagger UI draws from Relief's own files under its CSP
(the page watch fails the test on any console error or CSP violation)."""

import re

import pytest
from playwright.sync_api import expect

from api.rest.models import ApiToken
from clients.tokens import hash_token
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_therapist_creates_a_token_then_reads_the_docs(page, therapist):
    page.goto("/")
    page.get_by_label("Username").fill(therapist.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("button", name="Manage").click()
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_text("No tokens yet")).to_be_visible()
    page.get_by_label("Name").fill("Calendar sync")
    page.get_by_label("Expires after").select_option(label="30 days")
    page.get_by_role("button", name="Create token").click()

    secret = page.get_by_label(re.compile("Your token")).input_value()
    assert ApiToken.objects.get(user=therapist.user).key_hash == hash_token(secret)
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_role("cell", name="Calendar sync", exact=True)).to_be_visible()
    assert secret not in page.content()

    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name=re.compile("Relief API"))).to_be_visible()
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/appointments/").first
    ).to_be_visible()
