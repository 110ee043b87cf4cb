"""Import pages (owner only): upload, match columns, dry run, confirm.

Thin: parse, check, call api.imports.services, render. Every POST redirects.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from practice.security.access import owner_required

from . import csvfile, selectors, services
from .forms import MappingForm, UploadForm
from .models import ImportBatch

SAMPLE_ROWS = 3


@owner_required
def import_start(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.import_batch_upload(
                raw=upload.read(csvfile.MAX_BYTES + 1),
                file_name=upload.name,
                kind=form.cleaned_data["kind"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            return redirect("api:imports:mapping", batch_id=batch.pk)
    return render(
        request,
        "api/imports/start.html",
        {"form": form, "batches": selectors.import_batches_recent()},
    )


def _open_batch(request, batch_id):
    """The import, or a redirect to the start page when it is closed or expired."""
    batch = selectors.get_import_batch(batch_id)
    if batch.is_open and batch.expires_at <= timezone.now():
        messages.warning(request, "That upload has expired. Upload the file again.")
        return None, redirect("api:imports:start")
    if not batch.is_open:
        return None, redirect("api:imports:detail", batch_id=batch.pk)
    return batch, None


@owner_required
def import_mapping(request, batch_id):
    batch, elsewhere = _open_batch(request, batch_id)
    if elsewhere:
        return elsewhere
    form = MappingForm(request.POST or None, batch=batch)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_batch_check(
                batch=batch,
                mapping=form.mapping(),
                date_order=form.cleaned_data["date_order"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("api:imports:detail", batch_id=batch.pk)
    table = services.table_of(batch)
    samples = [cells for _, cells in table.rows[:SAMPLE_ROWS]]
    rows = [
        {
            "field": form[f.key],
            "samples": [s.get(form[f.key].value() or "", "") for s in samples],
        }
        for f in form.relief_fields
    ]
    # Every column's first values, so the page can show them as a choice changes.
    column_samples = {h: [s.get(h, "")[:40] for s in samples] for h in batch.headers}
    return render(
        request,
        "api/imports/mapping.html",
        {"batch": batch, "form": form, "rows": rows, "column_samples": column_samples},
    )


@owner_required
def import_detail(request, batch_id):
    batch = selectors.get_import_batch(batch_id)
    if batch.status == ImportBatch.Status.UPLOADED:
        return redirect("api:imports:mapping", batch_id=batch.pk)
    expired = batch.is_open and batch.expires_at <= timezone.now()
    created = []
    if batch.status == ImportBatch.Status.CONFIRMED:
        created = selectors.import_created(batch)
    return render(
        request,
        "api/imports/detail.html",
        {
            "batch": batch,
            "expired": expired,
            "created": created,
            "skipped": len(batch.errors),
            "more_valid": max(0, len(batch.valid_rows) - len(batch.preview)),
        },
    )


@owner_required
@require_POST
def import_confirm(request, batch_id):
    batch = selectors.get_import_batch(batch_id)
    try:
        batch = services.import_batch_confirm(batch=batch, by=request.user)
    except services.ImportChanged:
        messages.error(
            request,
            "The practice changed since the dry run, so nothing was imported. "
            "Here is the new dry run: check it and confirm again.",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        noun = "client" if batch.kind == ImportBatch.Kind.CLIENTS else "appointment"
        count = len(batch.created_ids)
        messages.success(request, f"Imported {count} {noun}{'' if count == 1 else 's'}.")
    return redirect(reverse("api:imports:detail", kwargs={"batch_id": batch.pk}))


@owner_required
@require_POST
def import_abandon(request, batch_id):
    batch = selectors.get_import_batch(batch_id)
    try:
        services.import_batch_abandon(batch=batch, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("api:imports:detail", batch_id=batch.pk)
    messages.success(request, f"Import of {batch.file_name} abandoned; the file is deleted.")
    return redirect("api:imports:start")
