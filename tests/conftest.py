"""Shared fixtures: the example partnership (access/partnership.py) and its users."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from access.partnership import build_partnership
from tests.access.factories import UserFactory
from tests.access.scenario import scenario  # noqa: F401 - a shared fixture
from tests.access.second_partnership import second_partnership  # noqa: F401 - a shared fixture

IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_report_header(config):
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "redis" if settings.REDIS_URL else "none (tasks run in-process)"
    return [f"sentinel: database={database}, broker={broker}, CI={IN_CI}"]


def pytest_sessionstart(session):
    # In CI the suite must run against the real services, never fall back quietly.
    if IN_CI and not settings.DATABASE_URL.startswith("postgres"):
        raise pytest.UsageError("CI=true: set DATABASE_URL to the PostgreSQL service.")
    if IN_CI and not settings.REDIS_URL:
        raise pytest.UsageError("CI=true: set REDIS_URL to the Redis service.")


def skip_or_fail(reason: str):
    """Skip on a developer's machine that lacks a service; in CI a skip is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def _flush_may_empty_the_audit_log():
    """Between transactional tests (live servers, parallel writers) Django empties every
    table with one TRUNCATE. The audit log refuses TRUNCATE from anyone (audit migration
    0009), so here, and only here, the flush switches the session's triggers off for its own
    transaction, as a superuser may (the test database's role is one)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        return original(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _tasks_run_in_process(request):
    """Unit tests run Celery tasks in-process, whatever REDIS_URL says, so that what a task
    does is checked where it is queued. Tests about the real broker and worker are marked
    `real_celery` and use Redis."""
    from sentinel.celery import app

    if request.node.get_closest_marker("real_celery"):
        yield
        return
    eager, propagates = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = eager, propagates


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(request, monkeypatch):
    """Test support only: `client.force_login(user)` (Django's test Client and DRF's
    APIClient) signs in as if the user had also entered a two-factor code when they need
    one, so that tests of pages are not all held at the two-factor step
    (access.middleware.AccountGateMiddleware).

    It gives such a user a confirmed TOTP device (unless they have one) before signing in,
    and then stores in the session what `django_otp.login` stores: the device's persistent
    id. The application itself never does this: a real session is verified only by a code.
    Tests of the gate itself are marked `@pytest.mark.password_only`, which turns this off.
    """
    if request.node.get_closest_marker("password_only"):
        return
    from django.test.client import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from access import policy

    original = Client.force_login

    def force_login(self, user, backend=None):
        device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()
        if device is None and policy.requires_two_factor(user):
            device = TOTPDevice.objects.create(user=user, name="Test device", confirmed=True)
        original(self, user, backend)
        if device is not None:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def partnership(db):
    return build_partnership()


@pytest.fixture
def make_user(partnership):
    """make_user("Blaby District Council", "operational", username=...)"""

    def make(organisation: str, group: str, **fields):
        return UserFactory(
            organisation=partnership.organisations[organisation], group=group, **fields
        )

    return make


@pytest.fixture
def documents_root(settings, tmp_path, monkeypatch) -> Path:
    """Store uploaded documents in this test's own folder, outside the web root.

    The model's FileField resolved `storages["documents"]` once, when the model was defined,
    so after overriding the setting the field is pointed at the new storage too."""
    from django.core.files.storage import storages

    from incidents.models import Document

    root = tmp_path / "private-documents"
    settings.DOCUMENTS_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    monkeypatch.setattr(Document._meta.get_field("file"), "storage", storages["documents"])
    return root
