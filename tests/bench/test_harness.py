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


def test_wrk_threads_send_each_post_body_once(tmp_path):
    """Two wrk threads share the bodies out: none is sent twice (a booking POST
    sent twice books its slot, then "anyone" takes a colleague's)."""
    import shutil
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bodies = tmp_path / "bodies.txt"
    # More lines than a second's requests, so none comes round again.
    bodies.write_text("".join(f"n={n}\n" for n in range(200_000)))
    try:
        figures = harness.run_wrk(
            f"http://127.0.0.1:{server.server_address[1]}/",
            script="wrk_report.lua",
            connections=4,
            threads=2,
            duration=1,
            env={"BENCH_METHOD": "POST", "BENCH_BODIES": str(bodies)},
        )
    finally:
        server.shutdown()
    assert figures["requests"] > 50
    assert len(set(seen)) == len(seen)
