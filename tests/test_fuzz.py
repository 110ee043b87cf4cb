"""Junk to every page, as every persona: no 5xx and no partial rows.

For each URL and each persona, hypothesis sends a GET with junk query
parameters and a POST with junk form data (wrong types, empty values, 100 kB
strings, NUL and other control characters, right-to-left and emoji text, huge
and negative numbers, malformed dates and UUIDs, the same field twice). The
field names are those of the page's own forms plus every field of every
project form, so POST-only endpoints get plausible names too.

After each request the database must hold no partial record: no intake
without its scores, no new upcoming booking without its reminders, no signed
note without its hash.

`make test` runs a few derandomized examples per URL and persona (the same
ones every run); `make fuzz` runs many more, randomly
(RELIEF_FUZZ_EXAMPLES, RELIEF_FUZZ_RANDOM=1).
"""

import os
import re
from html.parser import HTMLParser
from importlib import import_module

import pytest
from django import forms
from django.db.models import Exists, OuterRef
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Intake, Score
from practice.models import Appointment, Reminder, WaitlistEntry, WaitlistOffer
from sessions.models import SessionNote
from tests.access_rows import all_access, all_sample_kwargs
from tests.urlwalk import walk

EXAMPLES = int(os.environ.get("RELIEF_FUZZ_EXAMPLES", "2"))
RANDOM = os.environ.get("RELIEF_FUZZ_RANDOM") == "1"
ACCESS = all_access()

JUNK_WORDS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "x" * 100_000,
    "\u202eevil.exe",
    "שלום עולם",
    "😀" * 40,
    "-1",
    "0",
    "1e309",
    "NaN",
    "99999999999999999999999",
    "-99999999999999999999999",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "9999-12-31T23:59",
    "2026-13-45T25:61",
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "on",
    "true",
    "1000",
]
junk = st.one_of(
    st.sampled_from(JUNK_WORDS),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(str),
    st.uuids().map(str),
)


def _project_field_names() -> list[str]:
    for module in ("clients.forms", "practice.forms", "practice.security.forms", "sessions.forms"):
        import_module(module)
    names, stack, seen = set(), [forms.BaseForm], set()
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
                if sub.__module__.split(".")[0] in {"practice", "clients", "sessions"}:
                    names.update(sub.base_fields)
    # Parameters views read themselves, and formset management fields.
    names.update(["q", "date", "slot", "view", "location", "therapist", "service", "page"])
    names.update(["toggle", "action", "next", "restore", "archived", "version", "confirm"])
    for prefix in ("goals",):
        names.update(f"{prefix}-{n}" for n in ("TOTAL_FORMS", "INITIAL_FORMS", "MAX_NUM_FORMS"))
        names.update(f"{prefix}-0-{n}" for n in ("description", "target_value", "target_date"))
    return sorted(names)


FIELD_POOL = _project_field_names()


class _FormFields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names = set()

    def handle_starttag(self, tag, attrs):
        name = dict(attrs).get("name")
        if tag in {"input", "select", "textarea"} and name and name != "csrfmiddlewaretoken":
            self.names.add(name)


def _page_field_names(response) -> list[str]:
    if "html" not in response.get("Content-Type", ""):
        return []
    parser = _FormFields()
    parser.feed(response.content.decode(errors="replace"))
    return sorted(parser.names)


def _url(name, route, kwargs):
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    return reverse(name, kwargs={p: kwargs[p] for p in params})


def _cases():
    for name, route, _ in walk():
        # Every persona that gets in, and one that does not (the 404 path).
        personas = sorted(ACCESS[name]) + (["no_role"] if "no_role" not in ACCESS[name] else [])
        for persona_name in personas:
            yield pytest.param(name, route, persona_name, id=f"{name}-{persona_name}")


def _partial_rows(since) -> list[str]:
    problems = []
    intakes = Intake.objects.filter(submitted_at__gte=since).exclude(
        Exists(
            Score.objects.filter(
                source_type="intake",
                source_id=Cast(OuterRef("pk"), output_field=Score.source_id.field),
            )
        )
    )
    problems += [f"intake {pk} without scores" for pk in intakes.values_list("pk", flat=True)]
    booked = Appointment.objects.filter(
        booked_at__gte=since,
        status__in=[Appointment.Status.BOOKED, Appointment.Status.CONFIRMED],
        starts_at__gt=timezone.now(),
        client__consent_email_reminders=True,
    ).exclude(client__email="")
    booked = booked.exclude(Exists(Reminder.objects.filter(appointment=OuterRef("pk"))))
    problems += [f"booking {pk} without reminders" for pk in booked.values_list("pk", flat=True)]
    online = Appointment.objects.filter(
        booked_at__gte=since, source=Appointment.Source.ONLINE, online_booking__isnull=True
    )
    problems += [
        f"online booking {pk} without its record" for pk in online.values_list("pk", flat=True)
    ]
    unsigned = SessionNote.objects.filter(status=SessionNote.Status.SIGNED, content_hash="")
    problems += [f"signed note {pk} without hash" for pk in unsigned.values_list("pk", flat=True)]
    booked_entries = WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.BOOKED, appointment__isnull=True
    )
    problems += [
        f"waitlist entry {pk} booked without its appointment"
        for pk in booked_entries.values_list("pk", flat=True)
    ]
    claimed = WaitlistOffer.objects.filter(
        status=WaitlistOffer.Status.CLAIMED, appointment__isnull=True
    )
    problems += [
        f"waitlist offer {pk} claimed without its appointment"
        for pk in claimed.values_list("pk", flat=True)
    ]
    return problems


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "route", "persona_name"), list(_cases()))
def test_junk_never_gets_a_server_error(client_as, access_world, name, route, persona_name):
    url = _url(name, route, all_sample_kwargs(access_world))
    http = client_as(persona_name)
    since = timezone.now()
    page_names = _page_field_names(http.get(url))
    names = sorted(set(page_names) | set(FIELD_POOL))
    fields = st.dictionaries(
        st.sampled_from(page_names or names) | st.sampled_from(names),
        st.lists(junk, min_size=1, max_size=2),
        max_size=10,
    )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=fields, data=fields)
    def check(query, data):
        got = http.get(url, query)
        assert got.status_code < 500, f"GET {url} {query!r:.300}: {got.status_code}"
        posted = http.post(url, data)
        assert posted.status_code < 500, f"POST {url} {data!r:.300}: {posted.status_code}"
        assert _partial_rows(since) == []

    check()
