"""The outcomes report shows the figures kept for its filters, with when they were computed."""

import time
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo, available_timezones

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from reports import outcome_figures, selectors, tasks
from reports.models import OutcomeFigures
from tests import factories
from tests.celery_worker import running_worker
from tests.reports.conftest import MARCH, NY, at

URL = reverse("reports:outcomes")
RECOMPUTE = reverse("reports:outcomes_recompute")
START = datetime(2026, 3, 1, tzinfo=NY)
END = datetime(2026, 4, 1, tzinfo=NY)
TODAY = date(2026, 4, 15)
GAP = timedelta(seconds=settings.RELIEF_OUTCOMES_RECOMPUTE_GAP_SECONDS)


def _clients_counted(response) -> int:
    overall = next(t for t in response.context["tables"] if t.slug == "improvement-overall")
    return overall.rows[0]["cells"][1]


def _one_more_improved_client(therapist, book, session):
    visit = book(therapist, when=at(30, 9))
    session(visit, before=9, after=3, techniques=["Myofascial release"])


def _age(*, by):
    OutcomeFigures.objects.update(computed_at=timezone.now() - by)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.mark.django_db
def test_kept_figures_read_back_equal_to_those_computed(cohort, location):
    for place in (None, location):
        query = {"start": START, "end": END, "location": place, "therapist": None}
        kept = outcome_figures.recompute(today=TODAY, **query)
        read_back = outcome_figures._figures(
            OutcomeFigures.objects.get(key=outcome_figures.key_of(**query))
        )
        assert read_back.improvement == kept.improvement == selectors.pain_improvement(**query)
        assert read_back.session_change == selectors.session_pain_change(**query)
        assert read_back.peg == selectors.peg_review_change(today=TODAY, **query)
    # A median of whole points halved stays a Decimal, not a float.
    change = next(r for r in read_back.session_change if r["name"] == "Myofascial release")
    assert str(change["result"].median) == "-2.5"


@pytest.mark.django_db
def test_the_page_shows_kept_figures_and_their_time_until_computed_again(
    client_as, cohort, therapist, book, session
):
    http = client_as("owner")
    first = http.get(URL, MARCH)
    assert _clients_counted(first) == 13
    shown = timezone.localtime(OutcomeFigures.objects.get().computed_at, NY)
    assert f"Figures as of <strong>{shown:%-d %b %Y, %H:%M}</strong>" in first.text
    assert "being computed" not in first.text

    _one_more_improved_client(therapist, book, session)
    assert _clients_counted(http.get(URL, MARCH)) == 13  # within ten minutes: as kept

    _age(by=GAP)
    response = http.post(RECOMPUTE, MARCH, follow=True)
    assert response.redirect_chain == [
        (f"{URL}?period=custom&first=2026-03-01&last=2026-03-31", 302)
    ]
    assert _clients_counted(response) == 14
    assert "The figures were computed again just now." in response.text
    assert OutcomeFigures.objects.count() == 1


@pytest.mark.django_db
def test_a_second_recompute_moments_after_the_first_is_answered_with_it(
    client_as, cohort, therapist, book, session
):
    http = client_as("owner")
    http.post(RECOMPUTE, MARCH)
    _one_more_improved_client(therapist, book, session)
    response = http.post(RECOMPUTE, MARCH, follow=True)
    assert _clients_counted(response) == 13


@pytest.mark.django_db
def test_figures_a_day_old_are_computed_again_on_view(client_as, cohort, therapist, book, session):
    http = client_as("owner")
    http.get(URL, MARCH)
    _one_more_improved_client(therapist, book, session)
    _age(by=outcome_figures.KEEP_FOR + timedelta(minutes=1))
    assert _clients_counted(http.get(URL, MARCH)) == 14


@pytest.mark.django_db
def test_each_period_place_and_therapist_keeps_its_own_figures(
    client_as, cohort, location, therapist
):
    http = client_as("owner")
    http.get(URL, MARCH)
    http.get(URL, {**MARCH, "location": location.pk})
    http.get(URL, {**MARCH, "therapist": therapist.pk})
    http.get(URL, {"period": "custom", "first": "2026-03-01", "last": "2026-03-30"})
    assert OutcomeFigures.objects.count() == 4


@pytest.mark.django_db
def test_a_therapist_computes_only_their_own_figures(client_as, cohort, therapist, other_therapist):
    response = client_as("other_therapist").post(
        RECOMPUTE, {**MARCH, "therapist": therapist.pk}, follow=True
    )
    assert response.status_code == 200
    assert "Dana Reyes" not in response.text
    own = outcome_figures.key_of(start=START, end=END, therapist=other_therapist)
    assert list(OutcomeFigures.objects.values_list("key", flat=True)) == [own]


@pytest.mark.django_db
def test_junk_filters_recompute_this_month_and_lose_nothing(client_as, cohort):
    response = client_as("owner").post(
        RECOMPUTE, {"period": "custom", "first": "2026-13-40", "location": "x"}, follow=True
    )
    assert response.status_code == 200
    month = timezone.localtime(timezone.now(), NY).date().replace(day=1)
    start = datetime.combine(month, datetime.min.time(), tzinfo=NY)
    assert OutcomeFigures.objects.get().key.startswith(f"{start.isoformat()}|")


