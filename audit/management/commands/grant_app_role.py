"""Grant the application's database role what it needs, and only that (audit/roles.py).

    manage.py grant_app_role                  the role DATABASE_URL connects as
    manage.py grant_app_role --role NAME      another role
    manage.py grant_app_role --create         create it first if it does not exist (LOGIN,
                                              with DATABASE_URL's password when it is that
                                              URL's role); needs a connection that may
                                              create roles

It connects as MIGRATION_DATABASE_URL's role (the tables' owner) when that is set, as
`migrate` does (which grants the same after every run). It fails, saying why, if the role
could still change or empty the audit log: a superuser, a role that may create roles, the
owner of the audit table or a member of the owner's role.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from audit import roles


class Command(BaseCommand):
    help = (
        "Grant the application's database role what it needs: rows of every table, and on "
        "the audit log SELECT and INSERT only. --create makes the role first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", help="The role to grant (default: DATABASE_URL's user).")
        parser.add_argument(
            "--create", action="store_true", help="Create the role first if it does not exist."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role=None, create=False, database=DEFAULT_DB_ALIAS, **options):
        if connections[database].vendor != "postgresql":
            raise CommandError(
                "Database roles are PostgreSQL's; SQLite (development only) has none to grant."
            )
        app_settings = connections[database].settings_dict
        role = role or app_settings.get("USER")
        if not role:
            raise CommandError("Name the role: --role NAME (DATABASE_URL names no user).")
        password = app_settings.get("PASSWORD") if role == app_settings.get("USER") else None
        with roles.connected_as_owner(database) as (connection, _app_role):
            if create and roles.create_role(connection, role, password):
                self.stdout.write(f"Created the role {role}.")
            roles.grant(connection, role)
            found = roles.problems(connection, role)
        if found:
            raise CommandError(" ".join(found))
        self.stdout.write(
            self.style.SUCCESS(
                f"Granted {role} what the application needs; on the audit log SELECT and "
                "INSERT only. It cannot update, delete, truncate or alter the audit log."
            )
        )
