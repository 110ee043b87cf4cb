"""Webhook signatures (pure): HMAC-SHA256 over "<timestamp>.<body>".

Header: `Relief-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`. A second
v1 appears while a rotated-out secret is still honoured, so a receiver that
checks "any v1 matches" keeps working through a rotation.
"""

import hashlib
import hmac
import time

HEADER = "Relief-Signature"
# A receiver should refuse signatures older than this (replayed requests).
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(secrets: list[str], timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}"] + [f"v1={signature(s, timestamp, body)}" for s in secrets if s]
    return ",".join(parts)


def verify(secret: str, header: str, body: bytes, *, tolerance=TOLERANCE_SECONDS, now=None) -> bool:
    """What a receiver does (the README shows the same steps)."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in fields if key == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value) for key, value in fields if key == "v1")
