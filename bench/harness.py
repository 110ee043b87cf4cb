"""What the benches share: for `make bench` and `make loadtest`, production-like
Django settings, the generated practice, gunicorn started as in production,
sign-in over real HTTP, and wrk; for the worker pipelines (`make
bench-reminders`, `make bench-webhooks`), their arguments, a Celery worker run
as the Procfile runs it, its CPU time, and the timed run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LOG_DIR = ROOT / "var"

# Who requests the pages: keys used by Page.as_user, usernames made by the generator.
BENCH_USERS = {
    "owner": "bench-owner",
    "front_desk": "bench-frontdesk",
    "therapist": "bench-therapist-01",
}


def setup_django() -> None:
    """Production settings (debug off, a fresh secret key, the floor view on), PostgreSQL only."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        sys.exit(
            "The benchmark measures PostgreSQL, as deployed: set DATABASE_URL=postgres://... "
            "(SQLite is the first-run default, not a benchmark target)."
        )
    os.environ["DJANGO_SETTINGS_MODULE"] = "practice.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"  # plain HTTP on the loopback
    os.environ["RELIEF_BENCH_FLOOR"] = "1"
    # Every online booking comes from 127.0.0.1: the per-address limit would
    # measure the 429 page.
    os.environ.setdefault("RELIEF_ONLINE_BOOKINGS_PER_IP", "1000000000")
    # The online bench books late in the horizon, where the generated bookings
    # and the desk's have thinned out: 180 days left a pool of 1,040 online
    # slots, fewer than a quiet machine's two runs book.
    os.environ.setdefault("RELIEF_BOOKING_HORIZON_DAYS", "400")
    # Each "Compute again now" of the outcomes report computes: the page that
    # times it would otherwise time the answer kept from the request before.
    os.environ.setdefault("RELIEF_OUTCOMES_RECOMPUTE_GAP_SECONDS", "0")
    # One key for this process and the gunicorn workers, so sessions carry over.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def summarise_outcomes() -> None:
    """A practice generated before the reports' summaries existed gets them built once."""
    from practice.models import Appointment
    from reports.models import ClientVisit
    from reports.visits import client_visits_rebuild
    from sessions.models import NoteOutcome, SessionNote
    from sessions.outcomes import note_outcomes_rebuild

    if SessionNote.objects.exists() and not NoteOutcome.objects.exists():
        started = time.monotonic()
        count = note_outcomes_rebuild()
        print(f"Summarised {count:,} notes for the reports in {time.monotonic() - started:.0f} s")
    if Appointment.objects.exists() and not ClientVisit.objects.exists():
        started = time.monotonic()
        count = client_visits_rebuild()
        print(f"Summarised {count:,} visits for the reports in {time.monotonic() - started:.0f} s")


def ensure_practice(scale_name: str, seed: int) -> dict[str, int]:
    """Migrate, then generate the practice unless the database already holds it."""
    from django.core.management import call_command
    from django.db import connection

    from bench.generate import SCALES, generate
    from clients.models import Client
    from practice.models import Appointment, Therapist

    call_command("migrate", interactive=False, verbosity=0)
    # Fresh planner statistics, so an index a migration just added is used at once.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    scale = SCALES[scale_name]
    counts = {
        "therapists": Therapist.objects.count(),
        "clients": Client.objects.count(),
        "appointments": Appointment.objects.count(),
    }
    wanted = {
        "therapists": scale.therapists,
        "clients": scale.clients,
        "appointments": scale.appointments,
    }
    if all(counts[k] >= wanted[k] for k in wanted):
        print(f"Practice present: {counts}")
        summarise_outcomes()
        return counts
    if counts["appointments"] and counts["therapists"] >= wanted["therapists"]:
        # A practice of this shape generated with fewer rows (`generate_practice
        # --appointments N`): measured as it is, and the counts go into the results.
        print(f"Practice present, smaller than the {scale_name} scale {wanted}: {counts}")
        summarise_outcomes()
        return counts
    if counts["appointments"]:
        sys.exit(
            f"The database holds a smaller practice {counts}; drop it (or point DATABASE_URL "
            f"at an empty database) to generate the {scale_name} one {wanted}."
        )
    print(f"Generating the {scale_name} practice {wanted}...")
    started = time.monotonic()
    report = generate(scale=scale, seed=seed, log=print)
    print(
        f"Generated in {time.monotonic() - started:.0f} s ({report.first_day}..{report.last_day})"
    )
    return wanted


def collectstatic() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    match = re.search(r"MemTotal:\s+(\d+) kB", meminfo)
    import django
    import gunicorn

    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(int(match.group(1)) / 1024 / 1024, 1) if match else None,
        "postgresql": pg_version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


