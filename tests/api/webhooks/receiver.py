"""A real HTTP receiver on 127.0.0.1 (http.server in a thread) for webhook tests.

It records every request as it arrives (before answering), answers with the
next status of `answers` (then 200), and can hold an answer for `delay`
seconds, or hold the `hold_at`-th request (1-based) until `release` is set.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, answers=(), delay=0.0, path="/hooks/relief", hold_at=None):
        self.answers = list(answers)
        self.hold_at = hold_at
        self.release = threading.Event()
        self.delay = delay
        self.path = path
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": body,
                            # The sender's port: one per TCP connection.
                            "client_port": self.client_address[1],
                        }
                    )
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    held = len(receiver.requests) == receiver.hold_at
                receiver.arrived.set()
                if held:
                    receiver.release.wait(60)
                if receiver.delay:
                    time.sleep(receiver.delay)
                answer = b'{"ok": true}'
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict]:
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests]

    def event_ids(self) -> list[str]:
        return [event["id"] for event in self.events()]
