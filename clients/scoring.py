"""Outcome scoring: one module, pure functions, unit-tested per instrument.

Pain, stress and sleep are single 0-10 numeric ratings. The PEG-3 (Krebs et
al., J Gen Intern Med 2009) is the mean of three 0-10 items. The stress and
sleep ratings are Relief's own single items, deliberately not the PSS or PSQI.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

ONE_DECIMAL = Decimal("0.1")
NRS_MIN, NRS_MAX = 0, 10
# Farrar et al., Pain 2001: 2 points, or 30 % of a baseline of 4 or more.
MEANINGFUL_POINTS = Decimal(2)
MEANINGFUL_PERCENT = Decimal(30)
PERCENT_RULE_MIN_BASELINE = Decimal(4)

PEG_ITEMS = ("pain_average", "enjoyment", "activity")


def validate_nrs(value) -> int:
    """A 0-10 whole-number rating, or ValueError in plain words."""
    if isinstance(value, bool) or value is None:
        raise ValueError("A rating must be a whole number from 0 to 10.")
    try:
        number = Decimal(str(value))
    except ArithmeticError as exc:
        raise ValueError("A rating must be a whole number from 0 to 10.") from exc
    if number != number.to_integral_value() or not NRS_MIN <= number <= NRS_MAX:
        raise ValueError("A rating must be a whole number from 0 to 10.")
    return int(number)


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def peg_score(*, pain_average, enjoyment, activity) -> Decimal | None:
    """PEG-3: the mean of its three items to one decimal; None if any item is missing."""
    items = (pain_average, enjoyment, activity)
    if any(item is None or item == "" for item in items):
        return None
    total = sum(validate_nrs(item) for item in items)
    return _one_decimal(Decimal(total) / 3)


@dataclass(frozen=True)
class ScoreValue:
    instrument: str
    value: Decimal
    item_answers: dict = field(default_factory=dict)


def single_rating(instrument: str, value, **item_answers) -> ScoreValue | None:
    if value is None or value == "":
        return None
    return ScoreValue(instrument, Decimal(validate_nrs(value)), dict(item_answers))


def intake_scores(answers: Mapping) -> list[ScoreValue]:
    """Score rows of an intake: pain now/average/worst, PEG-3, stress, sleep."""
    scores = [
        single_rating("pain_nrs", answers.get("pain_now")),
        single_rating("pain_average", answers.get("pain_average")),
        single_rating("pain_worst", answers.get("pain_worst")),
    ]
    peg_items = {
        "pain_average": answers.get("pain_average"),
        "enjoyment": answers.get("peg_enjoyment"),
        "activity": answers.get("peg_activity"),
    }
    peg = peg_score(**peg_items)
    if peg is not None:
        scores.append(ScoreValue("peg", peg, {k: validate_nrs(v) for k, v in peg_items.items()}))
    scores.append(single_rating("stress", answers.get("stress_rating")))
    hours = answers.get("sleep_hours")
    scores.append(
        single_rating(
            "sleep",
            answers.get("sleep_quality"),
            **({"usual_hours": str(hours)} if hours not in (None, "") else {}),
        )
    )
    return [score for score in scores if score is not None]


def check_in_scores(answers: Mapping) -> list[ScoreValue]:
    """Score rows of a pre-session check-in: pain now, stress, last night's sleep."""
    scores = [
        single_rating("pain_nrs", answers.get("pain_now")),
        single_rating("stress", answers.get("stress_rating")),
        single_rating("sleep", answers.get("sleep_quality"), period="last_night"),
    ]
    return [score for score in scores if score is not None]


@dataclass(frozen=True)
class Change:
    baseline: Decimal
    current: Decimal
    change: Decimal  # current - baseline; negative is a fall
    percent: Decimal | None  # of the baseline, one decimal; None when the baseline is 0
    meaningful: bool


def meaningful_change(baseline, current) -> Change:
    """Whether the change from `baseline` to `current` is clinically meaningful.

    Meaningful: at least 2 points either way, or at least 30 % of the baseline
    when the baseline is 4 or more. The raw change and the percentage are
    reported so trend views can show both. Direction is the caller's business
    (a fall is good for pain, bad for sleep quality).
    """
    baseline = Decimal(str(baseline))
    current = Decimal(str(current))
    change = current - baseline
    percent = _one_decimal(change / baseline * 100) if baseline else None
    meaningful = abs(change) >= MEANINGFUL_POINTS or (
        baseline >= PERCENT_RULE_MIN_BASELINE
        and percent is not None
        and abs(change / baseline * 100) >= MEANINGFUL_PERCENT
    )
    return Change(baseline, current, change, percent, meaningful)
