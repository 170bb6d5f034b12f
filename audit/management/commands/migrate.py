"""`manage.py migrate` as the role that owns the tables, then the application's grants.

Django's own migrate, connected as MIGRATION_DATABASE_URL's role when that is set: the role
the application runs as (DATABASE_URL's) owns no table, so it cannot migrate them, nor alter
or disable the audit log's triggers. Afterwards the application's role is granted what it
needs on every table, the ones just created included, and only SELECT and INSERT on the audit
log (audit/roles.py, docs/security.md "Database roles"). Without MIGRATION_DATABASE_URL this
is Django's migrate, unchanged.
"""

from django.core.management.commands.migrate import Command as DjangoMigrate

from audit import roles


class Command(DjangoMigrate):
    help = DjangoMigrate.help + (
        " Connects as MIGRATION_DATABASE_URL's role when it is set, then grants the "
        "application's role (DATABASE_URL's) what it needs."
    )

    def handle(self, *args, **options):
        with roles.connected_as_owner(options["database"]) as (connection, app_role):
            super().handle(*args, **options)
            if app_role is None or options["plan"] or options["check_unapplied"]:
                return
            roles.grant(connection, app_role)
            self.stdout.write(
                f"Granted {app_role} what the application needs (on the audit log: SELECT "
                "and INSERT only)."
            )
            for problem in roles.problems(connection, app_role):
                self.stderr.write(self.style.WARNING(problem))