class Server:
    """gunicorn on the loopback, as the Procfile runs it in production."""

    def __init__(self, port: int, workers: int):
        self.port = port
        self.workers = workers
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = LOG_DIR / "bench-gunicorn.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        if _answers(self.port):
            sys.exit(f"Port {self.port} is taken; choose another with --port.")
        LOG_DIR.mkdir(exist_ok=True)
        self.log = self.log_path.open("w")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "practice.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--access-logfile",
            "-",
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env=os.environ.copy()
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited; see {self.log_path}")
            if _answers(self.port, "/healthz"):
                return self
            time.sleep(0.3)
        self.__exit__()
        sys.exit(f"gunicorn did not answer within a minute; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()

    def log_offset(self) -> int:
        self.log.flush()
        return self.log_path.stat().st_size

    def statuses_since(self, offset: int) -> dict[tuple[str, int], int]:
        """(path, status) counts from the access log written after `offset`."""
        counts: dict[tuple[str, int], int] = {}
        with self.log_path.open() as log:
            log.seek(offset)
            for line in log:
                match = ACCESS_LINE.search(line)
                if match:
                    key = (match["path"].split("?")[0], int(match["status"]))
                    counts[key] = counts.get(key, 0) + 1
        return counts


ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) ')


def _answers(port: int, path: str = "/") -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return path == "/" or status == 200
    except OSError:
        return False


@dataclass(frozen=True)
class Session:
    """A signed-in browser: its cookies, and the CSRF token for POSTs."""

    cookie: str
    csrf: str


def sign_in(base_port: int, username: str, password: str) -> Session:
    """Sign in through the login form, as a browser does (CSRF, axes and all)."""
    conn = http.client.HTTPConnection("127.0.0.1", base_port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    html = response.read().decode()
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not token or "csrftoken" not in jar:
        raise RuntimeError("The login page sent no CSRF token.")
    body = urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    )
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken'].value}",
        },
    )
    response = conn.getresponse()
    response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    conn.close()
    if response.status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"Signing in as {username} failed ({response.status}).")
    cookie = f"csrftoken={jar['csrftoken'].value}; sessionid={jar['sessionid'].value}"
    return Session(cookie=cookie, csrf=jar["csrftoken"].value)


# A persona that is no staff account: an anonymous browser (online booking).
VISITOR = "visitor"


def visitor(base_port: int) -> Session:
    """An anonymous browser holding the CSRF cookie a form page gives it."""
    conn = http.client.HTTPConnection("127.0.0.1", base_port, timeout=30)
    conn.request("GET", "/accounts/login/")
    response = conn.getresponse()
    response.read()
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    conn.close()
    if "csrftoken" not in jar:
        raise RuntimeError("The login page sent no CSRF cookie.")
    return Session(cookie=f"csrftoken={jar['csrftoken'].value}", csrf=jar["csrftoken"].value)


def sign_in_all(port: int, personas) -> dict[str, Session]:
    from bench.generate import BENCH_PASSWORD

    return {
        p: visitor(port) if p == VISITOR else sign_in(port, BENCH_USERS[p], BENCH_PASSWORD)
        for p in sorted(set(personas))
    }


def need_wrk() -> str:
    path = shutil.which("wrk")
    if not path:
        sys.exit("wrk is missing: apt-get install -y wrk (make bench installs it).")
    return path


def run_wrk(
    url: str,
    *,
    script: str,
    connections: int,
    duration: float,
    threads: int = 1,
    env: dict[str, str] | None = None,
) -> dict:
    """Run wrk with one of the bench Lua scripts; return its BENCH_JSON figures."""
    threads = min(threads, connections)
    command = [
        need_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / script),
        url,
    ]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        # The scripts share POST bodies out among the threads by their number.
        env={**os.environ, **(env or {}), "BENCH_THREADS": str(threads)},
    )
    if completed.returncode:
        raise RuntimeError(
            f"wrk exited {completed.returncode}:\n{completed.stdout}\n{completed.stderr}"
        )
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk printed no figures:\n{completed.stdout}\n{completed.stderr}")


