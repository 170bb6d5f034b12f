"""Tasks raised against an incident, and trigger alerts between users (SPEC W2, W3)."""

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


class Alert(models.Model):
    """A trigger alert: "this record needs your attention". In-app, and by an e-mail that
    carries no personal data (only the URN, the kind of alert and a link)."""

    class Kind(models.TextChoices):
        ATTENTION = "attention", "Needs attention"
        NEW_COMPLAINT = "new_complaint", "New complaint to allocate"
        REQUEST_FOR_INFORMATION = "request_for_information", "Request for information"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.ATTENTION)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts"
    )
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="alert_inbox")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.incident}"
