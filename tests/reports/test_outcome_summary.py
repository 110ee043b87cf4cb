"""The pain-outcome reports read a summary; its figures equal the live computation.

The practice is written through the note services (open, draft save with pain,
techniques added and removed, signing, amendments that supersede scores,
reassignment, drafts left unsigned), so the summary is the one they keep.
The reference below computes the same figures straight from notes,
appointments, techniques and scores, in Python, for several periods and
filters.
"""

import io
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from clients.models import Score
from clients.scoring import meaningful_change
from practice.models import Appointment, Location, Therapist
from practice.settings import CELERY_BEAT_SCHEDULE
from reports import selectors, statistics
from sessions import services
from sessions.models import (
    NoteOutcome,
    NoteOutcomeTechnique,
    SessionNote,
    Technique,
    TechniqueApplication,
    TreatmentPlan,
)
from sessions.outcomes import note_outcomes_rebuild
from sessions.selectors import AMENDMENT_SOURCE, NOTE_SOURCE
from sessions.tasks import note_outcomes_rebuild_nightly
from tests import factories
from tests.reports.conftest import NY

pytestmark = pytest.mark.django_db


def _day(month, day, hour=0):
    return datetime(2026, month, day, hour, tzinfo=NY)


PERIODS = [
    (_day(1, 1), _day(5, 1)),
    (_day(2, 1), _day(3, 1)),
    (_day(3, 10), _day(3, 20)),
    (_day(3, 16), _day(3, 17)),
]


@pytest.fixture
def practice(therapist, other_therapist, owner, location, service):
    """Eleven weeks of sessions by three therapists at two clinics, seeded."""
    rng = random.Random(5)
    third = factories.TherapistFactory(display_name="Kim Lee")
    therapists = [therapist, other_therapist, third]
    second = factories.LocationFactory(name="Relief Uptown")
    techniques = list(Technique.objects.order_by("pk")[:5])
    clients = [factories.ClientFactory() for _ in range(24)]
    for client in clients[::3]:
        TreatmentPlan.objects.create(
            client=client,
            therapist=rng.choice(therapists),
            status=rng.choice(list(TreatmentPlan.Status.values)),
            problem_summary="Neck pain",
            frequency="weekly",
            planned_sessions=6,
            start_date=_day(1, 5).date(),
        )
    hour = 0
    for day in range(80):
        when = _day(1, 1, 8) + timedelta(days=day)
        for who in rng.sample(therapists, 2):
            hour = (hour + 1) % 8
            client = rng.choice(clients)
            appointment = factories.AppointmentFactory(
                client=client,
                therapist=who,
                service=service,
                location=rng.choice([location, second]),
                starts_at=when + timedelta(hours=hour),
                status=Appointment.Status.COMPLETED,
            )
            if rng.random() < 0.3:
                # Scores outside notes count for the first-to-latest change only.
                context = rng.choice([Score.Context.INTAKE, Score.Context.CHECK_IN])
                Score.objects.create(
                    client=client,
                    instrument=Score.Instrument.PAIN_NRS,
                    value=Decimal(rng.randint(0, 10)),
                    recorded_at=appointment.starts_at - timedelta(minutes=5),
                    context=context,
                    appointment=appointment if context == Score.Context.CHECK_IN else None,
                )
            if rng.random() < 0.85:
                _chart(rng, appointment, who, owner, techniques, therapists)


def _chart(rng, appointment, who, owner, techniques, therapists):
    user = who.user
    note = services.note_open_for_appointment(appointment=appointment, user=user)
    note = services.note_save_draft(
        note=note,
        user=user,
        version=note.version,
        fields={"assessment": "Responded well."},
        pain_before=Decimal(rng.randint(3, 9)) if rng.random() < 0.9 else None,
        pain_after=Decimal(rng.randint(0, 6)) if rng.random() < 0.8 else None,
    )
    for technique in rng.sample(techniques, rng.randint(0, 3)):
        services.technique_add(note=note, user=user, technique=technique, minutes=20)
    if rng.random() < 0.2:
        # The same technique twice in one session still counts as one session.
        services.technique_add(note=note, user=user, technique=techniques[0], minutes=10)
    if rng.random() < 0.1:
        application = TechniqueApplication.objects.filter(note=note).first()
        if application is not None:
            services.technique_remove(application=application, user=user)
    if rng.random() < 0.15:
        return  # left as a draft, which the reports count too
    note = services.note_sign(note=SessionNote.objects.get(pk=note.pk), user=user)
    if rng.random() < 0.25:
        services.note_amend(
            note=note,
            user=user,
            text="Pain misread.",
            pain_before=Decimal(rng.randint(0, 10)),
            pain_after=Decimal(rng.randint(0, 10)) if rng.random() < 0.5 else services.KEEP,
        )
    if rng.random() < 0.05:
        services.note_reassign(note=note, therapist=rng.choice(therapists), user=owner)


