"""Practice export on the large generated practice: wall time and peak memory.

    DATABASE_URL=postgres://... python -m bench.export [--scale large] [--pdf-sample 300]

Migrates and generates the practice unless the database holds it (as `make
bench` does), then runs `manage.py export_practice` in its own process, as an
owner's export runs in a worker, and reads its wall time and peak resident
memory (ru_maxrss of that process). WeasyPrint needs tens of milliseconds per
note, so the bench renders only the first --pdf-sample signed notes and
reports the rate and what all of them would take; --pdf-sample -1 renders
every one. Results go to bench/results/export.json.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import harness

ROOT = Path(__file__).resolve().parent.parent


def run_export(out: Path, *, pdf_sample: int) -> dict:
    command = [sys.executable, "manage.py", "export_practice", str(out), "--json"]
    if pdf_sample >= 0:
        command += ["--pdf-limit", str(pdf_sample)]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, env=os.environ.copy())
    stdout, _ = process.communicate()
    # wait4 figures are gone once communicate() reaped the child; the command
    # reports its own ru_maxrss, and the wall time here includes start-up.
    wall = time.monotonic() - started
    if process.returncode:
        sys.exit(f"export_practice failed with exit code {process.returncode}")
    summary = json.loads(stdout.decode().strip().splitlines()[-1])
    summary["wall_seconds"] = round(wall, 1)
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pdf-sample", type=int, default=300)
    parser.add_argument("--output", default="export.json")
    args = parser.parse_args(argv)

    harness.setup_django()
    from sessions.models import SessionNote

    counts = harness.ensure_practice(args.scale, args.seed)
    signed = SessionNote.objects.filter(status="signed").count()
    machine = harness.machine()
    with tempfile.TemporaryDirectory(dir=ROOT / "var") as scratch:
        summary = run_export(Path(scratch) / "export.zip", pdf_sample=args.pdf_sample)
    pdfs = summary["counts"].get("notes/pdf", 0)
    pdf_seconds = summary["timings"].get("pdfs", 0.0)
    rate = pdfs / pdf_seconds if pdf_seconds else None
    data_seconds = summary["timings"]["tables"] + summary["timings"]["fhir"]
    result = {
        "scale": args.scale,
        "practice": {**counts, "signed_notes": signed},
        "machine": {**machine, "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "wall_seconds": summary["wall_seconds"],
        "peak_rss_mib": summary["peak_rss_mib"],
        "cpu_seconds": summary["cpu_seconds"],
        "zip_mib": round(summary["bytes"] / 1024 / 1024, 1),
        "rows": summary["rows"],
        "timings": summary["timings"],
        "data_seconds": round(data_seconds, 1),
        "pdfs_rendered": pdfs,
        "pdfs_per_second": round(rate, 1) if rate else None,
        "all_pdfs_estimated_seconds": round(signed / rate) if rate else None,
    }
    harness.RESULTS.mkdir(parents=True, exist_ok=True)
    (harness.RESULTS / args.output).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
