"""Background work for the incidents app (CONVENTIONS: thin tasks over services).

Alerts are written to the database first (the outbox) and e-mailed from here. Tasks take
ids, re-fetch, tolerate rows that have gone (an incident deleted by retention), and are safe
to run twice: `email_alert_now` claims the alert with a conditional UPDATE on
`emailed_at IS NULL`, so a duplicate delivery of the same message sends nothing.

There is no separate `email_task`: a task's assignee is told by an alert ("Task assigned"),
whose e-mail goes through `email_alert`. The Task model has no field on which a send could
be claimed, and the alert gives the assignee an inbox entry as well as the e-mail.
"""

from smtplib import SMTPException

from celery import shared_task

from .services import tasks as task_services

# Retry when the mail server is unreachable or refuses: up to about an hour of backoff.
_MAIL_ERRORS = (SMTPException, ConnectionError, TimeoutError, OSError)


@shared_task(
    acks_late=True,
    autoretry_for=_MAIL_ERRORS,
    retry_backoff=30,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=8,
)
def email_alert(alert_id: int) -> bool:
    """E-mail the recipient of one alert (URN, kind and link only), at most once."""
    return task_services.email_alert_now(alert_id)


@shared_task(acks_late=True)
def email_unsent_alerts() -> int:
    """Drain the outbox: queue the e-mail of alerts written while the broker was down.
    Meant for the beat schedule (every 15 minutes)."""
    ids = task_services.unsent_alert_ids()
    for alert_id in ids:
        email_alert.delay(alert_id)
    return len(ids)


@shared_task(acks_late=True)
def remind_overdue_tasks() -> int:
    """Remind assignees of overdue tasks, once each. Meant for the beat schedule (daily)."""
    return task_services.remind_overdue_tasks()
