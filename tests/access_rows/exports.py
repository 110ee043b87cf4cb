"""The practice export: the owner only; a download link answers 404 to everyone else."""

from datetime import timedelta

from django.utils import timezone

from api.exports import services
from api.exports.models import PracticeExport
from tests.access_rows.personas import OWNER

ACCESS = {
    "api:exports:index": OWNER,
    # POST-only: a GET from the owner is answered 405, from anyone else 404.
    "api:exports:start": OWNER,
    "api:exports:status": OWNER,
    "api:exports:download": OWNER,
}


def sample_kwargs(world):
    now = timezone.now()
    export = PracticeExport.objects.create(
        status=PracticeExport.Status.READY,
        finished_at=now,
        expires_at=now + timedelta(hours=1),
        file_name="sample.zip",
        size_bytes=4,
    )
    path = services.export_path(export)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty zip
    return {"export_id": export.pk}
