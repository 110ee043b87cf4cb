"""The booking simulation (bench/booking.py) on a small seeded demand."""

from datetime import timedelta

from bench import booking


def test_compact_strands_fewer_minutes_than_grid_and_nobody_is_double_booked():
    results = booking.run(seed=7, weeks=1, load=1.0)
    grid, compact = results["grid"], results["compact"]
    assert grid["bookings"] > 20 and compact["bookings"] > 20
    assert grid["stranded_minutes"] > 0
    assert compact["stranded_minutes"] < grid["stranded_minutes"]
    assert grid["double_bookings"] == compact["double_bookings"] == 0
    # Same demand, same practice: both modes saw the same requests and hours.
    assert grid["requests"] == compact["requests"]
    assert grid["working_minutes"] == compact["working_minutes"]


def test_the_same_seed_gives_the_same_figures():
    assert booking.run(seed=3, weeks=1) == booking.run(seed=3, weeks=1)


def test_double_bookings_are_counted():
    # The checker itself must see an overlap, or the assertion above proves nothing.
    rng = booking.random.Random(1)
    days = booking.period(1)
    schedule = booking.base_schedule(rng, days)
    request = booking.demand(rng, days, 0.2)[0]
    outcome = booking.simulate("grid", [request], schedule, days)
    (made,) = outcome.bookings
    twin = booking.Booking(
        made.therapist_id,
        made.starts_at + timedelta(minutes=15),
        made.service,
        booking.Busy(made.busy.start + timedelta(minutes=15), made.busy.end, "appointment"),
    )
    assert booking.double_bookings(outcome.bookings) == 0
    assert booking.double_bookings([made, twin]) == 1
