"""Validation shared by every app: plausible dates, and model validation that
does not read again what the caller just read."""

from datetime import date, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError

# Dates a person can mean. Python's dates end at year 9999 (and arithmetic
# near either end overflows); PostgreSQL's start at 4713 BC. Nothing a clinic
# records lies outside this window.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)
# How far back a calendar or a booking may look: records, not archaeology.
BOOKING_PAST_DAYS = 5 * 366


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def validate_plausible_date(value, earliest=EARLIEST_DATE, latest=LATEST_DATE) -> None:
    if value is not None and not earliest <= _as_date(value) <= latest:
        raise ValidationError(
            "Enter a date between %(earliest)s and %(latest)s.",
            code="date_out_of_range",
            params={"earliest": earliest.isoformat(), "latest": latest.isoformat()},
        )


def booking_window(today: date, horizon_days: int) -> tuple[date, date]:
    """First and last day a calendar shows or a booking may fall on."""
    return today - timedelta(days=BOOKING_PAST_DAYS), today + timedelta(days=horizon_days)


def parse_day(value, *, default: date, earliest=EARLIEST_DATE, latest=LATEST_DATE) -> date:
    """A YYYY-MM-DD query value inside the window, else `default` (never an error)."""
    try:
        day = date.fromisoformat(value or "")
    except (TypeError, ValueError):
        return default
    return day if earliest <= day <= latest else default


def parse_id(value) -> int | None:
    """A database id from a query or form value, or None: ids are parsed, never trusted."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    # Inside PostgreSQL's bigint; anything else cannot name a row.
    return number if 0 < number < 2**63 else None


class PlausibleDatesMixin:
    """Every date and date-time field of the form refuses years nobody means.

    A field error, raised while the field is cleaned: clean() and the service
    never see (or do arithmetic on) a year-9999 date.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, (forms.DateField, forms.DateTimeField)):
                field.validators.append(validate_plausible_date)


def loaded_relations(instance) -> list[str]:
    """Foreign keys of `instance` set from rows loaded from the database.

    full_clean() checks each foreign key with a SELECT of the row it points
    at. When the relation was set from an instance read moments ago (a form's
    choice, a locked row), that SELECT only repeats the read; keys given as
    bare ids, or set from unsaved instances, are left to full_clean().
    """
    names = []
    for field in instance._meta.concrete_fields:
        if not field.many_to_one and not field.one_to_one:
            continue
        if not field.is_cached(instance):
            continue
        related = field.get_cached_value(instance)
        if related is None or related._state.adding:
            continue
        if getattr(related, field.target_field.attname) == getattr(instance, field.attname):
            names.append(field.name)
    return names


def full_clean_loaded(instance, *, exclude=(), **kwargs) -> None:
    """full_clean(), trusting foreign keys set from loaded rows (loaded_relations)."""
    instance.full_clean(exclude=[*exclude, *loaded_relations(instance)], **kwargs)
