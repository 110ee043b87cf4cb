"""CSV import (api:imports): the owner only; everyone else gets 404."""

from tests.access_rows.personas import OWNER

ACCESS = {
    "api:imports:start": OWNER,
    "api:imports:mapping": OWNER,
    "api:imports:detail": OWNER,
    # POST-only: a GET from the owner answers 405.
    "api:imports:confirm": OWNER,
    "api:imports:abandon": OWNER,
}


def sample_kwargs(world):
    from api.imports import services

    batch = services.import_batch_upload(
        raw=b"First Name,Last Name,Email\nMia,Lund,mia.lund@example.com\n",
        file_name="clients.csv",
        kind="clients",
        by=None,
    )
    return {"batch_id": batch.pk}
