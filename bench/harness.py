"""What `make bench` and `make loadtest` share: production-like Django settings,
the generated practice, gunicorn started as in production, sign-in over real
HTTP, and wrk.
"""

from __future__ import annotations

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
from dataclasses import dataclass
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
    # One key for this process and the gunicorn workers, so sessions carry over.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


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
        return counts
    if counts["appointments"] and counts["therapists"] >= wanted["therapists"]:
        # A practice of this shape generated with fewer rows (`generate_practice
        # --appointments N`): measured as it is, and the counts go into the results.
        print(f"Practice present, smaller than the {scale_name} scale {wanted}: {counts}")
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
    command = [
        need_wrk(),
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / script),
        url,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=True
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
