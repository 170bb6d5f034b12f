"""The retention rules a new partnership starts with (docs/decisions/0012): administrators
change them under Reference data. Six years after closure, reviewed, unless a rule below is
more specific; short-lived outcomes of low-harm complaints are deleted automatically."""

from django.db import migrations

DEFAULT_RULES = [
    # name, category, outcome, marking, months, deletion
    ("Closed incidents (default)", "", "", "", 72, "review"),
    ("Confidential incidents", "", "", "confidential", 72, "review"),
    ("Withdrawn complaints", "", "withdrawn", "", 24, "automatic"),
    ("Resolved environmental complaints", "environmental", "resolved", "", 24, "automatic"),
]


def add_rules(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for name, category, outcome, marking, months, deletion in DEFAULT_RULES:
        RetentionRule.objects.get_or_create(
            name=name,
            defaults={
                "category": category,
                "outcome": outcome,
                "marking": marking,
                "retain_for_months": months,
                "deletion": deletion,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
