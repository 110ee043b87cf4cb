"""The online booking bench's draws: requests in flight together never race for
one therapist's time, and no slot is booked twice before the pool wraps."""

from datetime import date, datetime, timedelta
from itertools import combinations

from bench.pages import (
    ONLINE_IN_FLIGHT,
    ONLINE_STRETCH,
    BenchData,
    online_booking_body,
    online_slot_index,
)
from bench.run import BODIES_PER_RUN, FIRST_WRK_BODY

# As `free_slots` gives them: in time order, one therapist per start, a start
# every 15 minutes (3,089 is the large practice's pool).
POOL = tuple(
    f"{1 + k % 25}|1|{datetime(2027, 4, 1, 9) + timedelta(minutes=15 * k):%Y-%m-%dT%H:%M}"
    for k in range(3089)
)
DATA = BenchData(
    today=date(2026, 12, 1),
    therapist_id=1,
    client_id=None,
    service_id=1,
    online_location_id=1,
    online_service_id=1,
    online_slots=POOL,
)
# Longer than a session and its cleanup: starts this far apart never overlap.
APART = timedelta(hours=2)


def _start(body) -> datetime:
    return datetime.fromisoformat(body["slot"].split("|")[2])


def _run(run: int, requests: int) -> list[dict]:
    """The bodies of the run-th wrk run (as bench.run writes them), in order."""
    first = FIRST_WRK_BODY + run * BODIES_PER_RUN
    return [online_booking_body(DATA, n) for n in range(first, first + requests)]


def test_requests_in_flight_together_ask_for_times_far_apart():
    for run in range(3):
        starts = [_start(body) for body in _run(run, 1000)]
        for at in range(len(starts) - ONLINE_IN_FLIGHT + 1):
            window = starts[at : at + ONLINE_IN_FLIGHT]
            assert len(set(window)) == ONLINE_IN_FLIGHT
            assert all(abs(a - b) >= APART for a, b in combinations(window, 2))


def test_every_run_books_anyone_and_no_slot_twice_before_the_pool_wraps():
    bodies = [body for run in range(3) for body in _run(run, 900)]
    assert {body["any"] for body in bodies} == {"1"}
    assert len({body["slot"] for body in bodies}) == len(bodies)


def test_the_in_process_draws_and_the_runs_book_different_slots():
    in_process = {online_booking_body(DATA, n)["slot"] for n in range(22)}
    runs = {body["slot"] for run in range(3) for body in _run(run, ONLINE_STRETCH - 100)}
    assert len(in_process) == 22
    assert in_process.isdisjoint(runs)


def test_the_index_is_a_permutation_of_the_pool_it_covers():
    for size in (1, 20, 40, 63, 64, 65, 1000, 3089):
        covered = {online_slot_index(draw, size) for draw in range(size)}
        assert all(0 <= index < size for index in covered)
        lanes = min(ONLINE_IN_FLIGHT, size)
        assert len(covered) == lanes * (size // lanes)


def test_a_pool_smaller_than_the_window_is_drawn_in_order_so_the_load_test_contests_it():
    # The load test's 50 bookers draw 20 of 40 slots: each slot's draw is its own.
    assert [online_slot_index(n, 40) for n in range(20)] == list(range(20))


def _overlapping(desk, online, length):
    """Pairs of a desk and an online slot of one therapist whose times meet."""
    from datetime import UTC

    def parse(value):
        therapist, _, start = value.split("|")
        return therapist, datetime.fromisoformat(start).replace(tzinfo=UTC)

    return [
        (a, b)
        for a in desk
        for b in online
        if parse(a)[0] == parse(b)[0] and abs(parse(a)[1] - parse(b)[1]) < length
    ]


def test_the_online_pool_lies_after_the_desks_so_no_online_slot_meets_a_desk_one(
    location, therapist
):
    """Drawn over the same days, the two pools offered the same therapist's
    overlapping times: a desk POST's booking took an online POST's time."""
    from django.utils import timezone

    from bench.pages import free_slots, online_pool
    from tests import factories
    from tests.practice.scheduling_world import works_every_day

    service = factories.ServiceFactory(needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location)
    day = timezone.localdate() + timedelta(days=2)
    desk = free_slots(service=service, first_day=day, days=3, limit=20)
    length = service.duration + service.buffer_after
    # Drawn from the same day on, as before: they meet.
    assert _overlapping(desk, free_slots(service=service, first_day=day, days=3, limit=20), length)
    online = online_pool(service=service, desk=desk, first_day=day, days=3, limit=20)
    assert len(online) == 20
    assert not _overlapping(desk, online, length)
    # A later first day stays as asked.
    later = day + timedelta(days=30)
    assert online_pool(service=service, desk=desk, first_day=later, days=3, limit=5) == free_slots(
        service=service, first_day=later, days=3, limit=5
    )
    assert online_pool(service=service, desk=(), first_day=day, days=3, limit=5) == desk[:5]
