"""Tamper evidence (SPEC A7): the audit log is append-only and hash-chained."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from access.models import UserGroup
from audit import chain
from audit.models import AuditEvent, AuditLogIsAppendOnly
from audit.services import record_event
from tests.conftest import skip_or_fail


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


def _write(officer, count: int) -> list[AuditEvent]:
    return [
        record_event(
            AuditEvent.Type.SEARCH,
            actor=officer,
            target=("incident", f"ASB-2026-{n:06d}"),
            justification="checking for repeat victims",
            details={"terms": "loud music", "n": n},
        )
        for n in range(count)
    ]


def _tamper(sql: str, params=()) -> None:
    """Change the table behind the application's back, as someone with database access
    could: on PostgreSQL the append-only trigger has to be bypassed first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def _verify_fails_at(sequence: int) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit_chain")
    message = str(failure.value)
    assert f"broken at event {sequence}:" in message
    return message


def test_each_event_is_linked_to_the_one_before(officer):
    first, second, third = _write(officer, 3)
    assert first.previous_hash == chain.GENESIS
    assert second.previous_hash == first.row_hash
    assert third.previous_hash == second.row_hash
    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    # The stored row hashes to what was recorded (dates and JSON read back identically).
    stored = AuditEvent.objects.get(pk=second.pk)
    assert chain.content_hash(stored) == stored.content_hash == second.content_hash
    assert chain.row_hash(stored.content_hash, 2, first.row_hash) == stored.row_hash


def test_the_verify_command_reports_an_intact_chain(officer, capsys):
    _write(officer, 4)
    call_command("verify_audit_chain")
    assert "Audit chain intact: 4 events" in capsys.readouterr().out


def test_an_event_cannot_be_changed_through_the_orm(officer):
    event = _write(officer, 1)[0]
    event.justification = "something else"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(justification="something else")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.bulk_update([event], ["justification"])
    assert AuditEvent.objects.get(pk=event.pk).justification == "checking for repeat victims"


def test_an_event_cannot_be_deleted_through_the_orm(officer):
    event = _write(officer, 1)[0]
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_events_cannot_be_created_outside_the_chain(officer):
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.create(event_type=AuditEvent.Type.SEARCH, actor=officer)
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.bulk_create([AuditEvent(event_type=AuditEvent.Type.SEARCH)])


@pytest.mark.postgres
def test_postgresql_refuses_updates_and_deletes_by_the_application(officer):
    if connection.vendor != "postgresql":
        skip_or_fail("the append-only trigger exists on PostgreSQL")
    event = _write(officer, 1)[0]
    for sql in (
        "UPDATE audit_auditevent SET justification = 'changed' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).justification == "checking for repeat victims"


def test_a_row_altered_in_the_database_is_reported(officer):
    events = _write(officer, 5)
    _tamper(
        "UPDATE audit_auditevent SET justification = %s WHERE id = %s",
        ["nothing to see here", events[2].pk],
    )
    message = _verify_fails_at(3)
    assert "contents were changed" in message
    assert "2 events before it verified" in message


def test_a_changed_chain_hash_is_reported(officer):
    events = _write(officer, 3)
    _tamper("UPDATE audit_auditevent SET row_hash = %s WHERE id = %s", ["f" * 64, events[2].pk])
    assert "chain hash was changed" in _verify_fails_at(3)


def test_a_row_removed_from_the_middle_is_reported(officer):
    events = _write(officer, 5)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    assert "missing" in _verify_fails_at(3)


def test_a_row_whose_hash_was_recomputed_still_breaks_the_next_link(officer):
    """Someone who edits a row and recomputes its hash must rewrite every later row."""
    events = _write(officer, 4)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.justification = "forged"
    content = chain.content_hash(forged)
    _tamper(
        "UPDATE audit_auditevent SET justification = %s, content_hash = %s, row_hash = %s"
        " WHERE id = %s",
        ["forged", content, chain.row_hash(content, 2, events[0].row_hash), forged.pk],
    )
    assert "does not follow" in _verify_fails_at(3)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_keep_one_unbroken_chain(partnership):
    """Writers in parallel transactions never chain onto the same predecessor."""
    if connection.vendor != "postgresql":
        skip_or_fail("concurrent writers need PostgreSQL")
    from tests.access.factories import UserFactory

    officer = UserFactory(
        organisation=partnership.organisations["Blaby District Council"],
        group=UserGroup.OPERATIONAL,
    )
    errors = []

    def writer():
        try:
            for _ in range(10):
                with transaction.atomic():
                    _write(officer, 1)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = chain.verify()
    assert report.intact, report.problem
    assert report.checked == AuditEvent.objects.count() >= 40
