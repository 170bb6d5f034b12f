"""The audit log becomes a hash chain and append-only (SPEC A7, audit/chain.py).

Existing events are chained in the order they were written; then the chain columns become
required, and on PostgreSQL two triggers take over: one assigns each new event its place
in the chain under a lock, the other refuses every UPDATE and DELETE of an event, whoever
asks (the application's own connection included).
"""

from django.db import migrations, models

import audit.models
from audit import chain
from common.migrations import PostgreSQLOnly


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    previous = chain.GENESIS
    events = AuditEvent.objects.order_by("occurred_at", "id").iterator(chunk_size=2000)
    for sequence, event in enumerate(events, start=1):
        content = chain.content_hash(event)
        row = chain.row_hash(content, sequence, previous)
        # The migration's model is plain: its queryset may update (no trigger yet).
        AuditEvent.objects.filter(pk=event.pk).update(
            content_hash=content, sequence=sequence, previous_hash=previous, row_hash=row
        )
        previous = row


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_event_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
"""
REMOVE_APPEND_ONLY = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_is_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_security_and_registers")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="content_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="content_hash",
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=audit.models.ChainBigIntegerField(editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="previous_hash",
            field=audit.models.ChainHashField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="row_hash",
            field=audit.models.ChainHashField(editable=False, max_length=64),
        ),
        PostgreSQLOnly(
            chain.APPEND_TRIGGER + APPEND_ONLY, REMOVE_APPEND_ONLY + chain.REMOVE_APPEND_TRIGGER
        ),
    ]
