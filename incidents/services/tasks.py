"""Tasks raised against an incident (SPEC W2) and trigger alerts between users (W3).

A task's assignee may see and work the incident while the task is open: access/policy.py
computes that from the Task row itself, so completing, cancelling or reassigning a task ends
the old assignee's access with no grant to revoke.

Alerts are written to the database first (an outbox) and e-mailed by a Celery task
(incidents/tasks.py) after the transaction commits. An e-mail never carries personal data:
only the URN, the kind of alert and a link (W3). A task's assignee is told by an alert
("Task assigned"), so task e-mails share the alerts' exactly-once claim on Alert.emailed_at
(the Task model has no field to claim; see the module docs of incidents/tasks.py).
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from access import policy
from access.models import User, UserGroup
from audit.models import AuditEvent
from audit.services import record_event

from ..models import Alert, Incident, Task

logger = logging.getLogger(__name__)

TASK_ASSIGNED_MESSAGE = "Task assigned"
# An overdue reminder's message names the task and its due date: it is the record that the
# reminder was sent, so a second sweep finds it and sends nothing (SPEC §17).
TASK_OVERDUE_PREFIX = "Task overdue"
BASIC_CANNOT_WORK = "Basic users cannot work cases."


# --- Who may be given a task or an alert ------------------------------------------------------


def assignable_users():
    """Enabled users of organisations that may use the system now, other than basic users
    (basic users log skeleton complaints and nothing else, G1). The same rule as
    `policy.may_use_system`, as a query for choice lists."""
    now = timezone.now()
    suspended = Q(organisation__suspended_from__lte=now) & (
        Q(organisation__suspended_until__isnull=True) | Q(organisation__suspended_until__gt=now)
    )
    return (
        User.objects.filter(is_active=True, organisation__is_active=True)
        .exclude(suspended)
        .exclude(group=UserGroup.BASIC)
        .select_related("organisation")
        .order_by("organisation__name", "first_name", "last_name", "username")
    )


def _assignee_error(user: User | None) -> str | None:
    if user is None:
        return "Choose who the task is for."
    if not policy.may_use_system(user):
        return f"{user} cannot use the system at the moment. Choose someone else."
    if user.group == UserGroup.BASIC:
        return BASIC_CANNOT_WORK
    return None


def _require_raiser(incident: Incident, by: User) -> None:
    """Raising a task or an alert: anyone but a basic user who can see the incident (G-table)."""
    if by.group == UserGroup.BASIC or not policy.can(by, policy.Action.VIEW, incident):
        raise PermissionDenied


# --- Tasks ------------------------------------------------------------------------------------


@transaction.atomic
def raise_task(
    incident: Incident,
    *,
    by: User,
    assigned_to: User | None,
    title: str,
    due_on: date | None,
    details: str = "",
    request=None,
) -> Task:
    """Raise a task on the incident for `assigned_to` (possibly in another organisation, who
    may then see and work the incident while the task is open).

    Raises PermissionDenied when `by` cannot see the incident or is a basic user, and
    ValidationError (field -> message) for bad input. Audits TASK_RAISED and tells the
    assignee (an in-app alert, e-mailed after commit).
    """
    _require_raiser(incident, by)
    if incident.status == Incident.Status.CLOSED:
        raise ValidationError({"__all__": "This case is closed. Reopen it to raise a task."})
    errors: dict[str, str] = {}
    if problem := _assignee_error(assigned_to):
        errors["assigned_to"] = problem
    title = (title or "").strip()
    if not title:
        errors["title"] = "Enter what needs to be done."
    elif len(title) > Task._meta.get_field("title").max_length:
        errors["title"] = "The task must be 200 characters or fewer."
    if due_on is None:
        errors["due_on"] = "Enter the date the task is due."
    elif due_on < timezone.localdate():
        errors["due_on"] = "The due date must be today or in the future."
    if errors:
        raise ValidationError(errors)

    task = Task(
        incident=incident,
        title=title,
        details=(details or "").strip(),
        assigned_to=assigned_to,
        assigned_by=by,
        due_on=due_on,
    )
    task._history_user = by
    task.save()
    record_event(
        AuditEvent.Type.TASK_RAISED,
        actor=by,
        request=request,
        target=("incident", incident.urn),
        details={"task": task.pk, "assigned_to": assigned_to.pk, "due_on": due_on.isoformat()},
    )
    _tell_assignee(task, by=by, request=request)
    return task


def _tell_assignee(task: Task, *, by: User, request=None) -> None:
    if task.assigned_to_id != by.pk:
        create_alert(
            task.incident,
            sender=by,
            recipient=task.assigned_to,
            message=TASK_ASSIGNED_MESSAGE,
            request=request,
        )


def _require_open(task: Task) -> None:
    if task.status != Task.Status.OPEN:
        raise ValidationError(
            {"__all__": f"This task is already {task.get_status_display().lower()}."}
        )


def _may_edit(by: User, task: Task) -> bool:
    return policy.can(by, policy.Action.EDIT, task.incident)


@transaction.atomic
def complete_task(task: Task, *, by: User, note: str, request=None) -> Task:
    """Mark a task done, with a note of what was done. The assignee, or anyone who may edit
    the incident, may complete it. The assignee's access through this task ends."""
    task = Task.objects.select_for_update().select_related("incident").get(pk=task.pk)
    if task.assigned_to_id != by.pk and not _may_edit(by, task):
        raise PermissionDenied
    _require_open(task)
    if not (note or "").strip():
        raise ValidationError({"note": "Enter what was done."})
    task.status = Task.Status.DONE
    task.completion_note = note.strip()
    task.completed_at = timezone.now()
    task._history_user = by
    task.save(update_fields=["status", "completion_note", "completed_at"])
    _record_task_update(task, by=by, change="completed", request=request)
    return task


