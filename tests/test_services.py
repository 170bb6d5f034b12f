"""The real services the deployment runs on are reachable and wired in."""

import pytest
from django.conf import settings
from django.db import connection

from sentinel.celery import app
from tests.conftest import skip_or_fail


def test_database_is_what_the_environment_says(db):
    expected = "postgresql" if settings.DATABASE_URL.startswith("postgres") else "sqlite"
    assert connection.vendor == expected


@pytest.mark.real_celery
def test_celery_reaches_the_broker():
    if not settings.REDIS_URL:
        skip_or_fail("REDIS_URL is not set: tasks run in-process, no broker to reach")
    assert app.conf.task_always_eager is False
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.connected
