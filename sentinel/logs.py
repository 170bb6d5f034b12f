"""Logging filters named in settings.LOGGING."""

import logging


class TaskLinesFromWorkersOnly(logging.Filter):
    """Celery logs a line for every task that succeeds. A worker's log wants them; where
    tasks run in the process that queued them (no REDIS_URL: `make run`, the demo load, the
    test suite) they are one line per e-mail among the server's own output. Warnings and
    errors, a task that failed among them, always pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        from .celery import app

        return not app.conf.task_always_eager
