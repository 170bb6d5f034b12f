"""Retention (SPEC §13, D1-D5): how long a closed case is kept, what happens when it falls
due, and what is left once it is erased.

- `RetentionRule` is reference data (M2): for closed incidents of a category / outcome /
  marking, a period after closure and whether they are then deleted automatically or
  reviewed first. The most specific rule that matches wins (retention/rules.py).
- `IncidentRetention` is one incident's retention state, created when someone changes it:
  the deletion flag when it differs from the rule's, a legal hold, the review queue, and the
  next review date after a decision to keep. No row means "as the rule says".
- `RetentionDecision` records each review decision (a decision to keep is a decision too).
- `ErasedIncident` is the tombstone: the URN, dates, rule and who or what decided, and no
  personal data. `PendingFileDeletion` holds the storage names of erased documents until the
  files are gone, so that a sweep killed after its commit still removes them on the next run.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from incidents.models import ClosureRequest, Incident


class DeletionFlag(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic deletion"
    REVIEW = "review", "Review before deletion"


class RetentionRule(models.Model):
    """Blank criteria match anything; a rule with more criteria is more specific."""

    name = models.CharField(max_length=120, unique=True)
    category = models.CharField(
        "ASB category", max_length=20, choices=Incident.Category.choices, blank=True
    )
    outcome = models.CharField(
        "closure outcome", max_length=20, choices=ClosureRequest.Outcome.choices, blank=True
    )
    marking = models.CharField(
        "protective marking", max_length=20, choices=Incident.Marking.choices, blank=True
    )
    retain_for_months = models.PositiveSmallIntegerField(
        "keep for (months after closure)",
        help_text="Counted from the date the case was closed.",
    )
    deletion = models.CharField(
        "when due", max_length=10, choices=DeletionFlag.choices, default=DeletionFlag.REVIEW
    )
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "outcome", "marking"],
                condition=models.Q(active=True),
                name="one_active_rule_per_criteria",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def specificity(self) -> int:
        return sum(bool(value) for value in (self.category, self.outcome, self.marking))

    def describe_criteria(self) -> str:
        parts = [
            self.get_category_display() if self.category else "",
            self.get_outcome_display() if self.outcome else "",
            self.get_marking_display() if self.marking else "",
        ]
        return ", ".join(part for part in parts if part) or "Any closed incident"


class IncidentRetention(models.Model):
    class Review(models.TextChoices):
        NONE = "", "Not in review"
        QUEUED = "queued", "Awaiting review"
        RETAINED = "retained", "Kept after review"

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="retention")
    # Empty: the matching rule's flag applies.
    deletion = models.CharField(max_length=10, choices=DeletionFlag.choices, blank=True)
    deletion_reason = models.TextField(blank=True)
    legal_hold = models.BooleanField(default=False)
    legal_hold_reason = models.TextField(blank=True)
    review = models.CharField(max_length=10, choices=Review.choices, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    # After a decision to keep: when the case falls due for review again.
    review_on = models.DateField(null=True, blank=True)
    # Optimistic concurrency (§16), and the sweep's "changed since selected" check (D5).
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        indexes = [
            models.Index(
                fields=["queued_at"],
                name="retention_review_queue",
                condition=models.Q(review="queued"),
            )
        ]

    def __str__(self) -> str:
        return f"Retention of {self.incident_id}"


class RetentionDecision(models.Model):
    """An administrator's decision on a case in the review queue (SPEC D2)."""

    class Decision(models.TextChoices):
        DELETE = "delete", "Delete"
        RETAIN = "retain", "Keep"

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="retention_decisions"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(blank=True)
    review_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.incident_id}"


class ErasedIncident(models.Model):
    """What is left of an erased incident: no names, no free text, no addresses."""

    class DecidedBy(models.TextChoices):
        SWEEP = "sweep", "Automatic deletion by the retention sweep"
        REVIEW = "review", "Deleted after review"

    urn = models.CharField("reference", max_length=20, unique=True)
    lead_organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    rule_name = models.CharField(max_length=120, blank=True)
    retain_for_months = models.PositiveSmallIntegerField(null=True, blank=True)
    decided = models.CharField(max_length=10, choices=DecidedBy.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    erased_at = models.DateTimeField()
    people_erased = models.PositiveIntegerField(default=0)
    documents_erased = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"{self.urn} (erased {self.erased_at:%Y-%m-%d})"


class PendingFileDeletion(models.Model):
    """A stored document file whose record has been erased (random storage name only)."""

    storage_name = models.CharField(max_length=255, unique=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.storage_name
