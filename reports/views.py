"""Reports: the owner sees every figure, a therapist only their own; front desk gets 404."""

import csv

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from practice.security.access import Role, has_role, roles_required
from practice.selectors import own_therapist
from practice.timezones import practice_time_zone

from . import selectors, tables
from .forms import ReportFilterForm

reports_staff = roles_required(Role.OWNER, Role.THERAPIST)


def _filters(request):
    """The filter form and what it chose; a therapist's figures are always their own."""
    own = None
    if not has_role(request.user, Role.OWNER):
        own = own_therapist(request.user)
        if own is None:
            raise Http404
    today = timezone.localtime(timezone.now(), practice_time_zone()).date()
    form = ReportFilterForm(request.GET or None, today=today, own_therapist=own)
    return form, form.filters()


def _respond(request, template, form, filters, report_tables, **context):
    if request.GET.get("format") == "csv":
        return _csv(request, filters, report_tables)
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("table", None)
    return render(
        request,
        template,
        {
            "form": form,
            "filters": filters,
            "tables": report_tables,
            "query": query.urlencode(),
            "currency": settings.RELIEF_CURRENCY,
            **context,
        },
    )


def _csv(request, filters, report_tables):
    wanted = request.GET.get("table") or report_tables[0].slug
    table = next((t for t in report_tables if t.slug == wanted), None)
    if table is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    period = filters.period
    response["Content-Disposition"] = (
        f'attachment; filename="{table.slug}-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerows(table.csv_rows())
    return response


@reports_staff
@require_GET
def index(request):
    _filters(request)
    return render(request, "reports/index.html")


@reports_staff
@require_GET
def revenue(request):
    form, filters = _filters(request)
    data = selectors.revenue(**filters.query())
    chart = {
        "labels": [row["name"] for row in data["by_therapist"]],
        "values": [str(row["net"]) for row in data["by_therapist"]],
        "label": f"Net revenue ({settings.RELIEF_CURRENCY})",
    }
    return _respond(
        request,
        "reports/revenue.html",
        form,
        filters,
        tables.revenue_tables(data),
        data=data,
        chart=chart if data["by_therapist"] else None,
    )


@reports_staff
@require_GET
def utilisation(request):
    form, filters = _filters(request)
    data = selectors.utilisation(period=filters.period, tz=filters.tz, **filters.query())
    names = sorted({row["therapist"] for row in data["rows"]})
    by_key = {(row["therapist"], row["week"]): row["percent"] for row in data["rows"]}
    chart = {
        "labels": [monday.isoformat() for monday in data["weeks"]],
        "series": [
            {
                "label": name,
                "values": [
                    None if by_key.get((name, monday)) is None else float(by_key[(name, monday)])
                    for monday in data["weeks"]
                ],
            }
            for name in names
        ],
    }
    return _respond(
        request,
        "reports/utilisation.html",
        form,
        filters,
        [tables.utilisation_table(data)],
        chart=chart if names else None,
    )


@reports_staff
@require_GET
def attendance(request):
    form, filters = _filters(request)
    data = selectors.attendance(**filters.query())
    return _respond(
        request, "reports/attendance.html", form, filters, tables.attendance_tables(data)
    )


@reports_staff
@require_GET
def outcomes(request):
    form, filters = _filters(request)
    improvement = selectors.pain_improvement(**filters.query())
    session_change = selectors.session_pain_change(**filters.query())
    report_tables = [
        *tables.improvement_tables(improvement),
        tables.session_change_table(session_change),
    ]
    return _respond(request, "reports/outcomes.html", form, filters, report_tables)
