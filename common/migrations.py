"""Migration operations shared by the apps."""

from django.db import migrations


class PostgreSQLOnly(migrations.RunSQL):
    """SQL that exists only on PostgreSQL (triggers, GIN indexes): a no-op on SQLite, where
    the code falls back to simpler queries (see reports/search.py)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