@transaction.atomic
def cancel_task(task: Task, *, by: User, reason: str, request=None) -> Task:
    """Cancel an open task, saying why (kept as its completion note). Whoever raised it, or
    anyone who may edit the incident, may cancel it. The assignee's access through it ends."""
    task = Task.objects.select_for_update().select_related("incident").get(pk=task.pk)
    raised_it = task.assigned_by_id == by.pk and policy.can(by, policy.Action.VIEW, task.incident)
    if not raised_it and not _may_edit(by, task):
        raise PermissionDenied
    _require_open(task)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Enter why the task is cancelled."})
    task.status = Task.Status.CANCELLED
    task.completion_note = reason.strip()
    task.completed_at = timezone.now()
    task._history_user = by
    task.save(update_fields=["status", "completion_note", "completed_at"])
    _record_task_update(task, by=by, change="cancelled", request=request)
    return task


@transaction.atomic
def reassign_task(task: Task, *, by: User, to: User | None, request=None) -> Task:
    """Give an open task to someone else. Allowed to its assignee, whoever raised it, and
    anyone who may edit the incident (never a basic user); the new assignee is checked as in
    `raise_task`. The old assignee's access through this task ends with the reassignment."""
    task = Task.objects.select_for_update().select_related("incident").get(pk=task.pk)
    involved = by.pk in (task.assigned_to_id, task.assigned_by_id) and policy.can(
        by, policy.Action.VIEW, task.incident
    )
    if by.group == UserGroup.BASIC or not (involved or _may_edit(by, task)):
        raise PermissionDenied
    _require_open(task)
    if problem := _assignee_error(to):
        raise ValidationError({"to": problem})
    if to.pk == task.assigned_to_id:
        raise ValidationError({"to": f"The task is already assigned to {to}."})
    old = task.assigned_to_id
    task.assigned_to = to
    task._history_user = by
    task.save(update_fields=["assigned_to"])
    _record_task_update(task, by=by, change="reassigned", request=request, old=old, new=to.pk)
    _tell_assignee(task, by=by, request=request)
    return task


def _record_task_update(task: Task, *, by: User, change: str, request=None, **details) -> None:
    record_event(
        AuditEvent.Type.TASK_UPDATED,
        actor=by,
        request=request,
        target=("incident", task.incident.urn),
        details={"task": task.pk, "change": change, **details},
    )


# --- Alerts -----------------------------------------------------------------------------------


@transaction.atomic
def create_alert(
    incident: Incident,
    *,
    sender: User,
    recipient: User,
    kind: str = Alert.Kind.ATTENTION,
    message: str = "",
    request=None,
) -> Alert:
    """Put an alert in `recipient`'s inbox and e-mail them after commit. LOW LEVEL: callers
    check access (the complaint-logging flow calls this when a basic user alerts someone to a
    skeleton complaint). Audits ALERT_SENT."""
    if kind not in Alert.Kind.values:
        raise ValidationError({"kind": "Choose the kind of alert."})
    alert = Alert(
        incident=incident,
        kind=kind,
        sender=sender,
        recipient=recipient,
        message=(message or "").strip(),
    )
    alert._history_user = sender
    alert.save()
    record_event(
        AuditEvent.Type.ALERT_SENT,
        actor=sender,
        request=request,
        target=("incident", incident.urn),
        details={"alert": alert.pk, "kind": kind, "recipient": recipient.pk},
    )
    transaction.on_commit(lambda: _queue_alert_email(alert.pk), robust=True)
    return alert


def _queue_alert_email(alert_id: int) -> None:
    from ..tasks import email_alert

    email_alert.delay(alert_id)


@transaction.atomic
def send_alert(
    incident: Incident,
    *,
    by: User,
    recipient: User | None,
    kind: str = Alert.Kind.ATTENTION,
    message: str = "",
    request=None,
) -> Alert:
    """Alert another user that this incident needs their attention (W3).

    `by` must be able to see the incident and not be a basic user (a basic user alerts
    someone only while logging a skeleton complaint, through `create_alert`). The recipient
    must be able to see it too: an alert never shares a record; a task does.
    """
    _require_raiser(incident, by)
    if recipient is None:
        raise ValidationError({"recipient": "Choose who to alert."})
    if recipient.pk == by.pk:
        raise ValidationError({"recipient": "Choose someone other than yourself."})
    if not policy.can(recipient, policy.Action.VIEW, incident):
        raise ValidationError(
            {
                "recipient": f"{recipient} cannot see this incident. "
                "Raise a task to share it with them."
            }
        )
    return create_alert(
        incident, sender=by, recipient=recipient, kind=kind, message=message, request=request
    )


