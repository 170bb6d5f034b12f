"""Closing a case (SPEC K1-K3, C8): each submission for closure and the decision on it."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .incident import Incident


class ClosureRequest(models.Model):
    """A lead officer's submission for closure, and the enhanced user's decision.

    Every submission is kept: a returned case that is submitted again has two rows.
    """

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "Resolved: the behaviour has stopped"
        IMPROVED = "improved", "Improved: the behaviour has reduced"
        NO_FURTHER_ACTION = "no_further_action", "No further action possible"
        REFERRED = "referred", "Referred to another agency"
        WITHDRAWN = "withdrawn", "Complaint withdrawn"

    class Decision(models.TextChoices):
        PENDING = "pending", "Awaiting decision"
        APPROVED = "approved", "Approved: case closed"
        RETURNED = "returned", "Returned to the lead officer"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="closures")
    summary = models.TextField("closing summary")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # A returned case's reason; an approval's note.
    decision_note = models.TextField(blank=True)
    # K2: a High-risk case closes only with the multi-agency group's recorded agreement.
    multi_agency_agreement = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=models.Q(decision="pending"),
                name="one_pending_closure_per_incident",
            )
        ]
        indexes = [models.Index(fields=["decision", "submitted_at"], name="closure_queue")]

    def __str__(self) -> str:
        return f"Closure of {self.incident}: {self.get_decision_display()}"
