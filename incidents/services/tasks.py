"""Tasks raised against an incident (SPEC W2) and trigger alerts between users (W3).

A task's assignee may see and work the incident while the task is open: access/policy/
computes that from the Task row itself, so completing, cancelling or reassigning a task ends
the old assignee's access with no grant to revoke.

Alerts and the notice to a task's assignee are notifications (services/notifications.py):
written in the same transaction, e-mailed by Celery after commit, never with personal data.
Reminders of tasks due and overdue are sent by services/reminders.py.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from access import policy
from access.models import User, UserGroup
from audit.models import AuditEvent
from audit.services import record_event

from ..models import Alert, Incident, Task
from ..models.tasks import new_alert_key
from .notifications import notify

BASIC_CANNOT_WORK = "Basic users cannot work cases."


# --- Who may be given a task or an alert ------------------------------------------------------


def assignable_users(viewer):
    """Enabled users of the viewer's partnership whose organisations may use the system now,
    other than basic users (basic users log skeleton complaints and nothing else, G1). The
    same rule as `policy.may_use_system`, as a query for choice lists."""
    now = timezone.now()
    suspended = Q(organisation__suspended_from__lte=now) & (
        Q(organisation__suspended_until__isnull=True) | Q(organisation__suspended_until__gt=now)
    )
    return (
        policy.partnership_users(viewer)
        .filter(is_active=True, organisation__is_active=True)
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
    if not policy.works_cases(user):
        return BASIC_CANNOT_WORK
    return None


CANNOT_SHARE = (
    "{user} cannot see this incident, and a task would share it with them. Only someone who "
    "may edit the incident may share it: choose someone who can already see it, or ask an "
    "officer working the case."
)


def _grant_error(incident: Incident, by: User, assignee: User) -> str | None:
    """A task opens the incident to its assignee, so it may not grant more than its raiser
    may share (`policy.may_give_task`)."""
    if not policy.may_give_task(by, assignee, incident):
        return CANNOT_SHARE.format(user=assignee)
    return None


def _require_raiser(incident: Incident, by: User) -> None:
    """Raising a task or an alert: anyone but a basic user who can see the incident (G-table)."""
    if not policy.works_cases(by) or not policy.can(by, policy.Action.VIEW, incident):
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
    if problem := _assignee_error(assigned_to) or _grant_error(incident, by, assigned_to):
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
        target=("incident", incident.urn),
        details={"task": task.pk, "assigned_to": assigned_to.pk, "due_on": due_on.isoformat()},
    )
    _tell_assignee(task, by=by)
    return task


def _tell_assignee(task: Task, *, by: User) -> None:
    if task.assigned_to_id != by.pk:
        create_alert(
            task.incident,
            sender=by,
            recipient=task.assigned_to,
            kind=Alert.Kind.TASK_ASSIGNED,
        )


def _require_open(task: Task) -> None:
    if task.status != Task.Status.OPEN:
        raise ValidationError(
            {"__all__": f"This task is already {task.get_status_display().lower()}."}
        )


def _require_allowed(task: Task, by: User, action: str) -> None:
    """The task rules (`policy.task_permissions`), asked of the database for this user."""
    allowed = policy.task_permissions(
        by,
        task,
        can_view=lambda: policy.can(by, policy.Action.VIEW, task.incident),
        can_edit=lambda: policy.can(by, policy.Action.EDIT, task.incident),
    )
    if not allowed[action]:
        raise PermissionDenied


@transaction.atomic
def complete_task(task: Task, *, by: User, note: str) -> Task:
    """Mark a task done, with a note of what was done. The assignee, or anyone who may edit
    the incident, may complete it. The assignee's access through this task ends."""
    task = Task.objects.select_for_update().select_related("incident").get(pk=task.pk)
    _require_allowed(task, by, "complete")
    _require_open(task)
    if not (note or "").strip():
        raise ValidationError({"note": "Enter what was done."})
    task.status = Task.Status.DONE
    task.completion_note = note.strip()
    task.completed_at = timezone.now()
    task._history_user = by
    task.save(update_fields=["status", "completion_note", "completed_at"])
    _record_task_update(task, by=by, change="completed")
    return task


@transaction.atomic
def cancel_task(task: Task, *, by: User, reason: str) -> Task:
    """Cancel an open task, saying why (kept as its completion note). Whoever raised it, or
    anyone who may edit the incident, may cancel it. The assignee's access through it ends."""
    task = Task.objects.select_for_update().select_related("incident").get(pk=task.pk)
    _require_allowed(task, by, "cancel")
    _require_open(task)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Enter why the task is cancelled."})
    task.status = Task.Status.CANCELLED
    task.completion_note = reason.strip()
    task.completed_at = timezone.now()
    task._history_user = by
    task.save(update_fields=["status", "completion_note", "completed_at"])
    _record_task_update(task, by=by, change="cancelled")
    return task


@transaction.atomic
def reassign_task(task: Task, *, by: User, to: User | None) -> Task:
    """Give an open task to someone else. Allowed to its assignee, whoever raised it, and
    anyone who may edit the incident (never a basic user); the new assignee is checked as in
    `raise_task`. The old assignee's access through this task ends with the reassignment."""
    task = Task.objects.select_for_update().select_related("incident").get(pk=task.pk)
    _require_allowed(task, by, "reassign")
    _require_open(task)
    if problem := _assignee_error(to) or _grant_error(task.incident, by, to):
        raise ValidationError({"to": problem})
    if to.pk == task.assigned_to_id:
        raise ValidationError({"to": f"The task is already assigned to {to}."})
    old = task.assigned_to_id
    task.assigned_to = to
    task._history_user = by
    task.save(update_fields=["assigned_to"])
    _record_task_update(task, by=by, change="reassigned", old=old, new=to.pk)
    _tell_assignee(task, by=by)
    return task


def _record_task_update(task: Task, *, by: User, change: str, **details) -> None:
    record_event(
        AuditEvent.Type.TASK_UPDATED,
        actor=by,
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
) -> Alert:
    """Put an alert from `sender` in `recipient`'s inbox and e-mail them after commit. LOW
    LEVEL: callers check access (the complaint-logging flow calls this when a basic user
    alerts someone to a skeleton complaint). Each alert is its own cause (a fresh key).
    Audits ALERT_SENT."""
    if kind not in Alert.Kind.values:
        raise ValidationError({"kind": "Choose the kind of alert."})
    return notify(
        incident,
        recipient=recipient,
        kind=kind,
        key=new_alert_key(),
        sender=sender,
        message=message,
    )


@transaction.atomic
def send_alert(
    incident: Incident,
    *,
    by: User,
    recipient: User | None,
    kind: str = Alert.Kind.ATTENTION,
    message: str = "",
) -> Alert:
    """Alert another user that this incident needs their attention (W3).

    `by` must be able to see the incident and not be a basic user (a basic user alerts
    someone only while logging a skeleton complaint, through `create_alert`). The recipient
    must be able to see it too: an alert never shares a record; a task does.
    """
    _require_raiser(incident, by)
    if kind not in Alert.PERSON_TO_PERSON:
        raise ValidationError({"kind": "Choose the kind of alert."})
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
    return create_alert(incident, sender=by, recipient=recipient, kind=kind, message=message)


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