def write_json(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def shown(path: Path) -> str:
    """The path as a reader of the repository knows it (`--output` may point elsewhere)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


# --- Worker pipelines: bench/reminders.py, bench/webhooks.py ---------------


def pipeline_arguments(description: str, *, count: int, output: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--count", type=int, default=count)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("CELERY_CONCURRENCY", 2)),
        help="prefork children of the worker (the Procfile's CELERY_CONCURRENCY, default 2)",
    )
    parser.add_argument("--runs", type=int, default=3, help="the result is their median")
    parser.add_argument("--output", default=output, help="file under bench/results/")
    return parser.parse_args()


def pipeline_setup(env: dict[str, str]) -> None:
    """Django with `env` (also given to the worker), on a migrated scratch PostgreSQL."""
    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    if not database_url.startswith("postgres") or not broker_url.startswith("redis"):
        sys.exit(
            "Set DATABASE_URL=postgres://... (a scratch database) and CELERY_BROKER_URL=redis://"
        )
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def pipeline_env(**extra: str) -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        **extra,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(int(child)) for child in children)


# The Procfile's worker command; options follow.
CELERY_WORKER = [sys.executable, "-m", "celery", "-A", "practice", "worker"]


def start_worker(concurrency: int, env: dict[str, str]) -> subprocess.Popen:
    """One Celery worker as the Procfile runs it (prefork), once it answers a ping."""
    from practice.celery import app

    worker = subprocess.Popen(
        [
            *CELERY_WORKER,
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    # Worker start-up is not part of the figure.
    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline or worker.poll() is not None:
            worker.terminate()
            sys.exit("the worker did not start")
    return worker


@dataclass(frozen=True)
class Pipeline:
    """What a worker pipeline bench measures: one outbox and how to read it."""

    unit: str  # "reminder", "delivery": names the CPU figure
    outbox: type  # the model: a Status.SENT status and a sent_at time
    fill: Callable[[int], None]  # replace the outbox with this many due rows
    claim: Callable[[], list]  # the dispatcher (what beat runs); empty when all are claimed
    extra: Callable[[], dict] = dict  # more figures of a finished run

    def sent(self) -> int:
        return self.outbox.objects.filter(status=self.outbox.Status.SENT).count()

    def last_sent_at(self) -> datetime | None:
        from django.db.models import Max

        return self.outbox.objects.aggregate(last=Max("sent_at"))["last"]


def pipeline_run(pipeline: Pipeline, args: argparse.Namespace, env: dict[str, str]) -> dict:
    """One measurement: fill, start the worker, claim everything, wait until all are sent."""
    from django.utils import timezone

    from practice.celery import app

    pipeline.fill(args.count)
    app.control.purge()
    worker = start_worker(args.concurrency, env)
    try:
        cpu_before = cpu_seconds(worker.pid)
        started_at = timezone.now()
        started = time.monotonic()
        while pipeline.claim():
            pass
        sent = 0
        while time.monotonic() - started < args.timeout:
            sent = pipeline.sent()
            if sent >= args.count:
                break
            time.sleep(0.2)
        worker_cpu = cpu_seconds(worker.pid) - cpu_before
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    # Up to the last send, not the last poll.
    elapsed = ((pipeline.last_sent_at() or timezone.now()) - started_at).total_seconds()
    return {
        "sent": sent,
        **pipeline.extra(),
        "seconds": round(elapsed, 2),
        "per_second": round(sent / elapsed, 1),
        # Moves far less than the wall time when other work shares the machine.
        f"worker_cpu_ms_per_{pipeline.unit}": round(1000 * worker_cpu / max(sent, 1), 2),
    }


def pipeline_main(
    doc: str,
    *,
    count: int,
    output: str,
    env: dict[str, str],
    pipeline: Callable[[], Pipeline],
    plural: str,
    worker: Callable[[], str],
) -> None:
    """A worker pipeline bench from its parts: parse the arguments, set Django up
    with `env`, then build the pipeline and the worker's description (both read
    Django's settings and models, so they are called after set-up) and report."""
    args = pipeline_arguments(doc.splitlines()[0], count=count, output=output)
    pipeline_setup(env)
    pipeline_report(pipeline(), args, env, plural=plural, worker=worker())


def pipeline_report(
    pipeline: Pipeline, args: argparse.Namespace, env: dict[str, str], *, plural: str, worker: str
) -> None:
    """Run --runs measurements, write their median to bench/results, print it."""
    load_before = os.getloadavg()[0]
    runs = [pipeline_run(pipeline, args, env) for _ in range(args.runs)]
    median = sorted(runs, key=lambda run: run["per_second"])[len(runs) // 2]
    children = "child" if args.concurrency == 1 else "children"
    result = {
        "date": datetime.now().isoformat(timespec="seconds"),
        plural: args.count,
        **median,
        "runs": runs,
        "worker": (
            f"one worker process, {args.concurrency} prefork {children} "
            f"(celery worker --concurrency={args.concurrency}), {worker}"
        ),
        "note": f"median of {len(runs)} runs on a machine shared with other work",
        "nproc": os.cpu_count(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    write_json(args.output, result)
    print(json.dumps(result, indent=2))
    if any(run["sent"] < args.count for run in runs):
        sys.exit(f"a run did not send all {args.count} {plural} in {args.timeout:.0f} s")
