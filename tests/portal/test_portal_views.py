"""The portal pages: sign-in that says nothing, the client's own records only."""

import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from billing import services as billing_services
from portal import session as portal_session
from practice.models import Appointment
from sessions import services as note_services
from tests import factories
from tests.conftest import portal_sign_in
from tests.portal.conftest import last_code, last_link

pytestmark = pytest.mark.django_db
HOME = "/my/"


def _visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def ask_code(portal_code_tasks, django_capture_on_commit_callbacks):
    """Ask for a code as a visitor does; the task the request queues runs on commit."""

    def ask(http, address):
        with django_capture_on_commit_callbacks(execute=True):
            return http.post(HOME, {"address": address}, follow=True)

    return ask


def test_the_urls_are_under_my():
    assert reverse("portal:home") == HOME
    assert reverse("portal:sign_out") == "/my/sign-out/"


def test_known_and_unknown_addresses_get_the_same_answer(client, maria, ask_code):
    known = ask_code(client, "maria@mail.test")
    client.cookies.clear()
    unknown = ask_code(client, "maria@mail.tesx")
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain == [("/my/code/", 302)]
    # Only the typed address differs, and it is the visitor's own input.
    assert _visible_text(known).replace("maria@mail.test", "X") == _visible_text(unknown).replace(
        "maria@mail.tesx", "X"
    )
    assert len(mail.outbox) == 1


