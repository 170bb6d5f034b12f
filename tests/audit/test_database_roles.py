"""The audit log against someone with database access (SPEC A7, decision 0017): TRUNCATE is
refused whoever asks, and the role the application runs as can read and append the log but
cannot change, empty or unprotect it.

The roles made here have unique names and are created inside the test's transaction, so they
go when it is rolled back; the end-to-end test makes its own database and drops it after.
"""

import os
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager
from io import StringIO

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from psycopg import sql

from access.models import UserGroup
from audit import chain
from audit.models import AuditEvent
from audit.services import record_event
from incidents.services import log_complaint
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgresql_only(db):
    if connection.vendor != "postgresql":
        skip_or_fail("database roles and TRUNCATE are PostgreSQL's")


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


def _write(officer, count: int = 3) -> None:
    for n in range(count):
        record_event(
            AuditEvent.Type.SEARCH,
            actor=officer,
            target=("incident", f"ASB-2026-{n:06d}"),
            justification="checking for repeat victims",
        )
    # Run the foreign-key checks deferred to the end of the test's transaction now: with
    # checks pending, PostgreSQL refuses TRUNCATE and ALTER TABLE before any trigger fires.
    _execute("SET CONSTRAINTS ALL IMMEDIATE")


def _execute(statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement)


def _role_name(kind: str) -> str:
    return f"sentinel_test_{kind}_{uuid.uuid4().hex[:12]}"


def _identifier(name: str) -> str:
    connection.ensure_connection()
    return sql.Identifier(name).as_string(connection.connection)


@contextmanager
def acting_as(role: str):
    """Run the connection's statements as `role`, as the application's processes would."""
    _execute(f"SET ROLE {_identifier(role)}")
    try:
        yield
    finally:
        _execute("RESET ROLE")


def _refused(statement: str, match: str) -> None:
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        _execute(statement)


@pytest.fixture
def app_role():
    """The application's role, made and granted by the management command."""
    name = _role_name("app")
    out = StringIO()
    call_command("grant_app_role", role=name, create=True, stdout=out)
    assert f"Created the role {name}." in out.getvalue()
    return name


# --- TRUNCATE ------------------------------------------------------------------------------------

TRUNCATES = [
    "TRUNCATE audit_auditevent",
    "TRUNCATE django_session, audit_auditevent",
    # Emptying a table the log refers to empties the log too, and is refused with it.
    "TRUNCATE access_organisation CASCADE",
]


@pytest.mark.parametrize("statement", TRUNCATES)
def test_truncate_is_refused_even_to_a_superuser_owning_the_table(officer, statement):
    _write(officer)
    _refused(statement, "append-only: TRUNCATE refused")
    assert AuditEvent.objects.count() == 3
    assert chain.verify().checked == 3


def test_truncate_is_refused_to_an_owner_who_is_not_a_superuser(officer):
    _write(officer)
    owner = _role_name("owner")
    _execute(f"CREATE ROLE {_identifier(owner)}")
    _execute(f"ALTER TABLE audit_auditevent OWNER TO {_identifier(owner)}")
    with acting_as(owner):
        _refused("TRUNCATE audit_auditevent", "append-only: TRUNCATE refused")
    assert AuditEvent.objects.count() == 3


# --- The application's role ----------------------------------------------------------------------

APP_ROLE_REFUSED = {
    "UPDATE audit_auditevent SET justification = 'changed'": "permission denied",
    "DELETE FROM audit_auditevent": "permission denied",
    "TRUNCATE audit_auditevent": "permission denied",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only": "must be owner",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL": "must be owner",
    "DROP TRIGGER audit_event_refuses_truncate ON audit_auditevent": "must be owner",
    "DROP TABLE audit_auditevent": "must be owner",
    "CREATE TRIGGER sneak BEFORE INSERT ON audit_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_chain()": "permission denied",
    # Triggers off for the session: PostgreSQL lets only a superuser.
    "SET session_replication_role = replica": "permission denied",
}


@pytest.mark.parametrize("statement", list(APP_ROLE_REFUSED))
def test_the_application_role_cannot_change_empty_or_unprotect_the_audit_log(
    officer, app_role, statement
):
    _write(officer)
    with acting_as(app_role):
        _refused(statement, APP_ROLE_REFUSED[statement])
    assert set(AuditEvent.objects.values_list("justification", flat=True)) == {
        "checking for repeat victims"
    }
    assert chain.verify().checked == 3


