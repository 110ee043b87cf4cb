"""The pages `make bench` measures: one `Page` entry per page.

A page names who requests it (`as_user`: a key of `harness.BENCH_USERS`, or
None for an anonymous visitor), builds its URL (and POST body) from
`BenchData`, and states its budgets: p95 server time in milliseconds and SQL
queries per request (DESIGN.md, "Performance budgets"). `body` receives a
running number so the load test can send many different POSTs (bookings on
different slots).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse


@dataclass(frozen=True)
class BenchData:
    """Sample records of the generated practice that page URLs point at."""

    today: date
    therapist_id: int | None
    client_id: str | None
    service_id: int | None


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[BenchData], str]
    budget_ms: float | None
    as_user: str | None = "front_desk"
    method: str = "GET"
    body: Callable[[BenchData, int], dict] | None = None
    max_queries: int | None = 15
    expect_status: int = 200


def load_bench_data() -> BenchData:
    from django.utils import timezone

    from clients.models import Client
    from practice.models import Service, Therapist
    from practice.timezones import practice_time_zone

    client = Client.objects.filter(archived=False).order_by("-created_at").first()
    therapist = Therapist.objects.filter(active=True).order_by("pk").first()
    service = Service.objects.filter(active=True).order_by("pk").first()
    return BenchData(
        today=timezone.localtime(timezone.now(), practice_time_zone()).date(),
        therapist_id=therapist.pk if therapist else None,
        client_id=str(client.pk) if client else None,
        service_id=service.pk if service else None,
    )


PAGES = [
    # The floor: a bare Django view through the full middleware stack.
    Page("floor", lambda d: "/bench/floor", None, as_user=None, max_queries=None),
    Page("floor, signed in", lambda d: "/bench/floor", None, max_queries=None),
    Page("healthz", lambda d: reverse("healthz"), 25, as_user=None, max_queries=2),
    Page("login page", lambda d: reverse("login"), 25, as_user=None, max_queries=2),
    Page("today (front desk)", lambda d: reverse("practice:home"), 40),
    Page("today (therapist)", lambda d: reverse("practice:home"), 40, as_user="therapist"),
]
