"""An SMS backend for worker processes in tests: refuses once, then sends to files."""

import os
from pathlib import Path

from practice.reminders.sms import FileBackend


class FailOnceBackend(FileBackend):
    """Refuses the first message while the file RELIEF_TEST_SMS_FAIL_ONCE exists."""

    def send_messages(self, messages):
        marker = Path(os.environ["RELIEF_TEST_SMS_FAIL_ONCE"])
        if marker.exists():
            marker.unlink()
            raise ConnectionError("provider unreachable")
        return super().send_messages(messages)