@pytest.mark.django_db
def test_without_a_broker_stale_figures_are_still_shown(client_as, cohort, monkeypatch):
    tried = []

    class DownBroker:
        def send_task(self, *args, **options):
            tried.append(args)
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outcome_figures, "current_app", DownBroker())
    http = client_as("owner")
    http.get(URL, MARCH)
    _age(by=outcome_figures.FRESH_FOR + timedelta(minutes=1))
    response = http.get(URL, MARCH)
    assert response.status_code == 200
    assert _clients_counted(response) == 13
    assert "newer ones are being computed" in response.text
    assert tried == [(outcome_figures.REFRESH_TASK,)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "zone, first_day",
    # Cairo's clock skips from midnight to one on 24 April 2026: the period's
    # first instant does not exist there as written.
    [("America/New_York", date(2026, 3, 1)), ("Africa/Cairo", date(2026, 4, 24))],
)
def test_a_workers_recompute_writes_the_row_the_view_reads(cohort, zone, first_day, monkeypatch):
    sent = []

    class Broker:
        def send_task(self, name, kwargs, **options):
            sent.append((name, kwargs))

    monkeypatch.setattr(outcome_figures, "current_app", Broker())
    tz = ZoneInfo(zone)
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(first_day + timedelta(days=31), datetime.min.time(), tzinfo=tz)
    outcome_figures.current(start=start, end=end, today=TODAY)
    _age(by=outcome_figures.FRESH_FOR + timedelta(minutes=1))
    outcome_figures.current(start=start, end=end, today=TODAY)
    outcome_figures.current(start=start, end=end, today=TODAY)
    [(name, kwargs)] = sent  # queued once
    assert name == outcome_figures.REFRESH_TASK
    assert tasks.outcome_figures_refresh.apply(kwargs=kwargs).get() is True
    row = OutcomeFigures.objects.get()  # the view's own row, not a second one
    assert row.key == outcome_figures.key_of(start=start, end=end)
    assert timezone.now() - row.computed_at < timedelta(minutes=1)
    _age(by=outcome_figures.FRESH_FOR + timedelta(minutes=1))
    outcome_figures.current(start=start, end=end, today=TODAY)
    assert len(sent) == 2  # the worker cleared the queued mark: a later stale view queues again


@pytest.mark.django_db
def test_figures_too_old_to_show_are_pruned_nightly(cohort):
    for place in (None, factories.LocationFactory()):
        outcome_figures.recompute(start=START, end=END, today=TODAY, location=place)
    OutcomeFigures.objects.filter(key__contains="|*|").update(
        computed_at=timezone.now() - outcome_figures.KEEP_FOR - timedelta(seconds=1)
    )
    assert tasks.outcome_figures_prune_nightly() == 1
    assert OutcomeFigures.objects.count() == 1
    entry = settings.CELERY_BEAT_SCHEDULE["outcome-figures-prune"]
    assert entry["task"] == "reports.tasks.outcome_figures_prune_nightly"


@pytest.fixture
def broker():
    queue = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue.delete("celery")
    yield queue
    queue.delete("celery")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_stale_figures_are_shown_and_computed_again_by_a_worker_once(
    client_as, cohort, therapist, location, book, session, broker, tmp_path
):
    http = client_as("owner")
    # On the location's clock; the March period spans the change to daylight time.
    query = {**MARCH, "location": location.pk}
    http.get(URL, query)
    _one_more_improved_client(therapist, book, session)
    _age(by=outcome_figures.FRESH_FOR + timedelta(minutes=1))
    before = OutcomeFigures.objects.get().computed_at

    for _ in range(3):
        stale = http.get(URL, query)
        assert _clients_counted(stale) == 13
        assert "newer ones are being computed" in stale.text
    assert broker.llen("celery") == 1  # queued once, however many views found it stale

    with running_worker(tmp_path / "worker.log") as log:
        deadline = time.monotonic() + 60
        row = OutcomeFigures.objects.get()
        while row.computed_at == before and time.monotonic() < deadline:
            time.sleep(0.3)
            row = OutcomeFigures.objects.get()
        assert row.computed_at > before, log.read_text()[-3000:]
    assert OutcomeFigures.objects.count() == 1  # the worker wrote the view's own row
    fresh = http.get(URL, query)
    assert _clients_counted(fresh) == 14
    assert "being computed" not in fresh.text
    zone = ZoneInfo(location.time_zone)
    start, end = datetime(2026, 3, 1, tzinfo=zone), datetime(2026, 4, 1, tzinfo=zone)
    live = selectors.pain_improvement(start=start, end=end, location=location)
    assert outcome_figures._figures(row).improvement == live


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["everyone", "one therapist"])
def test_computing_the_figures_takes_the_same_queries_for_3_and_13_clients(
    who, therapist, other_therapist, book, session
):
    query = {"start": START, "end": END, "today": TODAY}
    if who == "one therapist":
        query["therapist"] = therapist

    def count():
        _age(by=GAP)
        with CaptureQueriesContext(connection) as captured:
            outcome_figures.recompute(**query)
        return len(captured)

    for day in (2, 3, 4):
        session(
            book(therapist, when=at(day, 9)), before=7, after=3, techniques=["Myofascial release"]
        )
    count()  # the first keeps a row; later ones update it
    small = count()
    for day in range(5, 15):
        person = therapist if day % 2 else other_therapist
        visit = book(person, when=at(day, 9))
        session(visit, before=8, after=2, techniques=["Swedish massage", "Myofascial release"])
    assert count() == small


def test_the_longest_key_fits_its_column():
    zone = ZoneInfo(max(available_timezones(), key=len))
    start = datetime(2026, 3, 1, tzinfo=zone)
    biggest = SimpleNamespace(pk=2**63 - 1)
    key = outcome_figures.key_of(start=start, end=start, location=biggest, therapist=biggest)
    assert len(key) <= OutcomeFigures._meta.get_field("key").max_length
