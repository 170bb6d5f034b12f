"""Tasks raised against an incident, and trigger alerts between users (SPEC W2, W3)."""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .incident import Incident


class Task(models.Model):
    """A task assigned to a user, possibly in another organisation.

    While a task is open, its assignee may see and work the incident (the policy computes
    this from the task itself, so the access ends when the task is done or reassigned).
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    completion_note = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["assigned_to", "status"], name="task_by_assignee"),
            models.Index(fields=["incident", "status"], name="task_by_incident"),
        ]

    def __str__(self) -> str:
        return self.title


def new_alert_key() -> str:
    """The key of an alert that one person sends another: every such alert is its own cause."""
    return f"alert:{uuid.uuid4().hex}"


class Alert(models.Model):
    """A notification: an entry in the recipient's in-app inbox, and the outbox of its e-mail
    (SPEC W3, R2, R3, §16-§17).

    Written in the same transaction as its cause, so nothing is lost if Redis or the worker is
    down; Celery delivers the e-mail later. `key` names the cause ("high-risk:assessment-12:
    user-5", "victim-update-due:incident-3:clock-1732000000:user-7") and is unique, so however
    often a sweep or a task runs, one cause notifies one person once. The e-mail carries no
    personal data: the URN, the kind of alert and a link.
    """

    class Kind(models.TextChoices):
        ATTENTION = "attention", "Needs attention"
        NEW_COMPLAINT = "new_complaint", "New complaint to allocate"
        REQUEST_FOR_INFORMATION = "request_for_information", "Request for information"
        TASK_ASSIGNED = "task_assigned", "Task assigned"
        TASK_DUE = "task_due", "Task due"
        TASK_OVERDUE = "task_overdue", "Task overdue"
        HIGH_RISK = "high_risk", "High risk: supervision needed"
        VICTIM_UPDATE_DUE = "victim_update_due", "Victim update due"
        VICTIM_UPDATE_OVERDUE = "victim_update_overdue", "Victim update overdue"
        VICTIM_UPDATE_ESCALATED = "victim_update_escalated", "Victim update overdue: escalated"

    # What one person may send another (W3); the rest are written by the system.
    PERSON_TO_PERSON = (Kind.ATTENTION, Kind.REQUEST_FOR_INFORMATION)

    key = models.CharField(max_length=200, unique=True, default=new_alert_key, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.ATTENTION)
    # Empty for the system's own notifications (reminders, escalations).
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts"
    )
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # E-mail delivery: claimed by one Celery task (its id) at a time, then marked sent.
    email_claimed_by = models.CharField(max_length=64, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["email_claimed_by", "email_claimed_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="alert_inbox"),
            models.Index(
                fields=["created_at"],
                name="alert_email_outbox",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.incident}"
