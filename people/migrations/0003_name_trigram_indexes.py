"""GIN trigram indexes for fuzzy name search (SPEC S1, P2), PostgreSQL only."""

from django.db import migrations

from common.migrations import PostgreSQLOnly


class Migration(migrations.Migration):
    dependencies = [("people", "0002_intervention_types_and_trigram")]

    operations = [
        PostgreSQLOnly(
            """
            CREATE INDEX person_family_trgm ON people_person USING gin (family_name gin_trgm_ops);
            CREATE INDEX person_given_trgm ON people_person USING gin (given_name gin_trgm_ops);
            """,
            """
            DROP INDEX IF EXISTS person_given_trgm;
            DROP INDEX IF EXISTS person_family_trgm;
            """,
        )
    ]
