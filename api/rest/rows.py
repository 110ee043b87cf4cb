"""Records whose representation is fixed, written from plain rows.

The clients, intakes and scores lists: PlainRows writes any serializer of plain
columns from `.values()` rows (tested byte for byte against the serializer).

The appointments list, likewise, has the shape of
serializers.AppointmentSerializer (tested byte for byte against it).

A list of 100 signed notes through model instances and DRF's field machinery
(17 fields a note, nested amendments) cost more CPU than its queries. The
notes' shape is that of serializers.SessionNoteSerializer, which stays the
schema's description and the reference: tests compare the two byte for byte.
Times go through DRF's own DateTimeField, so they are written exactly as the
serializer writes them (in the active time zone, UTC as "Z").
"""

from rest_framework import fields as drf
from rest_framework.fields import DateTimeField
from rest_framework.relations import PrimaryKeyRelatedField

from clients.models import full_name

from . import selectors

_datetime = DateTimeField()


def _time(value):
    return None if value is None else _datetime.to_representation(value)


def notes(rows: list[dict]) -> list[dict]:
    """The API representation of signed notes (rows of selectors.api_signed_notes),
    with their techniques and amendments (selectors.note_children)."""
    techniques, amendments = selectors.note_children(rows)
    return [
        {
            "id": row["id_text"],
            "appointment": row["appointment_id_text"],
            "client": row["client_id_text"],
            "therapist": row["therapist_id"],
            "plan": row["plan_id_text"],
            "subjective": row["subjective"],
            "objective": row["objective"],
            "assessment": row["assessment"],
            "plan_text": row["plan_text"],
            "pressure": row["pressure"],
            "client_response": row["client_response"],
            "home_care": row["home_care"],
            "status": row["status"],
            "signed_at": _time(row["signed_at"]),
            "content_hash": row["content_hash"],
            "techniques": [
                {
                    "technique": slug,
                    "body_regions": regions,
                    "side": side,
                    "minutes": minutes,
                    "pressure": pressure,
                    "notes": text,
                }
                for slug, regions, side, minutes, pressure, text in techniques.get(
                    row["id_text"], ()
                )
            ],
            "amendments": [
                {"id": pk, "author": author, "text": text, "created_at": _time(created)}
                for pk, author, text, created in amendments.get(row["id_text"], ())
            ],
        }
        for row in rows
    ]


def appointments(rows: list[dict]) -> list[dict]:
    """The API representation of appointments (rows of selectors.api_appointment_rows)."""
    return [
        {
            "id": row["id_text"],
            "client": row["client_id_text"],
            "client_name": full_name(
                row["client__first_name"], row["client__preferred_name"], row["client__last_name"]
            ),
            "therapist": row["therapist_id"],
            "therapist_name": row["therapist__display_name"],
            "service": row["service_id"],
            "service_name": row["service__name"],
            "location": row["location_id"],
            "room": row["room_id"],
            "starts_at": _time(row["starts_at"]),
            "ends_at": _time(row["ends_at"]),
            "occupied_until": _time(row["occupied_until"]),
            "status": row["status"],
            "source": row["source"],
            "booked_at": _time(row["booked_at"]),
            "cancel_reason": row["cancel_reason"],
            "cancelled_at": _time(row["cancelled_at"]),
            "late_cancel": row["late_cancel"],
            "series_id": row["series_id_text"],
        }
        for row in rows
    ]


# Fields whose representation of a column's Python value is that value: DRF's
# to_representation would return it unchanged (a str, an int, a bool, a
# decoded JSON value, a choice's stored value, a related row's key).
_AS_STORED = frozenset(
    {
        drf.CharField,
        drf.EmailField,
        drf.ChoiceField,
        drf.IntegerField,
        drf.BooleanField,
        drf.JSONField,
        PrimaryKeyRelatedField,
    }
)
# Fields whose representation is DRF's own, called only for a value.
_CONVERTED = frozenset(
    {drf.DateTimeField, drf.DateField, drf.DecimalField, drf.UUIDField, drf.BigIntegerField}
)


class PlainRows:
    """A ModelSerializer's representation of records read as `.values()` rows.

    For records whose serializer only renames nothing and nests nothing (the
    intakes' thirty fields, the scores): the columns are the serializer's fields' sources, each
    value passed as stored or through the DRF field's own to_representation,
    and None as None, as Serializer.to_representation does. 100 intakes through
    model instances and the serializer took twice the CPU of the rest of the
    page. Any other kind of field is refused when the writer is built, so a
    field added to the serializer cannot be written differently unnoticed.
    """

    def __init__(self, serializer_class):
        self.fields = [
            (name, field.source, self._converter(name, field))
            for name, field in serializer_class().fields.items()
        ]
        # What `.values()` reads: each field's column (or annotation).
        self.columns = [source for _, source, _ in self.fields]

    @staticmethod
    def _converter(name, field):
        # Exact types: a subclass (an email, a multiple choice) may represent
        # its value otherwise.
        kind = type(field)
        if "." in field.source or field.source == "*" or field.write_only:
            raise TypeError(f"{name}: only fields read from a column of the record")
        if kind in _CONVERTED:
            return field.to_representation
        if kind in _AS_STORED and not getattr(field, "binary", False):
            return None
        raise TypeError(f"{name}: no plain representation for {kind.__name__}")

    def __call__(self, rows) -> list[dict]:
        fields = self.fields
        return [
            {
                name: value if convert is None or value is None else convert(value)
                for name, source, convert in fields
                for value in (row[source],)
            }
            for row in rows
        ]
