"""Sending SMS through pluggable backends, in the manner of Django's email backends.

Set RELIEF_SMS_BACKEND to a dotted path. A provider backend subclasses
BaseSmsBackend and implements send_messages(); it should pass each message's
idempotency_key to the provider where the provider supports one (so a retry
after a crash between "accepted" and "marked sent" is not delivered twice),
and raise an exception when the provider refuses a message.

    class MyProviderBackend(BaseSmsBackend):
        def send_messages(self, messages):
            for message in messages:
                my_provider.send(to=message.to, text=message.body,
                                 idempotency_key=message.idempotency_key)
            return len(messages)
"""

import json
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164, e.g. +12025550100
    body: str
    idempotency_key: str = ""


class BaseSmsBackend:
    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages: list[SmsMessage]) -> int:
        """Send the messages; return how many were sent."""
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Writes messages to standard output (development)."""

    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, messages):
        for message in messages:
            self.stream.write(
                f"SMS to {message.to} [{message.idempotency_key}]\n{message.body}\n{'-' * 40}\n"
            )
        self.stream.flush()
        return len(messages)


# The locmem backend's outbox, like django.core.mail.outbox (tests).
outbox: list[SmsMessage] = []


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in practice.reminders.sms.outbox (tests)."""

    def send_messages(self, messages):
        outbox.extend(messages)
        return len(messages)


class FileBackend(BaseSmsBackend):
    """Appends one JSON line per message to RELIEF_SMS_FILE_PATH/sms.jsonl.

    Lets another process (a test, a developer) see what a worker sent.
    """

    _lock = threading.Lock()

    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.RELIEF_SMS_FILE_PATH)

    def send_messages(self, messages):
        self.directory.mkdir(parents=True, exist_ok=True)
        lines = "".join(
            json.dumps({**asdict(m), "at": timezone.now().isoformat()}) + "\n" for m in messages
        )
        with self._lock, (self.directory / "sms.jsonl").open("a", encoding="utf-8") as out:
            out.write(lines)
        return len(messages)


def get_backend(backend: str | None = None, **kwargs) -> BaseSmsBackend:
    path = backend or settings.RELIEF_SMS_BACKEND
    if not path:
        raise ImproperlyConfigured("No SMS backend: set RELIEF_SMS_BACKEND.")
    return import_string(path)(**kwargs)


def send_sms(*, to: str, body: str, idempotency_key: str = "") -> int:
    return get_backend().send_messages(
        [SmsMessage(to=to, body=body, idempotency_key=idempotency_key)]
    )
