"""Reads for the import pages."""

from django.shortcuts import get_object_or_404

from clients.models import Client
from practice.models import Appointment

from .models import ImportBatch

RECENT = 20


def import_batches_recent(limit: int = RECENT) -> list[ImportBatch]:
    """The latest imports, newest first, without the files' text."""
    return list(
        ImportBatch.objects.defer("content", "errors", "valid_rows", "preview")
        .select_related("created_by")
        .order_by("-created_at")[:limit]
    )


def get_import_batch(pk) -> ImportBatch:
    """An import by id; every owner sees every import (404 when unknown)."""
    return get_object_or_404(ImportBatch, pk=pk)


CREATED_SHOWN = 200


def import_created(batch: ImportBatch) -> list:
    """What a confirmed import wrote, as far as it still exists (the first few hundred)."""
    ids = batch.created_ids[:CREATED_SHOWN]
    if batch.kind == ImportBatch.Kind.CLIENTS:
        return list(Client.objects.filter(pk__in=ids).order_by("last_name", "first_name"))
    return list(
        Appointment.objects.filter(pk__in=ids)
        .select_related("client", "therapist", "service", "location")
        .order_by("starts_at")
    )
