"""The owner's export page: start a build, watch it (htmx polling), download it."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from practice.security.access import owner_required

from . import selectors, services
from .fhir import RESOURCE_TYPES
from .tables import TABLES


@owner_required
@require_GET
def export_index(request):
    return render(
        request,
        "api/exports/index.html",
        {
            "exports": selectors.exports_recent(),
            "active": selectors.export_active(),
            "tables": [t.name for t in TABLES],
            "resource_types": RESOURCE_TYPES,
            "now": timezone.now(),
            "link_hours": settings.RELIEF_EXPORT_LINK_HOURS,
            "signed_notes": selectors.signed_note_count(),
        },
    )


@owner_required
@require_POST
def export_start(request):
    if request.POST.get("confirm") != "on":
        messages.error(request, "Tick the box to confirm that the file holds all health records.")
        return redirect("api:exports:index")
    try:
        services.export_start(
            user=request.user,
            base_url=request.build_absolute_uri("/"),
            include_pdfs=request.POST.get("pdfs") == "on",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The export has started. This page shows its progress.")
    return redirect("api:exports:index")


@owner_required
@require_GET
def export_status(request, export_id):
    export = selectors.export_get(export_id)
    return render(
        request, "api/exports/_export_row.html", {"export": export, "now": timezone.now()}
    )


@owner_required
@require_GET
def export_download(request, export_id):
    export = selectors.export_get(export_id)
    now = timezone.now()
    if not export.downloadable(now):
        if export.status == export.Status.READY:
            # Past its time, even if the hourly sweep has not run yet.
            services.export_expire(export=export, now=now)
        raise Http404("This export has expired or is not ready.")
    path = services.export_path(export)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404("The export file is gone.") from None
    services.export_record_download(export=export, user=request.user)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=services.download_name(export),
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response
