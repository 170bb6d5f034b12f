"""The working sheet: an append-only, authored, dated log of a case (SPEC W1)."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .incident import Incident


class WorkingSheetEntry(models.Model):
    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        VICTIM_CONTACT = "victim_contact", "Victim contact"
        VISIT = "visit", "Visit"
        LEAD_AGENCY_DECISION = "lead_agency_decision", "Lead agency decision"
        JOINT_INVESTIGATION_PLAN = "joint_investigation_plan", "Joint investigation plan"
        PROBLEM_SOLVING_PLAN = "problem_solving_plan", "Problem-solving plan"
        REFERRAL = "referral", "Referral"
        CORRECTION = "correction", "Correction"
        CLOSURE = "closure", "Closure decision"
        MONITORING_REVIEW = "monitoring_review", "Daily monitoring review"

    class ReferralTo(models.TextChoices):
        """Referrals that may need the person's consent (SPEC P6, R2)."""

        VICTIM_SUPPORT = "victim_support", "Victim Support"
        ADULT_REFERRAL_TEAM = "adult_referral_team", "Adult Referral & Co-ordination team"
        LA_ASB_COORDINATOR = "la_asb_coordinator", "Local authority ASB co-ordinator"
        HATE_INCIDENT_MONITORING = "hate_incident_monitoring", "Hate incident monitoring"
        OTHER = "other", "Other"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.NOTE)
    text = models.TextField()
    occurred_at = models.DateTimeField("when it happened")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A correction is a new entry that points at the one it corrects; nothing is overwritten.
    # RESTRICT, not PROTECT: an entry cannot be deleted on its own, but deleting the whole
    # incident (retention) takes its entries with it.
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="corrections"
    )
    # For referrals: to whom, and about which person's involvement.
    referral_to = models.CharField(max_length=30, choices=ReferralTo.choices, blank=True)
    involvement = models.ForeignKey(
        "people.Involvement", null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "working sheet entries"
        indexes = [models.Index(fields=["incident", "occurred_at"], name="entry_by_incident")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.incident}"
