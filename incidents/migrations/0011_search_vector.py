"""Full-text search on incidents (SPEC S1, S2): a tsvector column kept by a trigger on every
insert and update (whatever the code path, bulk updates included), a GIN index on it, and a
GIN trigram index on addresses for location search. PostgreSQL only; SQLite keeps the
column empty and searches with LIKE."""

import django.contrib.postgres.search
from django.db import migrations

from common.migrations import PostgreSQLOnly

TRIGGER = """
CREATE FUNCTION incident_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('english', coalesce(NEW.description, '')), 'A')
        || setweight(to_tsvector('english', coalesce(NEW.address, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(NEW.postcode, '')), 'B');
    RETURN NEW;
END
$$;
CREATE TRIGGER incident_search_vector
    BEFORE INSERT OR UPDATE OF description, address, postcode
    ON incidents_incident FOR EACH ROW EXECUTE FUNCTION incident_search_vector();
UPDATE incidents_incident SET description = description;
CREATE INDEX incident_search_gin ON incidents_incident USING gin (search_vector);
CREATE INDEX incident_address_trgm ON incidents_incident USING gin (address gin_trgm_ops);
"""

REVERSE = """
DROP INDEX IF EXISTS incident_address_trgm;
DROP INDEX IF EXISTS incident_search_gin;
DROP TRIGGER IF EXISTS incident_search_vector ON incidents_incident;
DROP FUNCTION IF EXISTS incident_search_vector();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0010_victim_update_limits"),
        # pg_trgm is created there.
        ("people", "0002_intervention_types_and_trigram"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        PostgreSQLOnly(TRIGGER, REVERSE),
    ]