@transaction.atomic
def mark_alert_read(alert: Alert, *, by: User) -> Alert:
    """Mark an alert read. Only its recipient may; reading it twice changes nothing."""
    if alert.recipient_id != by.pk:
        raise PermissionDenied
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.read_at is None:
        alert.read_at = timezone.now()
        alert._history_user = by
        alert.save(update_fields=["read_at"])
    return alert


def _overdue_message(task: Task) -> str:
    return f"{TASK_OVERDUE_PREFIX}: {task.title} (task {task.pk}, due {task.due_on:%d/%m/%Y})"


def remind_overdue_tasks(*, today: date | None = None) -> int:
    """Remind the assignee of every overdue open task, once per task and assignee (W2):
    an alert in their inbox, e-mailed after commit. Safe to run twice or concurrently: each
    task is locked while its reminder is looked for and written. Returns how many were sent.
    """
    today = today or timezone.localdate()
    sent = 0
    overdue = Task.objects.filter(status=Task.Status.OPEN, due_on__lt=today).values_list(
        "pk", flat=True
    )
    for task_id in list(overdue):
        with transaction.atomic():
            task = (
                Task.objects.select_for_update(of=("self",))
                .select_related("incident", "assigned_to__organisation", "assigned_by")
                .filter(pk=task_id, status=Task.Status.OPEN)
                .first()
            )
            if task is None or not policy.may_use_system(task.assigned_to):
                continue
            message = _overdue_message(task)
            if Alert.objects.filter(
                incident_id=task.incident_id, recipient_id=task.assigned_to_id, message=message
            ).exists():
                continue
            create_alert(
                task.incident, sender=task.assigned_by, recipient=task.assigned_to, message=message
            )
            sent += 1
    return sent


# --- E-mail (run by the Celery tasks in incidents/tasks.py) -----------------------------------


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def alert_email(alert: Alert) -> tuple[str, str]:
    """The subject and body of an alert's e-mail: the URN, the kind of alert and a link,
    nothing else (W3). A Confidential incident is never e-mailed (V4): its e-mail does not
    even name the URN, and links to the inbox."""
    confidential = alert.incident.is_confidential
    if alert.message == TASK_ASSIGNED_MESSAGE:
        kind, about_task = "Task assigned", "A task has been assigned to you"
    elif alert.message.startswith(TASK_OVERDUE_PREFIX):
        kind, about_task = "Task overdue", "A task assigned to you is overdue"
    else:
        kind, about_task = alert.get_kind_display(), ""
    if confidential or about_task:
        link = site_url() + reverse("inbox")
    else:
        link = site_url() + reverse("incident-detail", args=[alert.incident.urn])
    text = render_to_string(
        "emails/alert.txt",
        {
            "urn": "" if confidential else alert.incident.urn,
            "kind": kind,
            "about_task": about_task,
            "link": link,
            "service_name": settings.SERVICE_NAME,
        },
    )
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def email_alert_now(alert_id: int) -> bool:
    """Send an alert's e-mail at most once, however often this runs (at-least-once tasks).

    Claims the alert with a conditional UPDATE on `emailed_at IS NULL`; only the run that
    claimed it sends. If sending fails the claim is released, so a retry can send. A worker
    killed between claim and send leaves the alert claimed: it is never sent twice, at the
    cost of possibly never (the in-app inbox still shows it). Returns whether it was sent.
    """
    alert = (
        Alert.objects.select_related("incident", "recipient__organisation")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None or alert.emailed_at is not None:
        return False
    if not alert.recipient.email or not policy.may_use_system(alert.recipient):
        return False
    claimed_at = timezone.now()
    claimed = Alert.objects.filter(pk=alert_id, emailed_at__isnull=True).update(
        emailed_at=claimed_at
    )
    if not claimed:
        return False
    subject, body = alert_email(alert)
    try:
        send_mail(subject, body, None, [alert.recipient.email], fail_silently=False)
    except Exception:
        Alert.objects.filter(pk=alert_id, emailed_at=claimed_at).update(emailed_at=None)
        raise
    return True


def unsent_alert_ids(*, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Alerts whose e-mail was never sent (the broker was down when they were written):
    the outbox that a periodic task drains. Only the last week: older news is not news."""
    now = timezone.now()
    return list(
        Alert.objects.filter(
            emailed_at__isnull=True,
            created_at__lt=now - older_than,
            created_at__gte=now - timedelta(days=7),
        )
        .exclude(recipient__email="")
        .values_list("pk", flat=True)[:500]
    )
