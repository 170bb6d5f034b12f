"""The deployment's two database roles (decision 0017; docs/security.md, "Database roles").

The role that owns the tables could switch the audit log's triggers off, so the application
does not run as it. `manage.py migrate` connects as the owner (MIGRATION_DATABASE_URL, the
same database as DATABASE_URL), then grants the application's role (DATABASE_URL's) what it
needs and no more: the rows of every table to read and write, but on the audit log SELECT and
INSERT only - no UPDATE, DELETE or TRUNCATE privilege, and, as it owns nothing, no ALTER
TABLE and no disabling of triggers. `manage.py grant_app_role` does the same by hand and can
create the role. Without MIGRATION_DATABASE_URL (development, tests) there is one role and
nothing here changes anything.

PostgreSQL only: SQLite has no roles.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from psycopg import sql

AUDIT_TABLE = "audit_auditevent"
# The credentials taken from MIGRATION_DATABASE_URL; the database stays DATABASE_URL's (and
# the test database when tests run).
_OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


def _owner_settings(alias: str) -> dict | None:
    owner = getattr(settings, "MIGRATION_DATABASE", None)
    if not owner or alias != "default":
        return None
    current = connections[alias].settings_dict
    if all(owner.get(key) == current.get(key) for key in _OWNER_KEYS):
        return None
    return {
        **current,
        **{key: owner.get(key) for key in _OWNER_KEYS},
        "OPTIONS": {**current.get("OPTIONS", {}), **owner.get("OPTIONS", {})},
    }


@contextmanager
def connected_as_owner(alias: str = "default"):
    """The connection `alias`, made as MIGRATION_DATABASE_URL's role when that is set and
    differs; as it is otherwise. Yields the connection and the application's role name (None
    when there is only one role)."""
    connection = connections[alias]
    app_role = connection.settings_dict.get("USER") or None
    owner = _owner_settings(alias)
    if owner is None:
        yield connection, None
        return
    connection.close()
    app_settings = connection.settings_dict
    connection.settings_dict = owner
    try:
        yield connection, app_role
    finally:
        connection.close()
        connection.settings_dict = app_settings


def _compose(connection, template: str, **names) -> str:
    connection.ensure_connection()
    return (
        sql.SQL(template)
        .format(**{key: sql.Identifier(value) for key, value in names.items()})
        .as_string(connection.connection)
    )


def grant_statements(connection, role: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
    names = {"role": role, "database": database, "schema": schema, "audit": AUDIT_TABLE}
    return [
        _compose(connection, template, **names)
        for template in (
            "GRANT CONNECT ON DATABASE {database} TO {role}",
            "GRANT USAGE ON SCHEMA {schema} TO {role}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            # The audit log: read and append, nothing else (not even for PUBLIC).
            "REVOKE ALL ON TABLE {schema}.{audit} FROM PUBLIC, {role}",
            "GRANT SELECT, INSERT ON TABLE {schema}.{audit} TO {role}",
            # Which migrations ran is the owner's to record.
            "REVOKE INSERT, UPDATE, DELETE ON TABLE {schema}.django_migrations FROM {role}",
        )
    ]


def create_role(connection, role: str, password: str | None) -> bool:
    """Create `role` (LOGIN, no other attribute) unless it exists; True if it was created.
    Needs a connection allowed to create roles."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            return False
        statement = sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(
            sql.Identifier(role)
        )
        if password:
            statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
        cursor.execute(statement.as_string(connection.connection))
    return True


def grant(connection, role: str) -> None:
    with connection.cursor() as cursor:
        for statement in grant_statements(connection, role):
            cursor.execute(statement)


# What would let the application's role change or empty the audit log all the same.
_PROBLEMS = """
SELECT r.rolsuper, r.rolcreaterole,
       t.tableowner = r.rolname OR pg_has_role(r.rolname, t.tableowner, 'MEMBER'),
       has_table_privilege(r.rolname, t.schemaname || '.' || t.tablename, 'UPDATE'),
       has_table_privilege(r.rolname, t.schemaname || '.' || t.tablename, 'DELETE'),
       has_table_privilege(r.rolname, t.schemaname || '.' || t.tablename, 'TRUNCATE'),
       has_table_privilege(r.rolname, t.schemaname || '.' || t.tablename, 'TRIGGER')
FROM pg_roles r, pg_tables t
WHERE r.rolname = %s AND t.tablename = %s AND t.schemaname = current_schema()
"""
_PROBLEM_TEXT = (
    "is a superuser (it can switch any trigger off)",
    "may create roles (and so make itself a member of the owner's)",
    "owns the audit table or is a member of its owner (it could disable its triggers)",
    "may UPDATE the audit table",
    "may DELETE from the audit table",
    "may TRUNCATE the audit table",
    "may create triggers on the audit table",
)


def problems(connection, role: str) -> list[str]:
    """Why `role` could still change or empty the audit log (empty when it cannot)."""
    with connection.cursor() as cursor:
        cursor.execute(_PROBLEMS, [role, AUDIT_TABLE])
        row = cursor.fetchone()
    if row is None:
        return [f"There is no role {role!r}, or no audit table in this database's schema."]
    return [
        f"The application's role {role!r} {text}."
        for flag, text in zip(row, _PROBLEM_TEXT, strict=True)
        if flag
    ]