# The live computation, from the notes and scores themselves ------------------


def _period_notes(start, end, location):
    notes = SessionNote.objects.filter(
        appointment__starts_at__gte=start, appointment__starts_at__lt=end
    )
    if location is not None:
        notes = notes.filter(appointment__location=location)
    return list(notes.values("id", "client_id", "therapist_id", "appointment_id"))


def _main(counter, *, ties):
    return min(counter.items(), key=lambda item: (-item[1], ties(item[0])))[0]


def live_improvement(start, end, location, therapist):
    notes = _period_notes(start, end, location)
    by_therapist = defaultdict(Counter)
    for note in notes:
        by_therapist[note["client_id"]][note["therapist_id"]] += 1
    client_of = {note["id"]: note["client_id"] for note in notes}
    by_technique = defaultdict(Counter)
    for note_id, name in set(
        TechniqueApplication.objects.filter(note_id__in=client_of).values_list(
            "note_id", "technique__name"
        )
    ):
        by_technique[client_of[note_id]][name] += 1
    scores = defaultdict(list)
    for row in Score.objects.filter(
        instrument=Score.Instrument.PAIN_NRS,
        recorded_at__gte=start,
        recorded_at__lt=end,
        superseded_by__isnull=True,
        client_id__in=set(client_of.values()),
    ).order_by("recorded_at", "pk"):
        scores[row.client_id].append(row.value)
    plans = {}
    for plan in TreatmentPlan.objects.order_by("-start_date", "-created_at"):
        plans.setdefault(plan.client_id, plan.get_status_display())
    names = dict(Therapist.objects.values_list("pk", "display_name"))
    groups = {key: defaultdict(lambda: [0, 0]) for key in ("therapist", "technique", "plan")}
    overall = [0, 0]
    for client_id, therapists in by_therapist.items():
        if len(scores[client_id]) < 2:
            continue
        main = _main(therapists, ties=lambda pk: pk)
        if therapist is not None and main != therapist.pk:
            continue
        change = meaningful_change(scores[client_id][0], scores[client_id][-1])
        improved = int(change.meaningful and change.change < 0)
        technique = (
            _main(by_technique[client_id], ties=lambda name: name)
            if by_technique[client_id]
            else "No technique recorded"
        )
        overall[0] += improved
        overall[1] += 1
        for key, name in (
            ("therapist", names[main]),
            ("technique", technique),
            ("plan", plans.get(client_id, selectors.NO_PLAN)),
        ):
            groups[key][name][0] += improved
            groups[key][name][1] += 1
    return tuple(overall), {key: dict(value) for key, value in groups.items()}


def live_session_pairs(start, end, location, therapist):
    notes = [
        n
        for n in _period_notes(start, end, location)
        if therapist is None or n["therapist_id"] == therapist.pk
    ]
    own = {}
    for score in Score.objects.filter(
        appointment_id__in=[n["appointment_id"] for n in notes],
        instrument=Score.Instrument.PAIN_NRS,
        source_type__in=(NOTE_SOURCE, AMENDMENT_SOURCE),
        superseded_by__isnull=True,
        context__in=(Score.Context.PRE_SESSION, Score.Context.POST_SESSION),
    ).order_by("-recorded_at", "-pk"):
        own.setdefault((score.appointment_id, score.context), score.value)
    names = defaultdict(set)
    for note_id, name in TechniqueApplication.objects.values_list("note_id", "technique__name"):
        names[note_id].add(name)
    pairs = []
    for note in notes:
        before = own.get((note["appointment_id"], Score.Context.PRE_SESSION))
        after = own.get((note["appointment_id"], Score.Context.POST_SESSION))
        if before is not None and after is not None:
            pairs += [(name, note["client_id"], before, after) for name in names[note["id"]]]
    return sorted(pairs)


def _from_summary(start, end, location, therapist):
    data = selectors.pain_improvement(start=start, end=end, location=location, therapist=therapist)

    def counts(table):
        return {row["name"]: [row["result"].successes, row["result"].n] for row in table}

    groups = {
        "therapist": counts(data["by_therapist"]),
        "technique": counts(data["by_technique"]),
        "plan": counts(data["by_plan_status"]),
    }
    return (data["overall"].successes, data["overall"].n), groups


def _filters(location, other_therapist):
    second = Location.objects.get(name="Relief Uptown")
    return [(None, None), (second, None), (None, other_therapist), (location, other_therapist)]


