import resource
import sys
import time

from django.core.management.base import BaseCommand

from api.exports.builder import CHUNK_SIZE, build_export


class Command(BaseCommand):
    help = "Export the whole practice to a zip (JSON, CSV, signed-note PDFs, FHIR R4 NDJSON)."

    def add_arguments(self, parser):
        parser.add_argument("out", help="Path of the zip to write, e.g. practice.zip")
        parser.add_argument(
            "--no-pdfs",
            action="store_true",
            help="Leave out the signed notes as PDF (much faster).",
        )
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)

    def handle(self, *args, out, no_pdfs, chunk_size, verbosity=1, **options):
        started = time.monotonic()
        last = [""]

        def progress(step, done, total):
            if step != last[0] or verbosity > 1:
                last[0] = step
                self.stderr.write(f"{step}: {done:,}/{total:,} rows")

        counts = build_export(
            out, progress=progress, include_pdfs=not no_pdfs, chunk_size=chunk_size
        )
        elapsed = time.monotonic() - started
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"Wrote {out}: {sum(counts.values()):,} rows in {len(counts)} files, "
            f"{elapsed:.1f} s, peak memory {peak_mib:.0f} MiB"
        )
        sys.stdout.flush()
