"""Submitting the intake: stored answers, scores, red flags, no double intakes."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from clients import services
from clients.consent import CONSENT_VERSION
from clients.models import Intake, Score
from tests.clients.factories import intake_answers
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria(therapist):
    return ClientFactory(first_name="Maria", last_name="Gonzalez", primary_therapist=therapist)


def _post_data(**overrides):
    """The intake as the browser posts it."""
    data = {
        "date_of_birth": "1978-04-12",
        "phone": "",
        "email": "",
        "emergency_contact_name": "Rosa Gonzalez",
        "emergency_contact_phone": "202-555-0199",
        "chief_complaint": "Low back pain for two years",
        "pain_regions": ["low_back", "glute_left"],
        "duration": "years",
        "pain_character": ["aching"],
        "pain_now": "6",
        "pain_average": "5",
        "pain_worst": "9",
        "peg_enjoyment": "7",
        "peg_activity": "6",
        "stress_rating": "8",
        "sleep_quality": "3",
        "sleep_hours": "5.5",
        "health_conditions": ["blood_thinners", "migraines"],
        "pressure_preference": "light",
        "areas_to_avoid": ["abdomen"],
        "goals": "Garden again",
        "consent_agree": "on",
        "consent_signature": "Maria  Gonzalez",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_online_intake_stores_answers_scores_consent_and_red_flags(client, maria):
    _, raw = services.intake_link_create(client=maria)
    response = client.post(
        reverse("clients:intake_public", args=[raw]), _post_data(), REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:intake_thanks")
    intake = maria.intakes.get()
    assert intake.how == Intake.How.ONLINE
    assert intake.pain_regions == ["low_back", "glute_left"]
    assert intake.areas_to_avoid == ["abdomen"]
    assert intake.consent_version == CONSENT_VERSION
    assert intake.consent_signature == "Maria Gonzalez"
    assert intake.consent_ip == "203.0.113.7"
    assert intake.link.used_at is not None
    assert intake.red_flags == ["Takes blood thinners: bruising risk, lighter pressure."]
    maria.refresh_from_db()
    assert maria.has_red_flags is True
    assert maria.emergency_contact_name == "Rosa Gonzalez"
    assert str(maria.date_of_birth) == "1978-04-12"
    scores = {s.instrument: s for s in Score.objects.filter(client=maria)}
    assert {k: s.value for k, s in scores.items()} == {
        "pain_nrs": Decimal("6.0"),
        "pain_average": Decimal("5.0"),
        "pain_worst": Decimal("9.0"),
        "peg": Decimal("6.0"),
        "stress": Decimal("8.0"),
        "sleep": Decimal("3.0"),
    }
    assert all(s.context == "intake" for s in scores.values())
    assert all(s.source_type == "intake" and s.source_id == str(intake.pk) for s in scores.values())
    assert scores["peg"].item_answers == {"pain_average": 5, "enjoyment": 7, "activity": 6}


def test_a_later_intake_without_red_flags_clears_the_flag(maria, front_desk):
    services.intake_submit_staff(
        client=maria,
        answers=intake_answers(health_conditions=["pregnant"]),
        submitted_by=front_desk,
        form_token=uuid.uuid4(),
        ip=None,
    )
    maria.refresh_from_db()
    assert maria.has_red_flags
    services.intake_submit_staff(
        client=maria,
        answers=intake_answers(),
        submitted_by=front_desk,
        form_token=uuid.uuid4(),
        ip=None,
    )
    maria.refresh_from_db()
    assert not maria.has_red_flags


def test_errors_keep_everything_typed_including_body_map_marks(client, maria):
    _, raw = services.intake_link_create(client=maria)
    data = _post_data(chief_complaint="", pain_now=None, consent_agree=None, goals="Walk the dog")
    response = client.post(reverse("clients:intake_public", args=[raw]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please tell us briefly why you are coming." in html
    assert "Please choose a number from 0 to 10." in html
    assert "Please tick the box to agree to the consent." in html
    assert 'href="#field-chief_complaint"' in html
    # Marks and answers are still there.
    assert 'data-region="low_back" role="button" tabindex="0" aria-pressed="true"' in html
    assert html.count('aria-pressed="true"') == 3  # two pain regions, one area to avoid
    assert 'value="low_back" id="id_pain_regions_' in html
    assert "Walk the dog" in html
    assert 'value="Maria  Gonzalez"' in html or 'value="Maria Gonzalez"' in html
    assert maria.intakes.count() == 0


def test_future_onset_date_is_refused_in_plain_words(client, maria):
    _, raw = services.intake_link_create(client=maria)
    response = client.post(
        reverse("clients:intake_public", args=[raw]), _post_data(onset_date="2150-01-01")
    )
    assert "can&#x27;t be in the future" in response.content.decode()


def test_double_submit_of_a_link_makes_one_intake(client, maria):
    _, raw = services.intake_link_create(client=maria)
    url = reverse("clients:intake_public", args=[raw])
    first = client.post(url, _post_data())
    second = client.post(url, _post_data())
    assert first.status_code == 302
    assert second.status_code == 410
    assert "We already have your answers" in second.content.decode()
    assert maria.intakes.count() == 1
    assert Score.objects.filter(client=maria, instrument="peg").count() == 1


def test_staff_form_token_makes_a_resubmit_harmless(client_as, maria):
    http = client_as("therapist")
    url = reverse("clients:intake_staff", args=[maria.pk])
    form_page = http.get(url).content.decode()
    token = form_page.split('name="form_token" value="')[1].split('"')[0]
    data = _post_data(form_token=token)
    first = http.post(url, data)
    second = http.post(url, data, follow=True)
    assert first.status_code == 302
    assert "This intake was already saved." in second.content.decode()
    intake = maria.intakes.get()
    assert intake.how == Intake.How.STAFF
    assert intake.submitted_by.username == "dana"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_link_make_one_intake(therapist):
    maria = ClientFactory(primary_therapist=therapist)
    _, raw = services.intake_link_create(client=maria)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            services.intake_submit_online(raw_token=raw, answers=intake_answers(), ip=None)
            outcomes.append("ok")
        except services.LinkUnusable as exc:
            outcomes.append(exc.state)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "used"]
    assert Intake.objects.filter(client=maria).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_staff_submits_of_one_form_make_one_intake(therapist):
    maria = ClientFactory(primary_therapist=therapist)
    token = uuid.uuid4()
    barrier = threading.Barrier(2)
    created = []

    def submit():
        try:
            barrier.wait()
            _, was_created = services.intake_submit_staff(
                client=maria, answers=intake_answers(), submitted_by=None, form_token=token, ip=None
            )
            created.append(was_created)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(created) == [False, True]
    assert Intake.objects.filter(client=maria).count() == 1


def _earlier_intakes(client, count):
    for _ in range(count):
        services.intake_submit_staff(
            client=client,
            answers=intake_answers(),
            submitted_by=None,
            form_token=uuid.uuid4(),
            ip=None,
        )


@pytest.mark.parametrize("earlier", [0, 3])
def test_public_intake_queries_do_not_grow_with_the_clients_history(
    client, maria, earlier, django_assert_max_num_queries
):
    # The link (view), then in one transaction: the link and client locked,
    # the intake, the client's details, six scores in one INSERT, the
    # webhook deliveries in one INSERT ... SELECT, the link used up, and
    # every row's audit entry in one INSERT.
    _earlier_intakes(maria, earlier)
    for warm in (True, False):  # the first request fills the per-process caches
        _, raw = services.intake_link_create(client=maria)
        with django_assert_max_num_queries(100 if warm else 11):
            response = client.post(reverse("clients:intake_public", args=[raw]), _post_data())
        assert response.status_code == 302
    assert maria.intakes.count() == earlier + 2


@pytest.mark.parametrize("earlier", [0, 3])
def test_staff_intake_queries_do_not_grow_with_the_clients_history(
    sessions_as_deployed, client_as, maria, earlier, django_assert_max_num_queries
):
    # User, roles, her therapist row and the client (view), the form token,
    # then the transaction: client locked, intake, client update, the scores
    # in one INSERT, the webhook deliveries in one INSERT ... SELECT, all
    # audit entries in one INSERT.
    _earlier_intakes(maria, earlier)
    http = client_as("therapist")
    url = reverse("clients:intake_staff", args=[maria.pk])
    for warm in (True, False):  # the first request fills the per-process caches
        with django_assert_max_num_queries(100 if warm else 13):
            response = http.post(url, _post_data(form_token=str(uuid.uuid4())))
        assert response.status_code == 302
    assert maria.intakes.count() == earlier + 2
    assert Score.objects.filter(client=maria).count() == 6 * (earlier + 2)


def test_a_rating_out_of_range_is_refused_before_anything_is_written(maria):
    with pytest.raises(ValidationError) as refused:
        services.intake_submit_staff(
            client=maria,
            answers=intake_answers(pain_now=11),
            submitted_by=None,
            form_token=uuid.uuid4(),
            ip=None,
        )
    assert "pain_now" in refused.value.message_dict
    assert not Intake.objects.exists()
    assert not Score.objects.exists()


def _on_file(therapist):
    from datetime import date

    return ClientFactory(
        first_name="Maria",
        last_name="Gonzalez",
        primary_therapist=therapist,
        date_of_birth=date(1978, 4, 12),
        phone="+12025550143",
        email="maria@mail.test",
        emergency_contact_name="Rosa Gonzalez",
        emergency_contact_phone="+12025550199",
    )


def test_intake_in_the_clinic_shows_what_the_desk_entered_to_correct(client_as, therapist):
    maria = _on_file(therapist)
    http = client_as("therapist")
    url = reverse("clients:intake_staff", args=[maria.pk])
    html = http.get(url).content.decode()
    assert 'value="1978-04-12"' in html
    assert 'value="(202) 555-0143"' in html
    assert 'value="maria@mail.test"' in html
    assert 'value="Rosa Gonzalez"' in html
    assert 'value="(202) 555-0199"' in html
    assert "correct it if it has changed" in html
    token = html.split('name="form_token" value="')[1].split('"')[0]
    # The client corrects the phone; the rest is sent back as shown.
    response = http.post(
        url,
        _post_data(
            form_token=token,
            phone="(202) 555-0177",
            email="maria@mail.test",
            emergency_contact_phone="(202) 555-0199",
        ),
    )
    assert response.status_code == 302
    maria.refresh_from_db()
    assert str(maria.phone) == "+12025550177"
    assert maria.emergency_contact_name == "Rosa Gonzalez"


def test_emailed_intake_does_not_ask_again_for_details_on_file(client, therapist):
    maria = _on_file(therapist)
    _, raw = services.intake_link_create(client=maria)
    url = reverse("clients:intake_public", args=[raw])
    html = client.get(url).content.decode()
    assert "We have this on file. Fill it in only if it has changed." in html
    # The link can be forwarded: it still shows nothing stored.
    for stored in ("1978-04-12", "555-0143", "maria@mail.test", "Rosa"):
        assert stored not in html
    blank = _post_data(
        date_of_birth="", emergency_contact_name="", emergency_contact_phone="", phone=""
    )
    response = client.post(url, blank)
    assert response.status_code == 302, response.content.decode()[:2000]
    maria.refresh_from_db()
    assert str(maria.date_of_birth) == "1978-04-12"
    assert maria.emergency_contact_name == "Rosa Gonzalez"
    assert str(maria.phone) == "+12025550143"
