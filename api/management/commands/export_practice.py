import json
import resource
import time
from pathlib import Path

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
        parser.add_argument(
            "--pdf-limit", type=int, default=None, help="Benchmarks: only the first N signed notes."
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the summary as one JSON line (bench)."
        )

    def handle(self, *args, out, no_pdfs, chunk_size, pdf_limit, verbosity=1, **options):
        started = time.monotonic()
        last = [""]

        def progress(step, done, total):
            if step != last[0] or verbosity > 1:
                last[0] = step
                self.stderr.write(f"{step}: {done:,}/{total:,} rows")

        timings = {}
        counts = build_export(
            out,
            progress=progress,
            include_pdfs=not no_pdfs,
            chunk_size=chunk_size,
            pdf_limit=pdf_limit,
            timings=timings,
        )
        elapsed = time.monotonic() - started
        # ru_maxrss is in KiB on Linux: the peak of this process, the whole build.
        usage = resource.getrusage(resource.RUSAGE_SELF)
        peak_mib = usage.ru_maxrss / 1024
        if options["json"]:
            summary = {
                "seconds": round(elapsed, 2),
                "peak_rss_mib": round(peak_mib, 1),
                # CPU time of this process: what the build costs on a busy machine.
                "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
                "bytes": Path(out).stat().st_size,
                "rows": sum(counts.values()),
                "timings": timings,
                "counts": counts,
            }
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(
            f"Wrote {out}: {sum(counts.values()):,} rows in {len(counts)} files, "
            f"{elapsed:.1f} s, peak memory {peak_mib:.0f} MiB"
        )
