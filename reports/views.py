"""Reports: the owner sees every figure, a therapist only their own.

Front desk gets 404 everywhere but the recall list.
"""

import csv
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from clients.models import Client
from clients.selectors import clients_visible_to, get_client_for_user
from practice.security.access import Role, has_role, roles_required
from practice.security.audit import audit_list_export
from practice.selectors import can_book, own_therapist
from practice.timezones import practice_time_zone

from . import clientele, outcome_figures, selectors, services, tables
from .forms import RecallContactForm, RecallFilterForm, ReportFilterForm

reports_staff = roles_required(Role.OWNER, Role.THERAPIST)
# Front desk works the recall list (and the day sheet), no other report.
recall_staff = roles_required(Role.OWNER, Role.THERAPIST, Role.FRONT_DESK)
# Those who make the calls mark them; a therapist reads the marks.
recall_callers = roles_required(Role.OWNER, Role.FRONT_DESK)
RECALL_PAGE_SIZE = 50


def _filters(request, data=None):
    """The filter form and what it chose; a therapist's figures are always their own.

    The choices come from the query string unless `data` (a POST's) is given.
    """
    own = None
    if not has_role(request.user, Role.OWNER):
        own = own_therapist(request.user)
        if own is None:
            raise Http404
    form = ReportFilterForm(data or request.GET or None, today=_today(), own_therapist=own)
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
    period = filters.period
    return _csv_response(table, f"{table.slug}-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}")


def _csv_response(table, filename):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
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
    by_therapist = tables.utilisation_table(data)
    by_room = tables.room_utilisation_table(data)
    return _respond(
        request,
        "reports/utilisation.html",
        form,
        filters,
        [by_therapist, by_room],
        chart=tables.utilisation_chart(data),
        grids=[tables.week_grid(by_therapist), tables.week_grid(by_room, keys=2)],
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
    figures = outcome_figures.current(today=_today(), **filters.query())
    report_tables = [
        *tables.improvement_tables(figures.improvement),
        tables.session_change_table(figures.session_change),
        *tables.peg_review_tables(figures.peg),
    ]
    return _respond(
        request,
        "reports/outcomes.html",
        form,
        filters,
        report_tables,
        figures=figures,
        computed_at=timezone.localtime(figures.computed_at, filters.tz),
        fresh_minutes=int(outcome_figures.FRESH_FOR.total_seconds() // 60),
    )


@reports_staff
@require_POST
def outcomes_recompute(request):
    """Compute the figures live now, for the filters the page showed."""
    form, filters = _filters(request, request.POST)
    outcome_figures.recompute(today=_today(), **filters.query())
    messages.success(request, "The figures were computed again just now.")
    # Back to the report with the same choices (the form's own fields only).
    query = form.query_string()
    return redirect(f"{reverse('reports:outcomes')}{'?' if query else ''}{query}")


@reports_staff
@require_GET
def clients(request):
    form, filters = _filters(request)
    report = clientele.clients_report(**filters.query())
    flow = report["flow"]
    report_tables = tables.clientele_tables(**report)
    shown = [row for row in flow[1:] if not row["result"].hidden]
    chart = {
        "labels": [row["name"] for row in shown],
        "series": [
            {"label": "New", "values": [row["new"] for row in shown]},
            {"label": "Returning", "values": [row["returning"] for row in shown]},
        ],
    }
    return _respond(
        request,
        "reports/clients.html",
        form,
        filters,
        report_tables,
        chart=chart if shown else None,
    )


@recall_staff
@require_GET
def recall(request):
    """Clients due for a visit with nothing booked: call them, book them."""
    own = None
    if not has_role(request.user, Role.OWNER, Role.FRONT_DESK):
        own = own_therapist(request.user)
        if own is None:
            raise Http404
    form = RecallFilterForm(request.GET or None, own_therapist=own)
    chosen = form.chosen()
    due = clientele.recall_list(clients=clients_visible_to(request.user), **chosen)
    location = chosen["location"]
    tz = ZoneInfo(location.time_zone) if location else practice_time_zone()
    if request.GET.get("format") == "csv":
        everyone = list(due)
        _local_days(everyone, tz)
        clientele.recall_details(everyone)
        audit_list_export(
            model=Client,
            label="Recall list",
            count=len(everyone),
            filters={k: str(v) if v else None for k, v in chosen.items()},
        )
        today = _today()
        return _csv_response(
            tables.recall_table(everyone, weeks=chosen["weeks"], tz=tz), f"recall-{today:%Y-%m-%d}"
        )
    page = Paginator(due, RECALL_PAGE_SIZE).get_page(request.GET.get("page"))
    _local_days(page.object_list, tz)
    clientele.recall_details(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    # Where a mark sends the caller back to: this very page of the list.
    here = request.GET.copy()
    here.pop("format", None)
    return render(
        request,
        "reports/recall.html",
        {
            "form": form,
            "page": page,
            "weeks": chosen["weeks"],
            "query": query.urlencode(),
            "here": here.urlencode(),
            "zone": tz.key,
            "can_book": can_book(request.user),
            "can_mark": has_role(request.user, Role.OWNER, Role.FRONT_DESK),
            "note_length": RecallContactForm.base_fields["note"].max_length,
            "reports_link": has_role(request.user, Role.OWNER, Role.THERAPIST),
        },
    )


def _back_query(request) -> str:
    """The recall list's filters and page the caller came from, as a query string."""
    # Re-encoded from a parsed QueryDict: only ever a query on the list's own path.
    return QueryDict(request.POST.get("back", "")).urlencode()


def _back_to_list(request):
    query = _back_query(request)
    return redirect(f"{reverse('reports:recall')}{'?' if query else ''}{query}")


@recall_callers
@require_POST
def recall_contact(request, client_id):
    """Mark a client on the recall list as contacted (one click; Undo takes it back)."""
    client = get_client_for_user(request.user, client_id)
    form = RecallContactForm(request.POST)
    if not form.is_valid():
        # Shown again with what was typed, not dropped.
        context = {"form": form, "client": client, "back": _back_query(request)}
        return render(request, "reports/recall_contact.html", context, status=400)
    services.recall_contact_mark(client=client, user=request.user, note=form.cleaned_data["note"])
    messages.success(request, f"{client.full_name} marked as contacted.")
    return _back_to_list(request)


@recall_callers
@require_POST
def recall_contact_undo(request, client_id):
    client = get_client_for_user(request.user, client_id)
    if services.recall_contact_undo(client=client) is None:
        messages.info(request, f"{client.full_name} had no contact mark to take back.")
    else:
        messages.success(request, f"Contact mark for {client.full_name} taken back.")
    return _back_to_list(request)


def _local_days(clients_due, tz):
    for client in clients_due:
        client.last_visit_day = timezone.localtime(client.last_visit, tz).date()


def _today():
    return timezone.localtime(timezone.now(), practice_time_zone()).date()
