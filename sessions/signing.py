"""The signed content of a session note and its SHA-256 fingerprint.

Pure functions: the same content always gives the same hash, so a later
recomputation that differs means the stored rows were changed after signing.
"""

import hashlib
import json

HASH_VERSION = "1"


def note_content(*, note, techniques, pain_scores) -> dict:
    """Canonical, JSON-ready content covered by a signature.

    `techniques` are the note's TechniqueApplication rows; `pain_scores` the
    note's own Score rows (pain before and after).
    """
    return {
        "v": HASH_VERSION,
        "note": str(note.pk),
        "fields": {name: _plain(getattr(note, name)) for name in note.CLINICAL_FIELDS},
        "signed_at": note.signed_at.isoformat() if note.signed_at else None,
        "signed_by": note.signed_by_id,
        "techniques": sorted(
            [
                [
                    t.technique_id,
                    sorted(t.body_regions),
                    t.side,
                    t.minutes,
                    t.pressure,
                    t.notes,
                ]
                for t in techniques
            ],
            key=json.dumps,
        ),
        "pain": sorted([s.context, f"{s.value:.1f}"] for s in pain_scores),
    }


def content_hash(content: dict) -> str:
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _plain(value):
    return value if value is None or isinstance(value, int | str) else str(value)
