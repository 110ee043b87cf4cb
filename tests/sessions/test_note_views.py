"""Note pages over HTTP: who gets in, autosave, conflicts, signing, amendments."""

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Score
from sessions.models import SessionNote, TechniqueApplication
from tests import factories
from tests.sessions.conftest import make_appointment, queries_for, sign

pytestmark = pytest.mark.django_db


def _form(note, **overrides):
    data = {
        "version": note.version,
        "subjective": "Low back ache after a long drive",
        "objective": "",
        "assessment": "",
        "plan_text": "",
        "pressure": "",
        "client_response": "",
        "home_care": "",
        "pain_before": "",
        "pain_after": "",
    }
    data.update(overrides)
    return data


def test_opening_an_appointments_note_with_a_get_writes_nothing(client_as, appointment):
    http = client_as("therapist")
    response = http.get(reverse("sessions:note_for_appointment", args=[appointment.pk]))
    assert response.status_code == 200
    assert b"Write note" in response.content
    assert not SessionNote.objects.exists()


def test_therapist_writing_a_note_gets_a_draft_editor(client_as, appointment):
    http = client_as("therapist")
    response = http.post(reverse("sessions:note_for_appointment", args=[appointment.pk]))
    note = SessionNote.objects.get(appointment=appointment)
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions:note_edit", args=[note.pk])
    page = http.get(response["Location"])
    assert page.status_code == 200
    assert b"Techniques applied" in page.content
    assert b'hx-post="' + reverse("sessions:note_autosave", args=[note.pk]).encode() in page.content


def test_cancelled_appointment_gets_a_clear_message_not_a_note(client_as, therapist, dana_client):
    appointment = make_appointment(therapist, dana_client, status="cancelled")
    http = client_as("therapist")
    response = http.get(
        reverse("sessions:note_for_appointment", args=[appointment.pk]), follow=True
    )
    assert response.status_code == 200
    assert "cancelled; there is no session to chart" in response.content.decode()
    assert not SessionNote.objects.exists()


def test_owner_sees_no_note_yet_page_for_an_unstarted_note(client_as, appointment):
    response = client_as("owner").get(
        reverse("sessions:note_for_appointment", args=[appointment.pk])
    )
    assert response.status_code == 200
    assert b"No note yet" in response.content
    assert not SessionNote.objects.exists()


def test_front_desk_cannot_open_session_notes(client_as, draft):
    http = client_as("front_desk")
    for name in ("note_detail", "note_edit"):
        assert http.get(reverse(f"sessions:{name}", args=[draft.pk])).status_code == 404
    assert http.get(reverse("sessions:client_history", args=[draft.client_id])).status_code == 404


def test_other_therapist_gets_404_unless_linked_to_the_client(
    client_as, draft, other_therapist, dana_client
):
    http = client_as("other_therapist")
    url = reverse("sessions:note_detail", args=[draft.pk])
    assert http.get(url).status_code == 404
    # Once Sam has an appointment with Maria, she is his client too: he reads, not writes.
    make_appointment(other_therapist, dana_client, days_ago=7, status="completed")
    assert http.get(url).status_code == 200
    edit = http.get(reverse("sessions:note_edit", args=[draft.pk]))
    assert edit.status_code == 302 and edit["Location"] == url
    autosave = http.post(
        reverse("sessions:note_autosave", args=[draft.pk]), _form(draft, subjective="Sam was here")
    )
    assert autosave.status_code == 404
    assert SessionNote.objects.get(pk=draft.pk).subjective != "Sam was here"


