"""A real Celery worker, in its own process, on the local Redis and the test database.

For tests marked `real_celery` and `django_db(transaction=True)`: what the test commits, the
worker sees. Each test gets its own queue, so no other worker (a developer's `make run`, a
parallel test run) takes its tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

from sentinel.celery import app

from .mailbox import being_sent, delivered

# Redis gives an unacknowledged message (its worker killed) to another worker after this.
VISIBILITY_TIMEOUT = 5


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def wait_until(condition, *, timeout: float, what: str, worker: Worker | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    log = worker.log() if worker else ""
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}.\n{log[-4000:]}")


class Worker:
    def __init__(self, tmp_path: Path):
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.mailbox = tmp_path / "mailbox"
        self.mailbox.mkdir()
        self.logs = tmp_path / "worker-logs"
        self.logs.mkdir()
        self.process: subprocess.Popen | None = None
        self.started = 0
        self._old_queue = app.conf.task_default_queue
        app.conf.task_default_queue = self.queue  # what this test queues goes to its worker

    def start(self, *, mail_delay: float = 0) -> None:
        self.started += 1
        log = self.logs / f"worker-{self.started}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_BACKEND": "tests.support.mailbox.EmailBackend",
            "SENTINEL_TEST_MAILBOX": str(self.mailbox),
            "SENTINEL_TEST_MAIL_DELAY": str(mail_delay),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "CELERY_QUEUE": self.queue,  # what the worker itself queues stays with it too
        }
        command = [
            sys.executable, "-m", "celery", "-A", "sentinel", "worker",
            "--pool=solo", "--hostname", f"{self.queue}-{self.started}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(lambda: "ready." in self.log(), timeout=60, what="the worker", worker=self)

    def log(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.logs.glob("*.log")))

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, no acknowledgement, no message handed back."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None
        app.conf.task_default_queue = self._old_queue
        # Leave Redis as it was: the queue and kombu's bindings for it.
        client = redis.Redis.from_url(settings.REDIS_URL)
        client.delete(
            self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}"
        )
        client.close()

    def delivered(self) -> list[str]:
        return delivered(self.mailbox)

    def being_sent(self):
        return being_sent(self.mailbox)