def test_improvement_from_the_summary_equals_the_live_computation(
    practice, location, other_therapist
):
    compared = 0
    for start, end in PERIODS:
        for where, who in _filters(location, other_therapist):
            live = live_improvement(start, end, where, who)
            assert _from_summary(start, end, where, who) == live, (start, end, where, who)
            compared += live[0][1]
    # The comparison is over real groups, not empty ones.
    assert compared > 40


def test_session_pairs_from_the_summary_equal_the_live_computation(
    practice, location, other_therapist
):
    compared = 0
    for start, end in PERIODS:
        for where, who in _filters(location, other_therapist):
            pairs = selectors.session_pain_pairs(
                start=start, end=end, location=where, therapist=who
            )
            got = sorted(
                (p["technique__name"], p["note__client_id"], p["before"], p["after"]) for p in pairs
            )
            assert got == live_session_pairs(start, end, where, who), (start, end, where, who)
            compared += len(got)
    assert compared > 100


def live_session_change(start, end, location, therapist):
    """The session-change table by its definition, from the live pairs: per
    technique, each client's median change, then their median."""
    changes = defaultdict(lambda: defaultdict(list))
    for name, client_id, before, after in live_session_pairs(start, end, location, therapist):
        changes[name][client_id].append(after - before)
    return [
        (
            name,
            sum(len(values) for values in by_client.values()),
            sorted(statistics.median(values) for values in by_client.values()),
        )
        for name, by_client in sorted(changes.items())
    ]


@pytest.mark.parametrize("sql", [False, pytest.param(True, marks=pytest.mark.postgres)])
def test_session_change_equals_the_live_computation(practice, location, other_therapist, sql):
    """Both paths (the per-client medians in SQL on PostgreSQL, in Python
    elsewhere) give the definition's figures, to the digit."""
    shown = 0
    for start, end in PERIODS:
        for where, who in _filters(location, other_therapist):
            live = live_session_change(start, end, where, who)
            table = selectors.session_pain_change(
                start=start, end=end, location=where, therapist=who, sql=sql
            )
            assert [(row["name"], row["sessions"]) for row in table] == [
                (name, sessions) for name, sessions, _ in live
            ], (start, end, where, who)
            for row, (_, _, medians) in zip(table, live, strict=True):
                expected = statistics.median_summary(medians, clients=len(medians))
                assert row["result"] == expected, (row["name"], start, end, where, who)
                # The same Decimal, not just an equal one: "-1.5", never "-1.50".
                assert str(row["result"].median) == str(expected.median)
                shown += not expected.hidden
    # Visible medians were compared, and clients with an even number of
    # sessions of a technique (a median halving a pair) among them.
    assert shown >= 5
    sessions = Counter(pair[:2] for pair in live_session_pairs(*PERIODS[0], None, None))
    assert any(n % 2 == 0 for n in sessions.values())


def _snapshot():
    return (
        sorted(NoteOutcome.objects.values_list()),
        sorted(NoteOutcomeTechnique.objects.values_list(*_TECHNIQUE_FIELDS)),
    )


_TECHNIQUE_FIELDS = (
    "note_id",
    "technique_id",
    "client_id",
    "therapist_id",
    "location_id",
    "starts_at",
    "pain_before",
    "pain_after",
)


def test_what_the_services_kept_is_what_the_command_and_the_nightly_task_rebuild(practice):
    kept = _snapshot()
    assert len(kept[0]) == SessionNote.objects.count() > 100
    # Amendments did supersede scores, so the comparison covers corrections.
    assert Score.objects.filter(superseded_by__isnull=False).exists()
    assert note_outcomes_rebuild() == len(kept[0])
    assert _snapshot() == kept
    # Lost altogether: the command rebuilds it.
    NoteOutcomeTechnique.objects.all().delete()
    NoteOutcome.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_note_outcomes", stdout=out)
    assert f"Summarised {len(kept[0])} session notes." in out.getvalue()
    assert _snapshot() == kept
    # Rows lost: the nightly task (on the beat schedule) repairs them.
    NoteOutcome.objects.filter(pk__in=[row[0] for row in kept[0][:5]]).delete()
    assert note_outcomes_rebuild_nightly() == len(kept[0])
    assert _snapshot() == kept
    entry = CELERY_BEAT_SCHEDULE["note-outcomes-rebuild"]
    assert entry["task"] == note_outcomes_rebuild_nightly.name


