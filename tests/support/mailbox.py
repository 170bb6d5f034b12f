"""An e-mail backend for tests that run a real Celery worker in another process.

Each message is written to a file in $SENTINEL_TEST_MAILBOX, so the test can count what was
delivered. With $SENTINEL_TEST_MAIL_DELAY set, it first leaves a "sending" marker and waits
that many seconds before delivering: a slow mail server, which gives a test the moment to
kill the worker in the middle of a delivery.
"""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        box = Path(os.environ["SENTINEL_TEST_MAILBOX"])
        delay = float(os.environ.get("SENTINEL_TEST_MAIL_DELAY") or 0)
        for message in email_messages:
            name = uuid.uuid4().hex
            text = message.message().as_string()
            if delay:
                (box / f"sending-{name}").write_text(text)
                time.sleep(delay)
            (box / f"sent-{name}.eml").write_text(text)
        return len(email_messages)


def delivered(box: Path) -> list[str]:
    return [path.read_text() for path in sorted(box.glob("sent-*.eml"))]


def being_sent(box: Path) -> list[Path]:
    return sorted(box.glob("sending-*"))
