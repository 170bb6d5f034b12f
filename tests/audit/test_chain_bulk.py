"""Appending many audit events at once (audit.services.record_events, SPEC A7): one INSERT,
and the hash chain as intact as when they are appended one by one."""

import threading
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from access.models import UserGroup
from audit import chain
from audit.models import AuditEvent, AuditLogIsAppendOnly
from audit.services import new_event, record_event, record_events
from tests.conftest import skip_or_fail


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


def _batch(officer, count: int, start: int = 0) -> list[AuditEvent]:
    return [
        new_event(
            AuditEvent.Type.INCIDENT_ERASED,
            actor=officer,
            target=("incident", f"ASB-2026-{n:06d}"),
            details={"decided": "sweep", "people_erased": n % 3},
        )
        for n in range(start, start + count)
    ]


def _single(officer) -> AuditEvent:
    return record_event(AuditEvent.Type.SEARCH, actor=officer, details={"terms": "noise"})


def test_events_appended_together_are_chained_in_their_order(officer, capsys):
    first = _single(officer)
    batch = record_events(_batch(officer, 5))
    last = _single(officer)

    written = [first, *batch, last]
    # The places the database gave them (read back by the INSERT on PostgreSQL).
    assert [event.sequence for event in written] == list(range(1, 8))
    assert batch[0].previous_hash == first.row_hash
    for before, after in pairwise(written):
        assert after.previous_hash == before.row_hash
    stored = {event.pk: event for event in AuditEvent.objects.all()}
    for event in batch:
        row = stored[event.pk]
        assert (row.sequence, row.previous_hash, row.row_hash) == (
            event.sequence,
            event.previous_hash,
            event.row_hash,
        )
        assert chain.content_hash(row) == row.content_hash == event.content_hash
    assert [stored[event.pk].target_id for event in batch] == [
        f"ASB-2026-{n:06d}" for n in range(5)
    ]

    report = chain.verify()
    assert report.intact, report.problem
    assert report.checked == 7
    call_command("verify_audit_chain")
    assert "Audit chain intact: 7 events" in capsys.readouterr().out


def test_a_batch_is_one_insert_whatever_its_size(officer):
    _single(officer)
    for size in (2, 40):
        with CaptureQueriesContext(connection) as queries:
            record_events(_batch(officer, size))
        inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
        assert len(inserts) == 1
    assert chain.verify().checked == 43


def test_a_row_altered_inside_a_batch_is_reported(officer):
    record_events(_batch(officer, 4))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE audit_auditevent SET target_id = %s WHERE sequence = 3", ["ASB-2026-999999"]
        )
    report = chain.verify()
    assert (report.first_broken, report.checked) == (3, 2)
    assert "contents were changed" in report.problem


def test_nothing_to_append_writes_nothing(officer, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert record_events([]) == []


def test_an_event_already_written_is_not_appended_again(officer):
    event = _single(officer)
    with pytest.raises(AuditLogIsAppendOnly):
        record_events([event])
    assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_batches_and_single_events_in_parallel_keep_one_unbroken_chain(partnership):
    """The trigger's lock, taken at a batch's first row, is held to the end of its
    transaction: no writer chains onto a row in the middle of someone else's batch."""
    if connection.vendor != "postgresql":
        skip_or_fail("concurrent writers need PostgreSQL")
    from tests.access.factories import UserFactory

    officer = UserFactory(
        organisation=partnership.organisations["Blaby District Council"],
        group=UserGroup.OPERATIONAL,
    )
    errors = []

    def writer(bulk: bool):
        try:
            for round_ in range(8):
                with transaction.atomic():
                    if bulk:
                        record_events(_batch(officer, 25, start=round_ * 25))
                    else:
                        _single(officer)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n % 2 == 0,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = chain.verify()
    assert report.intact, report.problem
    assert report.checked == AuditEvent.objects.count() >= 2 * 8 * 25 + 2 * 8


@pytest.mark.django_db
def test_the_chain_head_is_read_through_its_index_even_when_the_table_looks_empty(officer):
    """The trigger that chains each new event reads the head of the chain. Planned from the
    statistics of an empty table (a new deployment, a freshly loaded database), that read
    would scan the whole table for every event of a batch, growing with each; it must go
    through the index on `sequence` whatever the statistics say."""
    if connection.vendor != "postgresql":
        skip_or_fail("the chain trigger is PostgreSQL's")

    def scans() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(seq_scan, 0), coalesce(idx_scan, 0) "
                "FROM pg_stat_xact_user_tables WHERE relname = 'audit_auditevent'"
            )
            return cursor.fetchone()

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")  # statistics of an empty table
    seq_before, index_before = scans()
    record_events(_batch(officer, 50))
    seq_after, index_after = scans()
    assert AuditEvent.objects.count() == 50
    assert seq_after == seq_before
    assert index_after - index_before >= 50
