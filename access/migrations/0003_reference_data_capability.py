"""Administrators maintain the partnership's reference lists (SPEC M2)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get(name="administrator").permissions.add(
        Permission.objects.get(
            content_type__app_label="incidents", codename="maintain_reference_data"
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0002_user_groups"),
        ("incidents", "0006_reference_data_permission"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
