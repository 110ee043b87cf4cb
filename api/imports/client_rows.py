"""Client rows: each validated in Python, duplicates found in a few set-based queries.

The dry run writes nothing; the confirm inserts the clients and their audit
entries in bulk.
"""

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils import timezone

from clients.models import Client
from practice.security.audit import audit_batch
from practice.validation import validate_plausible_date

from . import csvfile, fields
from .rows import Outcome, messages, split_names

CLIENT_LABELS = {f.key: f.label for f in fields.CLIENT_FIELDS}


def _client_from(cells, get, date_order, by) -> tuple[Client | None, list[str]]:
    problems = []
    try:
        first, last = split_names(
            get(cells, "first_name"), get(cells, "last_name"), get(cells, "full_name")
        )
    except csvfile.CsvProblem as exc:
        return None, [f"Name: {exc}"]
    if not first or not last:
        problems.append("The first and the last name are both needed.")
    client = Client(
        first_name=first,
        last_name=last,
        preferred_name=get(cells, "preferred_name"),
        email=get(cells, "email").lower(),
        phone=get(cells, "phone"),
        emergency_contact_name=get(cells, "emergency_contact_name"),
        emergency_contact_phone=get(cells, "emergency_contact_phone"),
        created_by=by,
    )
    if raw := get(cells, "date_of_birth"):
        try:
            client.date_of_birth = csvfile.parse_date(raw, date_order)
            validate_plausible_date(client.date_of_birth)
            if client.date_of_birth >= timezone.localdate():
                problems.append(f"Date of birth: “{raw}” is not in the past.")
        except (csvfile.CsvProblem, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            problems.append(f"Date of birth: {message}")
    for key in ("consent_email_reminders", "consent_sms_reminders"):
        if (raw := get(cells, key)) or get.mapping.get(key):
            try:
                setattr(client, key, csvfile.parse_yes_no(raw))
            except csvfile.CsvProblem as exc:
                problems.append(f"{CLIENT_LABELS[key]}: {exc}")
    try:
        # No unique fields but the random id, no constraints, and the one
        # relation is the signed-in owner: nothing to ask the database per row.
        client.full_clean(exclude=["created_by"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        written = {key: get(cells, key) for key in ("email", "phone", "emergency_contact_phone")}
        problems += messages(exc, CLIENT_LABELS, written)
    return (None if problems else client), problems


def _duplicate_keys(client: Client) -> list[tuple[str, str]]:
    keys = []
    if client.email:
        keys.append(("email", client.email.lower()))
    if client.phone:
        # as_e164 formats without validating again (str() would, every time).
        keys.append(("phone", client.phone.as_e164))
    if client.date_of_birth:
        name = f"{client.first_name.casefold()} {client.last_name.casefold()}"
        keys.append(("name and date of birth", f"{name} {client.date_of_birth}"))
    return keys


def _existing_clients(candidates: list[Client]) -> dict[tuple[str, str], Client]:
    """Clients already in Relief that share an email, a phone, or a name and birth date."""
    emails = {c.email.lower() for c in candidates if c.email}
    phones = {c.phone.as_e164 for c in candidates if c.phone}
    births = {c.date_of_birth for c in candidates if c.date_of_birth}
    found = {}
    queries = [
        Client.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails),
        Client.objects.filter(phone__in=phones),
        Client.objects.filter(date_of_birth__in=births),
    ]
    for query in queries:
        for client in query.only(
            "id", "first_name", "last_name", "email", "phone", "date_of_birth"
        ):
            for key in _duplicate_keys(client):
                found.setdefault(key, client)
    return found


def run(table, get, date_order, *, by, commit) -> Outcome:
    outcome = Outcome()
    parsed = []
    for line, cells in table.rows:
        client, problems = _client_from(cells, get, date_order, by)
        parsed.append((line, client, problems))
    existing = _existing_clients([c for _, c, _ in parsed if c is not None])
    seen: dict[tuple[str, str], int] = {}
    to_create = []
    for line, client, problems in parsed:
        keys = _duplicate_keys(client) if client is not None else []
        if keys:
            for key in keys:
                what, _ = key
                if key in existing:
                    problems.append(
                        f"Already in Relief: {existing[key].full_name} has the same {what}."
                    )
                    break
                if key in seen:
                    problems.append(f"Repeats row {seen[key]} (same {what}).")
                    break
            for key in keys:
                seen.setdefault(key, line)
        if problems:
            outcome.fail(line, problems)
            continue
        to_create.append(client)
        outcome.passed(line, _client_text(client), client.pk)
    if commit and to_create:
        with audit_batch() as audit:
            audit.bulk_create(Client, to_create)
    return outcome


def _client_text(client: Client) -> str:
    parts = [client.full_name]
    if client.email:
        parts.append(client.email)
    if client.phone:
        parts.append(client.phone.as_national)
    if client.date_of_birth:
        parts.append(f"born {client.date_of_birth:%-d %b %Y}")
    return " · ".join(parts)