def test_autosave_saves_and_returns_the_new_version(client_as, draft):
    http = client_as("therapist")
    response = http.post(
        reverse("sessions:note_autosave", args=[draft.pk]),
        _form(draft, pain_before="6"),
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Draft saved at" in body
    assert f'name="version" value="{draft.version + 1}"' in body
    assert 'hx-swap-oob="true"' in body
    note = SessionNote.objects.get(pk=draft.pk)
    assert note.subjective == "Low back ache after a long drive"
    assert Score.objects.get(context="pre_session", source_id=str(draft.pk)).value == 6


def test_second_editor_gets_a_conflict_message_instead_of_overwriting(client_as, draft):
    http = client_as("therapist")
    url = reverse("sessions:note_autosave", args=[draft.pk])
    http.post(url, _form(draft, objective="Typed in tab one"))
    response = http.post(url, _form(draft, objective="Typed in tab two"))
    assert "editing conflict" in response.content.decode()
    assert SessionNote.objects.get(pk=draft.pk).objective == "Typed in tab one"


def _autosave(http, note_pk, **fields):
    """Send one autosave at the note's current version; returns the SQL the request ran."""
    data = _form(SessionNote.objects.get(pk=note_pk), **fields)

    def send():
        with CaptureQueriesContext(connection) as captured:
            response = http.post(
                reverse("sessions:note_autosave", args=[note_pk]), data, HTTP_HX_REQUEST="true"
            )
        assert "Draft saved at" in response.content.decode()
        return [query["sql"] for query in captured.captured_queries]

    return send


def test_autosave_queries_do_not_grow_with_techniques(
    sessions_as_deployed, client_as, draft, technique, django_assert_max_num_queries
):
    # User, roles, therapist row, the note (view); then the transaction: the
    # note locked, its pain scores, the two changed scores, the note's
    # signature guard and update, all audit entries in one INSERT, and the
    # pain of the report summary's rows (one update per table).
    http = client_as("therapist")
    _autosave(http, draft.pk, subjective="First words", pain_before="6", pain_after="3")()
    TechniqueApplication.objects.create(note=draft, technique=technique, minutes=10)
    send = _autosave(http, draft.pk, subjective="Second", pain_before="5", pain_after="2")
    with django_assert_max_num_queries(15):
        one = send()
    for minutes in range(5):
        TechniqueApplication.objects.create(note=draft, technique=technique, minutes=minutes + 1)
    six = _autosave(http, draft.pk, subjective="Third", pain_before="4", pain_after="1")()
    assert len(one) == len(six)
    note = SessionNote.objects.get(pk=draft.pk)
    assert note.subjective == "Third"
    pain = {s.context: s.value for s in Score.objects.filter(source_id=str(draft.pk))}
    assert pain == {"pre_session": 4, "post_session": 1}


def test_autosave_that_changes_nothing_writes_nothing(client_as, draft):
    http = client_as("therapist")
    _autosave(http, draft.pk, objective="Hypertonic", pain_before="6")()
    version = SessionNote.objects.get(pk=draft.pk).version
    entries = LogEntry.objects.count()
    statements = _autosave(http, draft.pk, objective="Hypertonic", pain_before="6")()
    writes = [sql for sql in statements if sql.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert SessionNote.objects.get(pk=draft.pk).version == version
    assert LogEntry.objects.count() == entries


def test_pain_out_of_range_is_a_clear_error_and_keeps_the_text(client_as, draft):
    http = client_as("therapist")
    response = http.post(
        reverse("sessions:note_edit", args=[draft.pk]),
        _form(draft, objective="Careful palpation notes", pain_after="12"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "less than or equal to 10" in body
    assert "Careful palpation notes" in body
    # "Save draft" saved every valid field and says which one it left.
    note = SessionNote.objects.get(pk=draft.pk)
    assert note.objective == "Careful palpation notes"
    assert "Saved everything except Pain after (0-10)" in body
    assert f'name="version" value="{note.version}"' in body
    # The next save from the same page is not a conflict.
    response = http.post(
        reverse("sessions:note_edit", args=[draft.pk]),
        {
            **_form(draft, objective="Careful palpation notes", pain_after="3"),
            "version": str(note.version),
        },
    )
    assert response.status_code == 302
    assert Score.objects.get(source_id=str(draft.pk), context="post_session").value == 3


def test_one_bad_pain_score_does_not_hold_back_the_rest_of_the_autosave(client_as, draft):
    http = client_as("therapist")
    response = http.post(
        reverse("sessions:note_autosave", args=[draft.pk]),
        _form(draft, objective="Careful palpation notes", pain_before="6", pain_after="14"),
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    # Everything valid is saved; the bad score is left as it was.
    note = SessionNote.objects.get(pk=draft.pk)
    assert note.objective == "Careful palpation notes"
    pain = {s.context: s.value for s in Score.objects.filter(source_id=str(draft.pk))}
    assert pain == {"pre_session": 6}
    # The status says what was not saved (so the editor keeps its unsaved
    # warning) and the message goes beside the field, out of band.
    assert "Draft saved at" in body and "except Pain after (0-10)" in body
    assert "text-success" not in body
    assert (
        '<div class="invalid-feedback field-errors" id="id_pain_after_errors" '
        'hx-swap-oob="true" data-field-errors><div>Ensure this value is less than or equal '
        "to 10.</div></div>"
    ) in body
    # The valid fields' boxes are emptied, clearing an earlier message.
    assert 'id="id_pain_before_errors" hx-swap-oob="true" data-field-errors></div>' in body
    assert f'name="version" value="{note.version}"' in body


def test_technique_rows_are_added_and_removed_as_htmx_partials(client_as, draft, technique):
    http = client_as("therapist")
    add = reverse("sessions:note_technique_add", args=[draft.pk])
    response = http.post(
        add,
        {
            "technique-technique": technique.pk,
            "technique-body_regions": ["low_back", "glute_left"],
            "technique-side": "bilateral",
            "technique-minutes": "20",
            "technique-pressure": "firm",
            "technique-notes": "Sustained holds",
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="techniques"')
    assert "Myofascial release" in body and "Low back, Left buttock" in body
    application = TechniqueApplication.objects.get(note=draft)
    assert application.body_regions == ["low_back", "glute_left"]

    missing = http.post(add, {"technique-minutes": "5"}, HTTP_HX_REQUEST="true")
    assert "Choose the technique you applied." in missing.content.decode()
    too_long = http.post(
        add,
        {"technique-technique": technique.pk, "technique-minutes": "500"},
        HTTP_HX_REQUEST="true",
    )
    assert "less than or equal to 180" in too_long.content.decode()
    assert TechniqueApplication.objects.count() == 1

    remove = http.post(
        reverse("sessions:note_technique_remove", args=[draft.pk, application.pk]),
        HTTP_HX_REQUEST="true",
    )
    assert remove.status_code == 200
    assert not TechniqueApplication.objects.exists()


def test_signing_without_assessment_keeps_the_text_and_explains(client_as, draft):
    http = client_as("therapist")
    response = http.post(
        reverse("sessions:note_sign", args=[draft.pk]), _form(draft, objective="Found a lot")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Write an assessment before signing." in body
    assert "Found a lot" in body
    note = SessionNote.objects.get(pk=draft.pk)
    assert note.status == "draft"
    assert f'name="version" value="{note.version}"' in body


def test_sign_saves_what_is_on_screen_then_asks_once_showing_what_it_locks(
    client_as, draft, technique
):
    TechniqueApplication.objects.create(
        note=draft, technique=technique, minutes=20, body_regions=["upper_back_right"]
    )
    http = client_as("therapist")
    sign_url = reverse("sessions:note_sign", args=[draft.pk])
    response = http.post(
        sign_url, _form(draft, assessment="Improving", pain_before="6", pain_after="3")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sign this note?" in body
    # What will be locked: the SOAP text, the techniques and the pain scores.
    assert "Low back ache after a long drive" in body and "Improving" in body
    assert "Myofascial release" in body and "Right upper back and shoulder blade" in body
    assert "6 / 10" in body and "3 / 10" in body
    assert 'type="submit" class="btn btn-primary">Sign and lock</button>' in body
    note = SessionNote.objects.get(pk=draft.pk)
    # Saved, not signed yet.
    assert note.status == "draft" and note.assessment == "Improving"
    response = http.post(sign_url, {"confirmed": "1", "version": note.version})
    assert response.status_code == 302
    note = SessionNote.objects.get(pk=draft.pk)
    assert note.status == "signed" and note.assessment == "Improving"
    page = http.get(reverse("sessions:note_detail", args=[note.pk])).content.decode()
    assert "Content matches its signature." in page
    assert "Add amendment" in page


def test_confirming_a_draft_changed_since_it_was_shown_does_not_sign_it(client_as, draft):
    http = client_as("therapist")
    sign_url = reverse("sessions:note_sign", args=[draft.pk])
    http.post(sign_url, _form(draft, assessment="Improving"))
    shown = SessionNote.objects.get(pk=draft.pk).version
    # Another tab saves after the confirmation page was shown.
    http.post(
        reverse("sessions:note_autosave", args=[draft.pk]),
        _form(SessionNote.objects.get(pk=draft.pk), assessment="Changed in tab two"),
    )
    response = http.post(sign_url, {"confirmed": "1", "version": shown}, follow=True)
    assert "changed after you reviewed it" in response.content.decode()
    assert SessionNote.objects.get(pk=draft.pk).status == "draft"


def test_crafted_posts_cannot_change_a_signed_note(client_as, draft, therapist, technique):
    services_application = TechniqueApplication.objects.create(
        note=draft, technique=technique, minutes=10
    )
    note = sign(draft, therapist.user)
    before = SessionNote.objects.filter(pk=note.pk).values().get()
    http = client_as("therapist")
    crafted = _form(note, assessment="Rewritten after signing")
    for name in ("note_edit", "note_autosave", "note_sign"):
        response = http.post(reverse(f"sessions:{name}", args=[note.pk]), crafted)
        assert response.status_code < 500
    http.post(
        reverse("sessions:note_technique_add", args=[note.pk]),
        {"technique-technique": technique.pk, "technique-minutes": "5"},
    )
    http.post(reverse("sessions:note_technique_remove", args=[note.pk, services_application.pk]))
    assert SessionNote.objects.filter(pk=note.pk).values().get() == before
    assert TechniqueApplication.objects.filter(note=note).count() == 1


def test_amendment_is_shown_under_the_note(client_as, draft, therapist):
    note = sign(draft, therapist.user)
    http = client_as("therapist")
    response = http.post(
        reverse("sessions:note_amend", args=[note.pk]), {"text": "Pressure was firm, not deep."}
    )
    assert response.status_code == 302
    page = http.get(reverse("sessions:note_detail", args=[note.pk])).content.decode()
    assert "Pressure was firm, not deep." in page
    empty = http.post(reverse("sessions:note_amend", args=[note.pk]), {"text": ""}, follow=True)
    assert "Write the amendment text" in empty.content.decode()
    assert note.amendments.count() == 1


def test_reading_a_note_is_logged(client_as, draft, owner):
    client_as("owner").get(reverse("sessions:note_detail", args=[draft.pk]))
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(draft.pk))
    assert entry.actor == owner


def test_owner_reassigns_a_note(client_as, draft, other_therapist):
    http = client_as("owner")
    http.post(reverse("sessions:note_reassign", args=[draft.pk]), {"therapist": other_therapist.pk})
    assert SessionNote.objects.get(pk=draft.pk).therapist == other_therapist


def test_charting_nav_badge_counts_the_backlog(client_as, appointment, therapist, dana_client):
    make_appointment(therapist, dana_client, days_ago=2, status="completed")
    page = client_as("therapist").get(reverse("sessions:backlog")).content.decode()
    assert 'Charting <span class="badge text-bg-warning">2</span>' in page
    assert "Write note" in page
    assert "Charting" not in client_as("front_desk").get(reverse("practice:home")).content.decode()


def test_backlog_query_count_is_constant(
    client_as, therapist, dana_client, django_assert_max_num_queries
):
    http = client_as("therapist")
    url = reverse("sessions:backlog")
    make_appointment(therapist, dana_client, days_ago=1)
    small = queries_for(http, url)
    for day in range(2, 12):
        appointment = make_appointment(therapist, factories.ClientFactory(), days_ago=day)
        if day % 2:
            SessionNote.objects.create(
                appointment=appointment, client=appointment.client, therapist=therapist
            )
    assert queries_for(http, url) == small
    with django_assert_max_num_queries(15):
        http.get(url)


def test_htmx_remove_on_a_signed_note_redirects_the_page_to_the_read_view(
    client_as, draft, therapist, technique
):
    application = TechniqueApplication.objects.create(note=draft, technique=technique, minutes=10)
    sign(draft, therapist.user)
    response = client_as("therapist").post(
        reverse("sessions:note_technique_remove", args=[draft.pk, application.pk]),
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Redirect"] == reverse("sessions:note_detail", args=[draft.pk])
    assert TechniqueApplication.objects.filter(pk=application.pk).exists()


def test_charting_badge_is_cached_but_signing_a_note_updates_it_at_once(
    client_as, draft, therapist, dana_client
):
    http = client_as("therapist")
    home = reverse("practice:home")

    def badge():
        page = http.get(home).content.decode()
        return page.split('Charting <span class="badge text-bg-warning">')[1].split("<")[0]

    assert badge() == "1"
    # Changes made elsewhere show within the minute the count is cached...
    make_appointment(therapist, dana_client, days_ago=3, status="completed")
    make_appointment(therapist, dana_client, days_ago=4, status="completed")
    assert badge() == "1"
    # ...but signing a note refreshes it straight away: two sessions still to chart.
    sign(draft, therapist.user)
    assert badge() == "2"
