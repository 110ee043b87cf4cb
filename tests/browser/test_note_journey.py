"""Dana charts a checked-in session end to end in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from clients.models import Score
from sessions.models import SessionNote, TechniqueApplication
from tests import factories
from tests.factories import PASSWORD
from tests.sessions.conftest import ensure_techniques, make_appointment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _add_technique(page, name, minutes, region):
    form = page.locator("#techniques form").last
    form.get_by_label("Technique", exact=True).select_option(label=name)
    form.get_by_label("Minutes").fill(str(minutes))
    # Mark the region on the body map; the accessible checkbox follows it.
    form.get_by_role("button", name=region, exact=True).click()
    checkbox = form.locator("input[type=checkbox]").and_(form.get_by_label(region, exact=True))
    assert checkbox.is_checked()
    form.get_by_role("button", name="Add technique").click()


def test_dana_charts_signs_and_amends_a_session(page, therapist, location):
    ensure_techniques()
    client = factories.ClientFactory(primary_therapist=therapist, first_name="Maria")
    appointment = make_appointment(therapist, client)
    _sign_in(page, therapist.user.username)
    page.goto(f"/notes/appointment/{appointment.pk}/")
    page.get_by_role("button", name="Write note").click()
    expect(page.get_by_role("heading", name=re.compile("Session note"))).to_be_visible()
    note = SessionNote.objects.get(appointment=appointment)

    # A marker on window survives only if the page is never reloaded.
    page.evaluate("window.noReload = true")

    page.get_by_label("Subjective").fill("Low back ache after a long drive.")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at", timeout=10000)
    note.refresh_from_db()
    assert note.subjective == "Low back ache after a long drive."

    _add_technique(page, "Myofascial release", 20, "Low back")
    expect(page.locator("[data-technique-row]")).to_have_count(1)
    _add_technique(page, "Trigger point therapy", 10, "Left buttock")
    expect(page.locator("[data-technique-row]")).to_have_count(2)
    page.get_by_role("button", name="Remove Trigger point therapy").click()
    expect(page.locator("[data-technique-row]")).to_have_count(1)
    expect(page.locator("[data-technique-row]")).to_contain_text("Myofascial release")
    assert page.evaluate("window.noReload") is True
    assert list(
        TechniqueApplication.objects.filter(note=note).values_list("minutes", flat=True)
    ) == [20]

    page.get_by_label("Pain before (0-10)").fill("6")
    page.get_by_label("Pain after (0-10)").fill("3")
    page.get_by_label("Assessment").fill("Lumbar erectors less guarded.")
    page.get_by_role("button", name="Sign note").click()

    # Asked once, with what will be locked; confirmed by keyboard.
    expect(page.get_by_role("heading", name="Sign this note?")).to_be_visible()
    expect(page.locator("[data-locked-soap]")).to_contain_text("Lumbar erectors less guarded.")
    expect(page.locator("[data-technique-row]")).to_contain_text("Myofascial release")
    expect(page.locator("[data-pain-after]")).to_have_text("3 / 10")
    assert SessionNote.objects.get(pk=note.pk).status == "draft"
    page.get_by_role("button", name="Sign and lock").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Note signed and locked.")).to_be_visible()
    expect(page.get_by_text("Content matches its signature.")).to_be_visible()
    expect(page.locator("[data-pain-before]")).to_have_text("6 / 10")
    assert page.get_by_role("link", name="Continue editing").count() == 0
    note.refresh_from_db()
    assert note.status == "signed" and note.assessment == "Lumbar erectors less guarded."
    pain = dict(Score.objects.filter(source_id=str(note.pk)).values_list("context", "value"))
    assert pain == {"pre_session": 6, "post_session": 3}

    # The editor is gone for a signed note: opening it lands on the read view.
    page.goto(f"/notes/note/{note.pk}/edit/")
    expect(page.get_by_role("button", name="Sign note")).to_have_count(0)

    page.get_by_label("Amendment", exact=True).fill("Pressure was firm, not deep.")
    page.get_by_role("button", name="Add amendment").click()
    expect(page.get_by_text("Amendment added.")).to_be_visible()
    expect(page.locator(".amendment")).to_contain_text("Pressure was firm, not deep.")
    assert page.console_watch.problems == []


def test_note_editor_and_history_fit_a_phone(phone_page, therapist, location):
    ensure_techniques()
    client = factories.ClientFactory(primary_therapist=therapist)
    appointment = make_appointment(therapist, client)
    _sign_in(phone_page, therapist.user.username)
    phone_page.goto(f"/notes/appointment/{appointment.pk}/")
    phone_page.get_by_role("button", name="Write note").click()
    expect(phone_page.get_by_role("button", name="Sign note")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    phone_page.goto(f"/notes/client/{client.pk}/")
    expect(phone_page.get_by_role("heading", name="Session notes")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375


def test_adding_a_technique_after_marking_regions_keeps_the_csp(page, therapist, location):
    ensure_techniques()
    client = factories.ClientFactory(primary_therapist=therapist)
    appointment = make_appointment(therapist, client)
    _sign_in(page, therapist.user.username)
    page.goto(f"/notes/appointment/{appointment.pk}/")
    page.get_by_role("button", name="Write note").click()
    form = page.locator("#techniques form").last
    form.get_by_label("Technique", exact=True).select_option(label="Myofascial release")
    form.get_by_label("Minutes").fill("15")
    for region in ("Low back", "Mid back"):
        form.get_by_role("button", name=region, exact=True).click()
    # Browser extensions and accessibility tools style marked shapes through
    # the CSSOM (which the CSP allows); the swap must not copy those styles
    # back as style attributes (which it forbids).
    page.evaluate(
        "document.querySelectorAll('#techniques [id]').forEach("
        "function (e) { e.style.outlineColor = 'red'; })"
    )
    form.get_by_role("button", name="Add technique").click()
    expect(page.locator("[data-technique-row]")).to_contain_text("Mid back, Low back")
    expect(page.get_by_role("button", name="Low back", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    assert page.console_watch.problems == []


def test_a_bad_pain_score_is_marked_where_it_is_and_the_rest_saves(page, therapist, location):
    client = factories.ClientFactory(primary_therapist=therapist)
    appointment = make_appointment(therapist, client)
    _sign_in(page, therapist.user.username)
    page.goto(f"/notes/appointment/{appointment.pk}/")
    page.get_by_role("button", name="Write note").click()
    note = SessionNote.objects.get(appointment=appointment)

    pain_after = page.get_by_label("Pain after (0-10)")
    pain_after.fill("14")
    page.get_by_label("Objective").fill("Guarding at L4-L5.")
    expect(page.locator("#autosave-status")).to_contain_text("except Pain after", timeout=10000)
    note.refresh_from_db()
    assert note.objective == "Guarding at L4-L5."
    # Marked where it is: invalid state and its message beside it, read out with it.
    expect(pain_after).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(pain_after).to_have_attribute("aria-invalid", "true")
    message = page.locator("#id_pain_after_errors")
    expect(message).to_have_text("Ensure this value is less than or equal to 10.")
    expect(pain_after).to_have_accessible_description(re.compile("less than or equal to 10"))
    assert message.bounding_box()["y"] - pain_after.bounding_box()["y"] < 120

    # What was not saved still warns before the page is left.
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Charting").first.click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    assert "/edit/" in page.url

    pain_after.fill("4")
    expect(page.locator("#autosave-status .text-success")).to_contain_text(
        "Draft saved at", timeout=10000
    )
    expect(pain_after).not_to_have_class(re.compile(r"\bis-invalid\b"))
    expect(message).to_be_empty()
    assert Score.objects.get(source_id=str(note.pk), context="post_session").value == 4
