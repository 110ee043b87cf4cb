"""A local HTTP server that speaks Twilio's Messages API (the part Relief uses).

POST /2010-04-01/Accounts/<sid>/Messages.json with HTTP basic auth (account
SID, auth token) and a form body (To, From, Body) answers 201 with the JSON
Twilio returns; a bad login 401, a 'To' that is no phone number 400, each
with Twilio's error JSON. Every request is kept in `requests`.
"""

import base64
import json
import re
import secrets
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ROUTE = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages\.json$")
# Twilio's magic test number that "is not a valid phone number".
INVALID_TO = "+15005550001"


class FakeTwilio:
    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.requests.append(
                    {"path": self.path, "form": form, "auth": self.headers.get("Authorization")}
                )
                match = ROUTE.match(self.path)
                if match is None:
                    return self._answer(
                        404, fake.error(20404, "The requested resource was not found", 404)
                    )
                expected = (
                    "Basic "
                    + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
                )
                if (
                    self.headers.get("Authorization") != expected
                    or match["sid"] != fake.account_sid
                ):
                    return self._answer(401, fake.error(20003, "Authenticate", 401))
                if form.get("To") == INVALID_TO or not form.get("To", "").startswith("+"):
                    message = f"The 'To' number {form.get('To')} is not a valid phone number."
                    return self._answer(400, fake.error(21211, message, 400))
                return self._answer(201, fake.message(form))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def error(code, message, status):
        return {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }

    def message(self, form):
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC), usegmt=True)
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{base}/Media.json"},
            "to": form.get("To"),
            "uri": f"{base}.json",
        }

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
