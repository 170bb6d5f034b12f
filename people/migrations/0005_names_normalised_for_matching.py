"""People's names in the form they are compared in (issue #24 item 13, SPEC P2, S1): a
column per name kept by `Person.save` (people/names.py), filled here for the people already
recorded, with a btree index on both and, on PostgreSQL, a GIN trigram index on each for
typo-tolerant matching."""

from django.db import migrations, models

from common.migrations import PostgreSQLOnly
from people.names import NORMALISED_MAX, normalise_name

BATCH = 2000


def fill(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    batch = []
    rows = Person.objects.order_by("pk").only("pk", "given_name", "family_name")
    for person in rows.iterator(chunk_size=BATCH):
        person.given_name_normalised = normalise_name(person.given_name)
        person.family_name_normalised = normalise_name(person.family_name)
        batch.append(person)
        if len(batch) == BATCH:
            Person.objects.bulk_update(batch, ["given_name_normalised", "family_name_normalised"])
            batch = []
    Person.objects.bulk_update(batch, ["given_name_normalised", "family_name_normalised"])


class Migration(migrations.Migration):
    dependencies = [("people", "0004_merge_reasons_kept_with_the_people")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="given_name_normalised",
            field=models.CharField(default="", editable=False, max_length=NORMALISED_MAX),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="person",
            name="family_name_normalised",
            field=models.CharField(default="", editable=False, max_length=NORMALISED_MAX),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["family_name_normalised", "given_name_normalised"],
                name="person_name_normalised",
            ),
        ),
        PostgreSQLOnly(
            """
            CREATE INDEX person_family_normalised_trgm
                ON people_person USING gin (family_name_normalised gin_trgm_ops);
            CREATE INDEX person_given_normalised_trgm
                ON people_person USING gin (given_name_normalised gin_trgm_ops);
            """,
            """
            DROP INDEX IF EXISTS person_given_normalised_trgm;
            DROP INDEX IF EXISTS person_family_normalised_trgm;
            """,
        ),
    ]
