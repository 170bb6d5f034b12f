"""Background work for the incidents app: thin tasks over the services (CONTRIBUTING.md).

Every notification is already in the database (the outbox) before any task runs; these tasks
only deliver and remind. They take ids, re-fetch, tolerate rows that have gone (an incident
deleted by retention) and are safe to run twice (services/notifications.py explains how a
notification's e-mail goes once).

Reliability settings, chosen on purpose (sentinel/settings.py):
- `acks_late` + `task_reject_on_worker_lost`: a message is acknowledged after its task has
  run, so a worker killed mid-task leaves it to be delivered again;
- the Redis visibility timeout (CELERY_VISIBILITY_TIMEOUT, default one hour) is how long an
  unacknowledged message waits before Redis gives it to another worker: longer than any task
  runs, and no task here is scheduled further ahead than it (retries back off at most 15
  minutes);
- mail-server failures retry with exponential backoff and jitter, for about an hour; after
  that the outbox sweep (`deliver_pending_notifications`) tries again every few minutes for a
  week.
"""

from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task

from .services import notifications, reminders

# Retry when the mail server is unreachable or refuses.
_MAIL_ERRORS = (SMTPException, ConnectionError, TimeoutError, OSError)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=_MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=8,
)
def deliver_notification(self, alert_id: int) -> bool:
    """E-mail one notification (URN, kind and link only), at most once. The task's id is its
    claim on the notification: a redelivery of this same message may send, another may not."""
    return notifications.email_notification(alert_id, claim=self.request.id or "")


@shared_task(acks_late=True)
def deliver_pending_notifications(grace_seconds: int | None = None) -> int:
    """Drain the outbox: queue the e-mail of notifications written while the broker or the
    worker was down, or claimed by a task that died. On the beat schedule (every 5 minutes)."""
    kwargs = {} if grace_seconds is None else {"grace": timedelta(seconds=grace_seconds)}
    ids = notifications.pending_email_ids(**kwargs)
    for alert_id in ids:
        deliver_notification.delay(alert_id)
    return len(ids)


@shared_task(acks_late=True)
def remind_tasks() -> int:
    """Remind assignees of tasks due and overdue, once each. On the beat schedule (daily)."""
    return reminders.remind_tasks()


@shared_task(acks_late=True)
def remind_victim_updates() -> int:
    """Victim updates due and overdue, with escalation, once per clock. On the beat schedule
    (daily)."""
    return reminders.remind_victim_updates()
