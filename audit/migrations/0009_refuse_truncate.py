"""The audit log refuses TRUNCATE (decision 0017, docs/security.md).

The append-only trigger of migration 0006 fires for each row an UPDATE or DELETE touches;
TRUNCATE empties a table without touching rows, so it passed, and `verify_audit_chain` then
found an intact log of no events. A statement-level BEFORE TRUNCATE trigger refuses it, for
every role, the table's owner included (`TRUNCATE a, b` and `... CASCADE` fire it too).

Only a deliberate switch of the session's triggers (`session_replication_role = replica`,
which PostgreSQL allows a superuser alone) gets past it: that is how the test suite empties
its own database between transactional tests (tests/conftest.py). SQLite has no TRUNCATE.
"""

from django.db import migrations

from common.migrations import PostgreSQLOnly

REFUSE_TRUNCATE = """
CREATE OR REPLACE FUNCTION audit_event_refuses_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: TRUNCATE refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_refuses_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuses_truncate();
"""
ALLOW_TRUNCATE = """
DROP TRIGGER IF EXISTS audit_event_refuses_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_refuses_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_chain_head_by_index")]

    operations = [PostgreSQLOnly(REFUSE_TRUNCATE, ALLOW_TRUNCATE)]
