"""The audit chain's trigger reads the head of the chain through its index, whatever the
table's statistics say (audit/chain.py, HEAD_BY_INDEX)."""

from django.db import migrations

from audit import chain
from common.migrations import PostgreSQLOnly


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_alter_auditevent_event_type")]

    operations = [PostgreSQLOnly(chain.HEAD_BY_INDEX, chain.REMOVE_HEAD_BY_INDEX)]
