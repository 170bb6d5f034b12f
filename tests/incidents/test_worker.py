"""Notifications through a real Celery worker on the local Redis (SPEC §16, §17).

These run a worker in another process against the test database (PostgreSQL) and Redis:
a High assessment is delivered to its supervisor exactly once, even when the worker is killed
in the middle of sending and started again; with Redis unreachable, caseworkers go on working
and the outbox catches up when it is back.
"""

import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from incidents.models import Alert, Incident, RiskQuestion, WorkingSheetEntry
from incidents.services import log_complaint
from incidents.services.risk import assess_risk
from incidents.tasks import deliver_pending_notifications
from sentinel.celery import app
from tests.conftest import skip_or_fail
from tests.support.celery_worker import VISIBILITY_TIMEOUT, Worker, wait_until

pytestmark = [
    pytest.mark.real_celery,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def worker(transactional_db, tmp_path):
    if not settings.REDIS_URL:
        skip_or_fail("REDIS_URL is not set: there is no broker for a real worker")
    if connection.vendor != "postgresql":
        skip_or_fail("a worker in another process needs the PostgreSQL test database")
    worker = Worker(tmp_path)
    yield worker
    worker.stop()


@pytest.fixture
def team(make_user, partnership):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    supervisor = make_user("Blaby District Council", UserGroup.ENHANCED)
    incident = log_complaint(
        by=officer, area=partnership.areas["Blaby"], description="Threats to the family at 4"
    )
    return officer, supervisor, incident


def make_high(incident, by):
    answers = {q.pk: True for q in RiskQuestion.objects.filter(active=True)}
    return assess_risk(incident, by=by, answers=answers)


@contextmanager
def broker_at(url: str):
    """Point this process's Celery at another broker (the worker keeps its own)."""

    def reset_pools():
        # Forget, don't close: the pools are kombu's, shared per broker URL, and the real
        # Redis's pool is needed again afterwards.
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    app.conf.broker_url = url
    reset_pools()
    try:
        yield
    finally:
        app.conf.broker_url = old
        reset_pools()


def test_a_high_assessment_reaches_its_supervisor_exactly_once(worker, team):
    officer, supervisor, incident = team
    worker.start()

    make_high(incident, officer)  # commits; the notification's task goes to Redis

    [mail] = wait_until(worker.delivered, timeout=60, what="the e-mail", worker=worker)
    assert f"To: {supervisor.email}" in mail
    assert incident.urn in mail and "Threats" not in mail
    alert = Alert.objects.get(kind=Alert.Kind.HIGH_RISK)
    assert alert.recipient == supervisor and alert.emailed_at is not None
    time.sleep(2)  # nothing else is on its way
    assert len(worker.delivered()) == 1


def test_a_worker_killed_mid_delivery_and_restarted_still_delivers_exactly_once(worker, team):
    officer, _supervisor, incident = team
    worker.start(mail_delay=120)  # a mail server that takes its time

    make_high(incident, officer)
    wait_until(worker.being_sent, timeout=60, what="the delivery to begin", worker=worker)
    killed_at = time.monotonic()
    worker.kill()

    assert worker.delivered() == []
    alert = Alert.objects.get(kind=Alert.Kind.HIGH_RISK)
    assert alert.emailed_at is None and alert.email_claimed_by  # claimed, never sent

    # Redis hands an unacknowledged message to the next worker after the visibility timeout;
    # the redelivered task carries the same id, so it may take its own claim back.
    time.sleep(max(0, VISIBILITY_TIMEOUT + 1 - (time.monotonic() - killed_at)))
    worker.start()
    wait_until(worker.delivered, timeout=90, what="the redelivered e-mail", worker=worker)
    time.sleep(VISIBILITY_TIMEOUT + 2)  # long enough for any second copy to have come
    assert len(worker.delivered()) == 1
    alert.refresh_from_db()
    assert alert.emailed_at is not None


def test_with_redis_unreachable_work_goes_on_and_the_outbox_catches_up(
    worker, team, client, caplog
):
    officer, supervisor, _ = team
    with broker_at(UNREACHABLE_REDIS):
        incident = log_complaint(
            by=officer, area=officer.organisation.jurisdictions.first().area, description="Noise"
        )
        make_high(incident, officer)  # the supervisor's notification: written, not sent
        client.force_login(officer)
        page = client.post(
            reverse("entry-add", args=[incident.urn]),
            {
                "kind": WorkingSheetEntry.Kind.VICTIM_CONTACT,
                "text": "Phoned the victim: no further incidents.",
                "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert page.status_code == 302, page.content.decode()[:2000]

    incident.refresh_from_db()
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert incident.entries.filter(kind=WorkingSheetEntry.Kind.VICTIM_CONTACT).exists()
    assert timezone.localdate(incident.victim_clock_from) == timezone.localdate()
    alert = Alert.objects.get(kind=Alert.Kind.HIGH_RISK, incident=incident)
    assert (alert.recipient, alert.emailed_at, alert.email_claimed_by) == (supervisor, None, "")
    assert worker.delivered() == []
    # Not silent: the failed hand-over to Celery is logged for operators.
    assert any("on_commit" in record.getMessage() for record in caplog.records)

    # Redis is back: the beat's outbox sweep queues what was missed; the worker sends it.
    worker.start()
    deliver_pending_notifications.delay(grace_seconds=0)  # as the beat does every 5 minutes
    [mail] = wait_until(worker.delivered, timeout=60, what="the e-mail", worker=worker)
    assert f"To: {supervisor.email}" in mail
    alert.refresh_from_db()
    assert alert.emailed_at is not None
