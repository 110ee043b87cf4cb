"""The bench harness: refuses SQLite, and mixes load-test requests by weight."""

from datetime import date

import pytest

from bench import harness
from bench.load import POOL_SIZE, Action, request_lines
from bench.pages import BenchData, Page


def test_bench_refuses_sqlite(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/relief.sqlite3")
    with pytest.raises(SystemExit, match="PostgreSQL"):
        harness.setup_django()


def test_load_mix_follows_weights_and_posts_carry_body_csrf_and_headers():
    pages = {
        "today": Page("today", lambda d: "/", 40, headers={"HX-Request": "true"}),
        "booking": Page(
            "booking",
            lambda d: "/book/",
            40,
            method="POST",
            body=lambda d, n: {"therapist": d.therapist_id, "slot": n},
        ),
    }
    sessions = {"front_desk": harness.Session(cookie="sessionid=abc", csrf="tok")}
    data = BenchData(today=date(2026, 3, 8), therapist_id=7, client_id=None, service_id=None)
    lines = request_lines(
        [Action("today", weight=3), Action("booking", weight=1, variants=5)], pages, data, sessions
    )
    fields = [line.split("\t") for line in lines]
    posts = [f for f in fields if f[0] == "POST"]
    assert len(lines) == POOL_SIZE
    assert len(posts) == POOL_SIZE // 4
    assert {f[4] for f in posts} == {f"therapist=7&slot={n}" for n in range(5)}
    assert all(f[2] == "sessionid=abc" and f[3] == "tok" for f in posts)
    assert {f[5] for f in fields if f[0] == "GET"} == {"HX-Request: true"}


@pytest.mark.parametrize("bench", ["bench.webhooks", "bench.reminders"])
def test_pipeline_benches_parse_set_up_then_build_and_report(bench, monkeypatch):
    """Both worker benches run through harness.pipeline_main: arguments first,
    Django set up with the bench's environment, then the pipeline and the
    worker's description built (they read settings) and handed to the report."""
    import importlib

    module = importlib.import_module(bench)
    steps = []
    monkeypatch.setattr("sys.argv", [bench, "--count", "7", "--runs", "1"])
    monkeypatch.setattr(harness, "pipeline_setup", lambda env: steps.append(("setup", env)))
    monkeypatch.setattr(module, "_pipeline", lambda *a: steps.append("pipeline") or "built")
    if hasattr(module, "_receiver"):
        monkeypatch.setattr(module, "_receiver", lambda: "http://127.0.0.1:1/relief")

    def report(pipeline, args, env, *, plural, worker):
        steps.append(("report", pipeline, args.count, args.runs, plural, worker))

    monkeypatch.setattr(harness, "pipeline_report", report)
    module.main()
    (setup, env), built, (name, pipeline, count, runs, plural, worker) = steps
    assert (setup, built, name, pipeline, count, runs) == ("setup", "pipeline", "report",
                                                             "built", 7, 1)  # fmt: skip
    assert env["DJANGO_DEBUG"] == "0" and "per send task" in worker
    assert plural == {"bench.webhooks": "deliveries", "bench.reminders": "reminders"}[bench]


@pytest.mark.postgres
@pytest.mark.django_db
def test_settle_waits_while_the_workers_still_use_cpu(monkeypatch):
    """bench.run.settle returns once the server's workers are idle (no CPU
    used over a window, no query running), and not while they still work."""
    from types import SimpleNamespace

    from bench import run

    readings = iter([0.0, 1.0, 1.0, 2.0, 2.0, 2.0])  # busy, busy, then idle
    calls = []

    def cpu_seconds(pid):
        calls.append(pid)
        return next(readings)

    monkeypatch.setattr(harness, "cpu_seconds", cpu_seconds)
    server = SimpleNamespace(process=SimpleNamespace(pid=4242))
    run.settle(server, window_s=0.01, limit_s=5)
    assert calls == [4242] * 6


def _wrk_posts_to(handler, env=None):
    """One second of wrk POSTs (4 connections, 2 threads) to a local server of `handler`."""
    import threading
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        return harness.run_wrk(
            f"http://127.0.0.1:{server.server_address[1]}/",
            script="wrk_report.lua",
            connections=4,
            threads=2,
            duration=1,
            env={"BENCH_METHOD": "POST", **(env or {})},
        )
    finally:
        server.shutdown()


def test_wrk_threads_send_each_post_body_once(tmp_path):
    """Two wrk threads share the bodies out: none is sent twice (a booking POST
    sent twice books its slot, then "anyone" takes a colleague's)."""
    import shutil
    from http.server import BaseHTTPRequestHandler

    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed")
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    bodies = tmp_path / "bodies.txt"
    # More lines than a second's requests, so none comes round again.
    bodies.write_text("".join(f"n={n}\n" for n in range(200_000)))
    figures = _wrk_posts_to(Handler, {"BENCH_BODIES": str(bodies)})
    assert figures["requests"] > 50
    assert len(set(seen)) == len(seen)


def test_wrk_counts_a_posts_bad_answers_by_status_with_the_first_message():
    """A POST page's answers of 400 and above come back by status with the
    message of the first, so a run's bad answers say what they were."""
    import shutil
    import threading
    from http.server import BaseHTTPRequestHandler

    from bench.run import bad_answers, describe_bad

    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed")
    sent = {}
    lock = threading.Lock()
    pages = {
        302: b"",
        400: b'<title>Book</title><div class="alert alert-danger" role="alert">'
        b"Sorry, someone has <b>just</b> booked that time.</div>",
        500: b'<title>Server "error"</title>',
    }

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                n = sum(sent.values())
                status = 500 if n % 7 == 3 else 400 if n % 5 == 1 else 302
                sent[status] = sent.get(status, 0) + 1
            self.send_response(status)
            self.send_header("Content-Length", str(len(pages[status])))
            self.end_headers()
            self.wfile.write(pages[status])

        def log_message(self, *args):
            pass

    figures = _wrk_posts_to(Handler)
    bad = bad_answers(figures, {"bad": {}})
    # wrk stops with requests still in flight: the server may have answered a few more.
    assert 0 < bad["400"]["count"] <= sent[400] <= bad["400"]["count"] + 4
    assert 0 < bad["500"]["count"] <= sent[500] <= bad["500"]["count"] + 4
    assert set(bad) == {"400", "500"}
    assert figures["non_2xx_3xx"] == bad["400"]["count"] + bad["500"]["count"]
    assert bad["400"]["sample"] == "Sorry, someone has just booked that time."
    assert bad["500"]["sample"] == "Server error"
    assert describe_bad(bad).startswith("400 x")
    assert "; 500 x" in describe_bad(bad)


def test_bad_answers_of_two_runs_add_up_and_keep_the_first_message():
    from bench.run import bad_answers, describe_bad

    first = {"bad": {"400": {"count": 3, "sample": "Sorry, taken."}}}
    second = {"bad": {"400": {"count": 5, "sample": "Other."}, "429": {"count": 1, "sample": ""}}}
    merged = bad_answers(first, second, {})
    assert merged == {
        "400": {"count": 8, "sample": "Sorry, taken."},
        "429": {"count": 1, "sample": ""},
    }
    assert describe_bad(merged) == "400 x8: Sorry, taken.; 429 x1"
