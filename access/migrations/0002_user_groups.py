"""Create the five user groups (§3, docs/requirements.md) with their model permissions.

Object-level rules (which records) live in access/policy/; these are the capabilities
(which kinds of action). Later capabilities are added by later migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CAPABILITIES = {
    "basic": ["add_incident"],
    "operational": ["add_incident", "view_incident", "change_incident", "submit_incident"],
    "enhanced": [
        "add_incident",
        "view_incident",
        "change_incident",
        "submit_incident",
        "close_incident",
    ],
    # Read-only outside the reporting module, unless granted add/amend individually (G2).
    "analyst": ["view_incident"],
    "administrator": [
        "add_incident",
        "view_incident",
        "change_incident",
        "submit_incident",
        "close_incident",
    ],
}


def create_groups(apps, schema_editor):
    # Model permissions are normally created after all migrations; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in CAPABILITIES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="incidents", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=CAPABILITIES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("incidents", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