def test_the_application_role_reads_and_appends_the_log_and_does_its_work(
    client, officer, partnership, app_role
):
    """Everything a user does, as the application's role: its grants are enough."""
    with acting_as(app_role):
        _write(officer, 2)
        incident = log_complaint(
            by=officer, area=partnership.areas["Blaby"], description="Loud music at night"
        )
        client.force_login(officer)
        page = client.get(reverse("incident-detail", args=[incident.urn]))
        assert page.status_code == 200
        report = chain.verify()
    assert report.intact
    assert report.checked == AuditEvent.objects.count() >= 4


def test_granting_refuses_a_role_that_could_still_empty_the_log():
    superuser = _role_name("super")
    _execute(f"CREATE ROLE {_identifier(superuser)} SUPERUSER")
    with pytest.raises(CommandError, match="is a superuser"):
        call_command("grant_app_role", role=superuser, stdout=StringIO())


# --- The compose file's roles, end to end --------------------------------------------------------

ROLES_SQL = settings.BASE_DIR / "deploy" / "postgres" / "sentinel-roles.psql"


def _server(dbname: str, user: str = "", password: str = "") -> dict:
    main = settings.DATABASES["default"]
    return {
        "host": main["HOST"] or "127.0.0.1",
        "port": main["PORT"] or 5432,
        "user": user or main["USER"],
        "password": password or main["PASSWORD"] or None,
        "dbname": dbname,
        "autocommit": True,
    }


def _run_roles_sql(database: str, owner: str, app: str, tmp_path) -> None:
    """Run the compose file's roles SQL with psql, as its init script does (as the test
    server's superuser), with these roles' names."""
    psql = shutil.which("psql")
    if psql is None:
        skip_or_fail("psql (the PostgreSQL client) runs the compose file's roles SQL")
    script = tmp_path / "roles.psql"
    script.write_text(
        ROLES_SQL.read_text().replace("sentinel_owner", owner).replace("sentinel_app", app)
    )
    server = _server(database)
    result = subprocess.run(
        [
            psql, "-X", "-q", "-v", "ON_ERROR_STOP=1",
            "-h", str(server["host"]), "-p", str(server["port"]), "-U", server["user"],
            "-d", database, "-v", f"db={database}",
            "-v", "owner_password=owner-secret", "-v", "app_password=app-secret",
            "-f", str(script),
        ],
        env={**os.environ, "PGPASSWORD": server["password"] or ""},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_the_compose_roles_migrate_as_owner_and_run_the_app_without_owning_the_log(tmp_path):
    suffix = uuid.uuid4().hex[:10]
    database, owner, app = f"sentinel_roles_{suffix}", f"owner_{suffix}", f"app_{suffix}"
    with psycopg.connect(**_server("postgres")) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        try:
            _run_roles_sql(database, owner, app, tmp_path)
            _migrate_and_check(database, owner, app)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
            for role in (app, owner):
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _migrate_and_check(database: str, owner: str, app: str) -> None:
    main = settings.DATABASES["default"]
    host, port = main["HOST"] or "127.0.0.1", main["PORT"] or 5432
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environment.update(
        DATABASE_URL=f"postgres://{app}:app-secret@{host}:{port}/{database}",
        MIGRATION_DATABASE_URL=f"postgres://{owner}:owner-secret@{host}:{port}/{database}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert f"Granted {app} what the application needs" in result.stdout
    assert result.stderr == ""  # no warning about the application's role

    with psycopg.connect(**_server(database, owner, "owner-secret")) as as_owner:
        owners = dict(
            as_owner.execute(
                "SELECT tableowner, count(*) FROM pg_tables WHERE schemaname = 'public' "
                "GROUP BY tableowner"
            ).fetchall()
        )
        assert list(owners) == [owner]  # every table is the owner's, none the app's
    with psycopg.connect(**_server(database, app, "app-secret")) as as_app:
        as_app.execute("SELECT count(*) FROM audit_auditevent")
        as_app.execute("SELECT count(*) FROM access_organisation")
        for statement, refusal in APP_ROLE_REFUSED.items():
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match=refusal):
                as_app.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_app.execute("CREATE TABLE sneak (id int)")


def test_migrations_must_use_the_applications_database():
    main = settings.DATABASES["default"]
    host, port = main["HOST"] or "127.0.0.1", main["PORT"] or 5432
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": f"postgres://app@{host}:{port}/sentinel",
            "MIGRATION_DATABASE_URL": f"postgres://owner@{host}:{port}/another",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "MIGRATION_DATABASE_URL names the database DATABASE_URL names" in result.stderr
