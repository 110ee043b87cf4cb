"""reports.statistics: known values and the boundaries (n = 0, all successes)."""

from decimal import Decimal

import pytest

from reports import statistics


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Published Wilson intervals (Newcombe, Stat Med 1998; z = 1.96).
        (8, 10, 0.4902, 0.9433),
        (5, 10, 0.2366, 0.7634),
        (81, 263, 0.2553, 0.3662),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
    ],
)
def test_wilson_interval_matches_known_values(successes, n, low, high):
    got_low, got_high = statistics.wilson_interval(successes, n)
    assert got_low == pytest.approx(low, abs=1e-4)
    assert got_high == pytest.approx(high, abs=1e-4)


def test_wilson_interval_of_nothing_is_none():
    assert statistics.wilson_interval(0, 0) is None


def test_all_successes_reach_exactly_one_and_none_exactly_zero():
    assert statistics.wilson_interval(12, 12)[1] == 1.0
    assert statistics.wilson_interval(0, 12)[0] == 0.0


def test_wilson_refuses_more_successes_than_trials():
    with pytest.raises(ValueError):
        statistics.wilson_interval(11, 10)


def test_median_of_odd_even_and_empty():
    assert statistics.median([3, 1, 2]) == 2
    assert statistics.median([Decimal("-1"), Decimal("-3")]) == Decimal("-2")
    assert statistics.median([]) is None


@pytest.mark.parametrize(
    ("n", "lower_rank", "upper_rank"),
    # Order-statistic ranks of the 95% interval for a median (binomial tables).
    [(6, 1, 6), (10, 2, 9), (20, 6, 15), (30, 10, 21), (100, 40, 61)],
)
def test_median_interval_uses_binomial_ranks(n, lower_rank, upper_rank):
    assert statistics.median_interval(range(1, n + 1)) == (lower_rank, upper_rank)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_median_interval_is_none_when_no_ranks_reach_95_percent(n):
    assert statistics.median_interval(range(n)) is None


def test_median_interval_sorts_its_input():
    values = [5, -1, 3, 0, 9, 2, 7, 4, 8, 6]
    assert statistics.median_interval(values) == (0, 8)


def test_share_below_ten_clients_is_hidden_with_no_figures():
    hidden = statistics.share(9, 9)
    assert hidden.hidden and hidden.share is None and hidden.low is None and hidden.n == 9


def test_share_of_ten_clients_is_shown_with_its_interval():
    shown = statistics.share(10, 10)
    assert not shown.hidden
    assert shown.percent == 100.0 and shown.high_percent == 100.0
    assert shown.low_percent == pytest.approx(72.2)


def test_median_summary_hides_small_groups_and_reports_sessions_and_interval():
    assert statistics.median_summary([1] * 20, clients=9).hidden
    summary = statistics.median_summary(list(range(10)), clients=10)
    assert (summary.n, summary.median, summary.low, summary.high) == (10, 4.5, 1, 8)
