"""Reminders and escalations, run by Celery beat (SPEC W2, R3; §17).

Each sweep finds what is due now and writes a notification per person told, keyed by its
cause (services/notifications.py): the same task and due date, or the same case and victim
clock, never notifies the same person twice, however often or concurrently the sweep runs.
A new victim contact restarts the clock, and with it the reminders.

    remind_tasks            tasks due today or tomorrow (the assignee, once), and overdue
                            tasks (the assignee, once per due date)
    remind_victim_updates   victim updates due (the lead officer) and overdue (the lead
                            officer and, escalated, the supervisors), once per clock
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from access import policy

from ..models import Alert, CaseRules, Incident, Task
from ..queries import VictimUpdate, victim_updates
from .notifications import notify

Kind = Alert.Kind
# A task is "due" (and reminded) from this many days before its due date.
TASK_NOTICE_DAYS = 1


def _may_be_told(user, incident: Incident) -> bool:
    return user is not None and policy.can(user, policy.Action.VIEW, incident)


def remind_tasks(*, today: date | None = None) -> int:
    """Remind assignees of open tasks due soon and of overdue ones (W2). Returns how many
    notifications were written."""
    today = today or timezone.localdate()
    sent = 0
    soon = today + timedelta(days=TASK_NOTICE_DAYS)
    tasks = (
        Task.objects.filter(status=Task.Status.OPEN, due_on__lte=soon)
        .select_related("incident__lead_organisation", "assigned_to__organisation")
        .order_by("pk")
    )
    for task in tasks.iterator(chunk_size=500):
        if not _may_be_told(task.assigned_to, task.incident):
            continue
        overdue = task.due_on < today
        kind = Kind.TASK_OVERDUE if overdue else Kind.TASK_DUE
        cause = "task-overdue" if overdue else "task-due"
        with transaction.atomic():
            written = notify(
                task.incident,
                recipient=task.assigned_to,
                kind=kind,
                key=f"{cause}:task-{task.pk}:due-{task.due_on}:user-{task.assigned_to_id}",
                message=f"{task.title} (due {task.due_on:%d/%m/%Y})",
            )
        sent += written is not None
    return sent


def remind_victim_updates(*, today: date | None = None) -> int:
    """Remind lead officers of victim updates coming due, and tell them and their supervisors
    of overdue ones (R3). Returns how many notifications were written."""
    today = today or timezone.localdate()
    rules = CaseRules.current()
    sent = 0
    for state in (VictimUpdate.DUE, VictimUpdate.OVERDUE):
        cases = (
            Incident.objects.filter(victim_updates(state, today=today, rules=rules))
            .select_related("lead_officer__organisation", "lead_organisation")
            .order_by("pk")
        )
        for incident in cases.iterator(chunk_size=500):
            with transaction.atomic():
                sent += _victim_update_notices(incident, state)
    return sent


def _victim_update_notices(incident: Incident, state: str) -> int:
    clock = f"incident-{incident.pk}:clock-{int(incident.victim_clock_from.timestamp())}"
    recipients = []
    lead = incident.lead_officer
    if _may_be_told(lead, incident):
        overdue = state == VictimUpdate.OVERDUE
        kind = Kind.VICTIM_UPDATE_OVERDUE if overdue else Kind.VICTIM_UPDATE_DUE
        recipients.append((lead, kind, f"victim-update-{state}"))
    if state == VictimUpdate.OVERDUE:
        recipients += [
            (supervisor, Kind.VICTIM_UPDATE_ESCALATED, "victim-update-escalated")
            for supervisor in policy.supervisors_of(incident)
            if supervisor.pk != incident.lead_officer_id
        ]
    written = 0
    for user, kind, cause in recipients:
        alert = notify(incident, recipient=user, kind=kind, key=f"{cause}:{clock}:user-{user.pk}")
        written += alert is not None
    return written