def test_an_amendment_moves_the_summary_in_its_own_transaction(therapist, location, service):
    appointment = factories.AppointmentFactory(
        therapist=therapist,
        location=location,
        service=service,
        starts_at=_day(3, 2, 9),
        status=Appointment.Status.COMPLETED,
    )
    user = therapist.user
    note = services.note_open_for_appointment(appointment=appointment, user=user)
    note = services.note_save_draft(
        note=note,
        user=user,
        version=note.version,
        fields={"assessment": "Fine."},
        pain_before=Decimal(7),
        pain_after=Decimal(5),
    )
    services.technique_add(note=note, user=user, technique=Technique.objects.first(), minutes=30)
    note = services.note_sign(note=SessionNote.objects.get(pk=note.pk), user=user)
    services.note_amend(note=note, user=user, text="After was 2.", pain_after=Decimal(2))
    row = NoteOutcome.objects.get(note=note)
    assert (row.pain_before, row.pain_after) == (Decimal(7), Decimal(2))
    assert list(
        NoteOutcomeTechnique.objects.filter(note=note).values_list("pain_before", "pain_after")
    ) == [(Decimal(7), Decimal(2))]


def _score(client, value, when, **extra):
    return Score.objects.create(
        client=client,
        instrument=Score.Instrument.PAIN_NRS,
        value=Decimal(value),
        recorded_at=when,
        context=extra.pop("context", Score.Context.CHECK_IN),
        **extra,
    )


@pytest.fixture
def ties(therapist, other_therapist, book, session, technique):
    """Clients whose main therapist, main technique, first or latest score is a tie.

    "Zen shiatsu" is created before "Acupressure": the name, not the id,
    breaks a technique tie. Scores sit on the period's edges, share an instant,
    are superseded, or span the whole 0-10 range.
    """
    later_name = technique("Zen shiatsu")
    first_name = technique("Acupressure")
    assert later_name.pk < first_name.pk
    start = _day(3, 1)
    for i in range(12):
        visit = book(therapist, when=_day(3, 2 + i, 9))
        session(visit, before=7 + i % 4, after=i % 5, techniques=[later_name.name])
        # As many notes by the other therapist, with the other technique.
        again = book(other_therapist, client=visit.client, when=_day(3, 2 + i, 14))
        session(again, techniques=[first_name.name])
        client = visit.client
        if i % 3 == 0:
            # Two first scores at the period's first instant: the lower id is first.
            _score(client, 9, start)
            _score(client, 1.5, start)
        elif i % 3 == 1:
            # Two latest scores at one instant: the higher id is the latest.
            # On the period's last local day, but 1 April in UTC (03:30).
            late = _day(3, 31, 23) + timedelta(minutes=30)
            _score(client, 9.5, late)
            _score(client, 0.5 if i % 2 else 10, late)
        else:
            # A later score corrected away, and one at the period's end (outside).
            wrong = _score(client, 0, _day(3, 25, 9))
            right = _score(client, 8, _day(3, 25, 9))
            Score.objects.filter(pk=wrong.pk).update(superseded_by=right)
            _score(client, 0, _day(4, 1))


@pytest.mark.parametrize(
    ("start", "end"),
    [(_day(3, 1), _day(4, 1)), (_day(3, 2, 14), _day(3, 31)), (_day(3, 5), _day(3, 6))],
)
def test_ties_and_edges_give_the_live_figures(ties, location, other_therapist, start, end):
    """Each tie is broken as the definition breaks it: most notes, then the
    lowest therapist id or the first technique name; scores in recorded order,
    then by id; the period's first instant in, its end out."""
    for where, who in [(None, None), (location, None), (None, other_therapist)]:
        live = live_improvement(start, end, where, who)
        assert _from_summary(start, end, where, who) == live, (start, end, where, who)
    overall, groups = live_improvement(start, end, None, None)
    if end - start > timedelta(days=7):
        assert overall[1] >= 10
        # Every client is a tie of two therapists and of two techniques.
        assert set(groups["technique"]) == {"Acupressure"}
        assert len(groups["therapist"]) == 1


def test_the_statements_verdict_is_farrars_for_every_pair_of_pain_scores():
    """IMPROVED_SQL, as the database evaluates it, against meaningful_change itself."""
    from django.db import connection

    sql = f"""
        WITH RECURSIVE tenths(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM tenths WHERE v < 100)
        SELECT first, latest, CASE WHEN {selectors.IMPROVED_SQL} THEN 1 ELSE 0 END
        FROM (SELECT v AS first FROM tenths) f CROSS JOIN (SELECT v AS latest FROM tenths) l
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        verdicts = {(first, latest): bool(improved) for first, latest, improved in cursor}
    expected = {}
    for first in range(101):
        for latest in range(101):
            change = meaningful_change(Decimal(first).scaleb(-1), Decimal(latest).scaleb(-1))
            expected[first, latest] = change.meaningful and change.change < 0
    assert len(verdicts) == 101 * 101
    assert verdicts == expected
    # Each rule decides somewhere: 5.0 -> 3.5 by the share alone, 3.0 -> 1.0 by the points.
    assert verdicts[50, 35] and not verdicts[50, 36]
    assert verdicts[30, 10] and not verdicts[30, 11]
    assert not verdicts[10, 80]  # a rise is not an improvement