def test_the_code_goes_by_a_task_after_commit_so_known_and_unknown_do_the_same_work(
    client, maria, portal_code_tasks, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    answers = []
    for address in ("maria@mail.test", "nobody@mail.test"):
        client.cookies.clear()
        sent_before = len(mail.outbox)
        with (
            django_capture_on_commit_callbacks() as callbacks,
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.post(HOME, {"address": address})
        # Nothing looked up or sent inside the request: the task waits for the commit.
        assert len(mail.outbox) == sent_before and len(portal_code_tasks) == len(answers)
        page = _visible_text(client.get(response["Location"])).replace(address, "X")
        answers.append(
            (
                response.status_code,
                response["Location"],
                len(callbacks),
                page,
                len(queries.captured_queries),
            )
        )
        for callback in callbacks:
            callback()
    assert answers[0] == answers[1]
    assert answers[0][:3] == (302, "/my/code/", 1)
    assert portal_code_tasks == [
        ("portal.tasks.send_portal_code", ["email", "maria@mail.test", "http://testserver/"]),
        ("portal.tasks.send_portal_code", ["email", "nobody@mail.test", "http://testserver/"]),
    ]
    [message] = mail.outbox  # the task found Maria; the unknown address got nothing
    assert message.to == ["maria@mail.test"]
    client.cookies.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(HOME, {"address": "maria@mail.test"})
    signed = client.post("/my/code/", {"code": last_code(mail.outbox)}, follow=True)
    assert "Hello Maria" in _visible_text(signed)


def test_known_and_unknown_get_the_same_answer_to_a_wrong_code(client, maria, ask_code):
    answers = []
    for address in ("maria@mail.test", "nobody@mail.test"):
        client.cookies.clear()
        ask_code(client, address)
        response = client.post("/my/code/", {"code": "000000"})
        answers.append((response.status_code, _visible_text(response).replace(address, "X")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400


def test_sign_in_with_the_code_holds_only_the_client_id(client, maria, ask_code):
    ask_code(client, "maria@mail.test")
    response = client.post("/my/code/", {"code": last_code(mail.outbox)}, follow=True)
    assert response.redirect_chain[-1] == (HOME, 302)
    assert "Hello Maria" in _visible_text(response)
    assert client.session[portal_session.PORTAL_CLIENT_KEY] == str(maria.pk)
    assert not any(key.startswith("_auth") for key, _ in client.session.items())


def test_the_link_asks_first_then_signs_in(client, maria, ask_code):
    ask_code(client, "maria@mail.test")
    link = last_link(mail.outbox)
    client.cookies.clear()
    page = client.get(link)
    assert page.status_code == 200 and portal_session.PORTAL_CLIENT_KEY not in client.session
    signed = client.post(link, follow=True)
    assert "Hello Maria" in _visible_text(signed)
    assert client.post(link).status_code == 410


def test_too_many_code_requests_answer_429(client, maria, settings, ask_code):
    settings.RELIEF_PORTAL_CODES_PER_CONTACT = 2
    for _ in range(2):
        assert ask_code(client, "maria@mail.test").status_code == 200
    assert client.post(HOME, {"address": "maria@mail.test"}).status_code == 429
    assert len(mail.outbox) == 2


def test_an_address_with_too_many_wrong_codes_is_paused(client, maria, settings, ask_code):
    settings.RELIEF_PORTAL_FAILURES_PER_IP = 2
    ask_code(client, "maria@mail.test")
    for _ in range(2):
        client.post("/my/code/", {"code": "000000"})
    assert client.post("/my/code/", {"code": last_code(mail.outbox)}).status_code == 429


def test_the_session_ends_after_30_idle_minutes(client, maria):
    portal_sign_in(client, maria)
    session = client.session
    session[portal_session.PORTAL_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(HOME)
    assert "Send me a code" in _visible_text(response)
    assert portal_session.PORTAL_CLIENT_KEY not in client.session


def test_sign_out_ends_the_portal_session(client, maria):
    portal_sign_in(client, maria)
    assert client.get("/my/sign-out/").status_code == 405
    client.post("/my/sign-out/")
    assert portal_session.PORTAL_CLIENT_KEY not in client.session
    assert client.get("/my/details/")["Location"].startswith("/my/?")


def test_a_staff_session_does_not_open_the_portal(client, maria, front_desk):
    client.force_login(front_desk)
    # Even with a client id planted in a staff session.
    portal_sign_in(client, maria)
    assert "Send me a code" in _visible_text(client.get(HOME))
    assert client.get("/my/details/").status_code == 302


def test_signing_in_to_the_portal_ends_a_staff_session(client, maria, front_desk, ask_code):
    client.force_login(front_desk)
    ask_code(client, "maria@mail.test")
    client.post("/my/code/", {"code": last_code(mail.outbox)})
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("practice:home"))["Location"].startswith(reverse("login"))


def test_a_portal_session_opens_no_staff_page(client, maria, upcoming):
    portal_sign_in(client, maria)
    for url in (
        reverse("practice:home"),
        reverse("clients:detail", args=[maria.pk]),
        reverse("billing:day_sheet"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_home_lists_own_appointments_only(client, maria, upcoming, therapist, location):
    other = factories.AppointmentFactory(
        therapist=therapist,
        location=location,
        starts_at=upcoming.starts_at + timedelta(days=1),
        client=factories.ClientFactory(first_name="Zed"),
    )
    past = factories.AppointmentFactory(
        client=maria,
        therapist=therapist,
        location=location,
        starts_at=timezone.now() - timedelta(days=7),
        status=Appointment.Status.COMPLETED,
    )
    portal_sign_in(client, maria)
    text = _visible_text(client.get(HOME))
    assert "Upcoming appointments" in text and "Dana Reyes" in text
    assert reverse("portal:cancel", args=[upcoming.pk]) in client.get(HOME).content.decode()
    assert reverse("portal:cancel", args=[other.pk]) not in client.get(HOME).content.decode()
    assert f"{past.starts_at.astimezone(timezone.get_default_timezone()).day}" in text
    # Another client's appointment is not found, whatever the method.
    assert client.get(reverse("portal:cancel", args=[other.pk])).status_code == 404
    assert client.post(reverse("portal:cancel", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == Appointment.Status.BOOKED


def test_cancel_asks_then_cancels_through_the_booking_service(client, maria, upcoming):
    portal_sign_in(client, maria)
    url = reverse("portal:cancel", args=[upcoming.pk])
    page = client.get(url)
    assert "Yes, cancel the appointment" in _visible_text(page)
    upcoming.refresh_from_db()
    assert upcoming.status == Appointment.Status.BOOKED
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1] == (HOME, 302)
    upcoming.refresh_from_db()
    assert upcoming.status == Appointment.Status.CANCELLED
    assert upcoming.cancelled_at is not None and not upcoming.late_cancel
    assert "Cancelled" in _visible_text(response)


def test_inside_the_window_the_page_gives_the_phone_number(client, maria, upcoming):
    upcoming.starts_at = timezone.now() + timedelta(hours=3)
    upcoming.ends_at = upcoming.starts_at + timedelta(hours=1)
    upcoming.occupied_until = upcoming.ends_at
    upcoming.save()
    portal_sign_in(client, maria)
    url = reverse("portal:cancel", args=[upcoming.pk])
    assert "Please call us to cancel" in _visible_text(client.get(url))
    assert "Please call us to cancel" in _visible_text(client.post(url))
    upcoming.refresh_from_db()
    assert upcoming.status == Appointment.Status.BOOKED


def test_a_late_cancel_is_recorded_when_the_practice_allows_it(client, maria, upcoming, settings):
    settings.RELIEF_CLIENT_LATE_CANCEL_ALLOWED = True
    upcoming.starts_at = timezone.now() + timedelta(hours=3)
    upcoming.ends_at = upcoming.starts_at + timedelta(hours=1)
    upcoming.occupied_until = upcoming.ends_at
    upcoming.save()
    portal_sign_in(client, maria)
    url = reverse("portal:cancel", args=[upcoming.pk])
    assert "late cancellation" in _visible_text(client.get(url))
    client.post(url)
    upcoming.refresh_from_db()
    assert upcoming.status == Appointment.Status.CANCELLED and upcoming.late_cancel


def test_home_care_of_signed_notes_only_and_nothing_else_clinical(client, maria, therapist):
    from tests.sessions.conftest import ensure_techniques, make_appointment

    ensure_techniques()
    signed = note_services.note_open_for_appointment(
        appointment=make_appointment(therapist, maria, days_ago=3), user=therapist.user
    )
    signed = note_services.note_save_draft(
        note=signed,
        user=therapist.user,
        version=signed.version,
        fields={"assessment": "SECRET-ASSESSMENT", "home_care": "Heat for 10 minutes nightly"},
    )
    note_services.note_sign(note=signed, user=therapist.user)
    draft = note_services.note_open_for_appointment(
        appointment=make_appointment(therapist, maria, days_ago=1), user=therapist.user
    )
    note_services.note_save_draft(
        note=draft, user=therapist.user, version=draft.version, fields={"home_care": "DRAFT-ADVICE"}
    )
    portal_sign_in(client, maria)
    text = _visible_text(client.get(HOME))
    assert "Heat for 10 minutes nightly" in text
    assert "DRAFT-ADVICE" not in text and "SECRET-ASSESSMENT" not in text


def test_contact_details_and_consent_per_channel(client, maria):
    portal_sign_in(client, maria)
    response = client.post(
        "/my/details/",
        {"email": "maria.new@mail.test", "phone": "(202) 555-0199", "consent_sms": "on"},
    )
    assert response.status_code == 302
    maria.refresh_from_db()
    assert maria.email == "maria.new@mail.test" and str(maria.phone) == "+12025550199"
    assert maria.consent_sms_reminders and not maria.consent_email_reminders
    refused = client.post("/my/details/", {"email": "", "phone": ""})
    assert refused.status_code == 400 and "so you can sign in" in _visible_text(refused)


def test_receipts_are_the_clients_own(client, maria, upcoming, front_desk):
    mine = billing_services.invoice_issue(
        invoice=billing_services.invoice_open_for_appointment(appointment=upcoming, by=front_desk),
        by=front_desk,
    )
    someone = factories.AppointmentFactory(
        therapist=upcoming.therapist,
        location=upcoming.location,
        starts_at=upcoming.starts_at + timedelta(days=1),
    )
    theirs = billing_services.invoice_issue(
        invoice=billing_services.invoice_open_for_appointment(appointment=someone, by=front_desk),
        by=front_desk,
    )
    portal_sign_in(client, maria)
    page = client.get(HOME).content.decode()
    assert reverse("portal:receipt", args=[mine.pk]) in page
    assert reverse("portal:receipt", args=[theirs.pk]) not in page
    pdf = client.get(reverse("portal:receipt", args=[mine.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get(reverse("portal:receipt", args=[theirs.pk])).status_code == 404
