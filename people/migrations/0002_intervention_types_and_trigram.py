"""The intervention types (P5, docs/requirements.md), and PostgreSQL's pg_trgm extension
for matching people's names (a no-op on SQLite)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INTERVENTION_TYPES = [
    ("verbal_warning", "Verbal warning"),
    ("written_warning", "Written warning"),
    ("community_resolution", "Community resolution"),
    ("mediation", "Mediation"),
    ("acceptable_behaviour_contract", "Acceptable behaviour contract"),
    ("parenting_contract", "Parenting contract"),
    ("civil_injunction", "Civil injunction"),
    ("criminal_behaviour_order", "Criminal behaviour order"),
    ("dispersal_direction", "Dispersal direction"),
    ("community_protection_warning", "Community protection warning"),
    ("community_protection_notice", "Community protection notice"),
    ("public_spaces_protection_order", "Public spaces protection order"),
    ("closure_notice", "Closure notice"),
    ("closure_order", "Closure order"),
    ("parenting_order", "Parenting order"),
    ("absolute_grounds_for_possession", "Absolute grounds for possession"),
    ("notice_of_seeking_possession", "Notice of seeking possession"),
    ("notice_to_quit", "Notice to quit"),
    ("demotion_order", "Demotion order"),
    ("child_safety_order", "Child safety order"),
    ("child_curfew_order", "Child curfew order"),
    ("other", "Other"),
]


def load(apps, schema_editor):
    InterventionType = apps.get_model("people", "InterventionType")
    for code, label in INTERVENTION_TYPES:
        InterventionType.objects.get_or_create(code=code, defaults={"label": label})


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
