"""The retention sweep in a real Celery worker, killed half-way through a batch (SPEC D5).

The worker runs the daily task against the test database (PostgreSQL) and Redis. A second
connection holds a lock on the tombstone table, so the worker's batch stops just before its
last writes, with every deletion of the batch done but not committed. The worker is then
killed (SIGKILL): nothing of either incident may be missing. Restarted, the worker is handed
the same task again (acks_late) and erases both, leaving no trace.
"""

import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from retention.models import ErasedIncident
from retention.tasks import retention_sweep
from tests.conftest import skip_or_fail
from tests.support.celery_worker import VISIBILITY_TIMEOUT, Worker, database_url, wait_until

from .conftest import years_ago
from .no_trace import row_counts, traces

pytestmark = [
    pytest.mark.real_celery,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(transactional_db, tmp_path, documents_root, monkeypatch):
    if not settings.REDIS_URL:
        skip_or_fail("REDIS_URL is not set: there is no broker for a real worker")
    if connection.vendor != "postgresql":
        skip_or_fail("a worker in another process needs the PostgreSQL test database")
    monkeypatch.setenv("DOCUMENTS_ROOT", str(documents_root))  # the worker's documents
    worker = Worker(tmp_path)
    yield worker
    worker.stop()


def backends_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_mid_batch_leaves_no_half_erased_incident(worker, plant):
    cases = [plant(outcome="withdrawn", closed_on=years_ago(3)) for _ in range(2)]
    secrets = [secret for case in cases for secret in case.secrets]
    before = row_counts()
    worker.start()

    with psycopg.connect(database_url()) as blocker:
        blocker.execute("LOCK TABLE retention_erasedincident IN ACCESS EXCLUSIVE MODE")
        retention_sweep.delay()
        wait_until(
            backends_waiting_for_a_lock, timeout=60, what="the batch to block", worker=worker
        )
        killed_at = time.monotonic()
        worker.kill()
        blocker.rollback()
    wait_until(lambda: backends_waiting_for_a_lock() == 0, timeout=30, what="the rollback")

    assert row_counts() == before
    assert set(traces(secrets)) == set(secrets)
    assert all(Path(path).exists() for case in cases for path in case.document_paths)

    # Restarted after the broker's visibility timeout, the worker gets the task again.
    time.sleep(max(0, VISIBILITY_TIMEOUT + 1 - (time.monotonic() - killed_at)))
    worker.start()
    wait_until(
        lambda: ErasedIncident.objects.count() == 2,
        timeout=90,
        what="the re-run sweep",
        worker=worker,
    )
    assert traces(secrets) == {}
    wait_until(
        lambda: not any(Path(p).exists() for case in cases for p in case.document_paths),
        timeout=30,
        what="the files to go",
    )
