"""Shares, medians and their 95% confidence intervals, over plain numbers.

Pure: no models. The reports hand in counts and values already aggregated in
SQL; everything here is arithmetic a reviewer can check by hand.
"""

import functools
import math
from dataclasses import dataclass
from decimal import Decimal

Z_95 = 1.959963984540054
# Below this many clients a figure is hidden, so no one can be singled out.
MIN_CLIENTS = 10
HIDDEN_REASON = "fewer than 10 clients: hidden so no one can be singled out"


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """Wilson score interval for a share; None when there is nothing to estimate.

    Wilson rather than the normal approximation: it stays inside [0, 1] and
    behaves at 0 and n successes, which small clinic groups hit often.
    """
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # Clamp rounding dust so 0 and n successes give exactly 0 and 1.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def median(values) -> Decimal | float | None:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    if n % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _binomial_cdf_half(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2), exactly in integers."""
    if k < 0:
        return 0.0
    return sum(math.comb(n, i) for i in range(k + 1)) / 2**n


def median_interval(values, confidence: float = 0.95) -> tuple | None:
    """Distribution-free interval for a median from order statistics.

    The median lies between the j-th smallest and the j-th largest value with
    probability 1 - 2 P(Binomial(n, 1/2) <= j - 1); j is the largest rank that
    keeps that at least `confidence`. None when n is too small for any pair
    of ranks to reach it (fewer than 6 values at 95%).
    """
    ordered = sorted(values)
    n = len(ordered)
    j = _median_rank(n, confidence)
    # j is the 1-based rank of the lower bound (n + 1 - j of the upper).
    if j == 0:
        return None
    return ordered[j - 1], ordered[n - j]


@functools.lru_cache(maxsize=256)
def _median_rank(n: int, confidence: float) -> int:
    """The smallest j with P(Binomial(n, 1/2) <= j) above the tail: the same
    test as `_binomial_cdf_half(j, n) <= tail` rank by rank, on a running sum
    of the binomial coefficients. Summing them afresh for each rank cost
    O(n^3): 0.8 s for 1,000 clients, a minute for 3,000."""
    tail = (1 - confidence) / 2
    whole = 2**n
    j, coefficient, below = 0, 1, 1  # below: the sum of C(n, i) for i <= j
    while below / whole <= tail:
        coefficient = coefficient * (n - j) // (j + 1)
        j += 1
        below += coefficient
    return j


@dataclass(frozen=True)
class Share:
    successes: int
    n: int
    share: float | None
    low: float | None
    high: float | None
    hidden: bool

    @property
    def percent(self):
        return None if self.share is None else round(100 * self.share, 1)

    @property
    def low_percent(self):
        return None if self.low is None else round(100 * self.low, 1)

    @property
    def high_percent(self):
        return None if self.high is None else round(100 * self.high, 1)


def share(successes: int, n: int, *, min_n: int = MIN_CLIENTS, hidden=None) -> Share:
    """A share with its Wilson interval, hidden (no figures at all) below min_n.

    `hidden` overrides the rule when n counts something else than clients
    (visits, appointments) and the caller judges by the clients behind them.
    """
    if (n < min_n) if hidden is None else (hidden or n == 0):
        return Share(successes, n, None, None, None, hidden=True)
    low, high = wilson_interval(successes, n)
    return Share(successes, n, successes / n, low, high, hidden=False)


@dataclass(frozen=True)
class Median:
    n: int
    median: object
    low: object
    high: object
    hidden: bool


def median_summary(values, *, clients: int, min_n: int = MIN_CLIENTS) -> Median:
    """A median with its order-statistics interval, hidden below min_n clients."""
    values = list(values)
    if clients < min_n:
        return Median(len(values), None, None, None, hidden=True)
    interval = median_interval(values)
    low, high = interval if interval else (None, None)
    return Median(len(values), median(values), low, high, hidden=False)


def baseline_and_review(scores, *, start, review):
    """The (baseline, review) pair of a plan from its (day, value) scores in time order.

    Baseline: the latest score on a day before `start`; review: the first on
    or after `review` that comes after the baseline. None when either is missing.
    """
    before = [(day, value) for day, value in scores if day < start]
    if not before:
        return None
    baseline_day, baseline = before[-1]
    after = [value for day, value in scores if day >= review and day > baseline_day]
    return (baseline, after[0]) if after else None
