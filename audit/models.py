"""The audit event log: everything that is not a field change (SPEC A2, A3).

Field-level history of case data is kept by django-simple-history on each model (A1).
Rows here are only ever inserted; see docs/access-model.md.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    class Type(models.TextChoices):
        INCIDENT_CREATED = "incident.created", "Incident created"
        INCIDENT_VIEWED = "incident.viewed", "Incident viewed"
        INCIDENT_UPDATED = "incident.updated", "Incident updated"
        INCIDENT_UPDATE_CONFLICT = "incident.update_conflict", "Incident update refused: stale"
        CLOSURE_SUBMITTED = "closure.submitted", "Case submitted for closure"
        CLOSURE_APPROVED = "closure.approved", "Case closed"
        CLOSURE_RETURNED = "closure.returned", "Case returned to the lead officer"
        CASE_REOPENED = "closure.reopened", "Closed case reopened"
        PERSON_VIEWED = "person.viewed", "Person viewed"
        PERSON_CREATED = "person.created", "Person created"
        PERSON_UPDATED = "person.updated", "Person's details changed"
        PEOPLE_MERGED = "person.merged", "People merged"
        PEOPLE_MERGE_UNDONE = "person.merge_undone", "Merge of people undone"
        STATEMENT_RECORDED = "statement.recorded", "Statement recorded"
        INTERVENTION_RECORDED = "intervention.recorded", "Intervention recorded"
        INTERVENTION_UPDATED = "intervention.updated", "Intervention changed"
        INVOLVEMENT_ADDED = "involvement.added", "Person linked to incident"
        ENTRY_ADDED = "entry.added", "Working sheet entry added"
        RISK_ASSESSED = "risk.assessed", "Risk assessment recorded"
        CONSENT_RECORDED = "consent.recorded", "Consent recorded"
        TASK_RAISED = "task.raised", "Task raised"
        TASK_UPDATED = "task.updated", "Task completed, cancelled or reassigned"
        ALERT_SENT = "alert.sent", "Alert sent"
        DOCUMENT_UPLOADED = "document.uploaded", "Document uploaded"
        DOCUMENT_DOWNLOADED = "document.downloaded", "Document downloaded"
        DOCUMENT_REJECTED = "document.rejected", "Document upload refused"
        HISTORY_VIEWED = "history.viewed", "History viewed"
        SEARCH = "search", "Search"
        REPORT_PURPOSE_STATED = "report.purpose", "Purpose stated for ad-hoc reporting"
        REPORT_RUN = "report.run", "Ad-hoc report run"
        REPORT_SAVED = "report.saved", "Report definition saved"
        REPORT_DELETED = "report.deleted", "Report definition deleted"
        HOTSPOTS_VIEWED = "report.hotspots", "Hotspots and repeats analysed"
        STATISTICS_VIEWED = "report.statistics", "Depersonalised statistics produced"
        EXPORTED = "export", "Exported"
        PRINTED = "print", "Printed"
        API_TOKEN_ISSUED = "auth.api_token_issued", "API token issued"
        REFERENCE_CHANGED = "reference.changed", "Reference data changed"
        ACCESS_DENIED = "access.denied", "Access denied (out of scope or missing)"
        SHARE_GRANTED = "share.granted", "Incident shared"
        SHARE_REVOKED = "share.revoked", "Incident share revoked"
        SIGNED_IN = "auth.signed_in", "Signed in"
        SIGN_IN_FAILED = "auth.sign_in_failed", "Sign-in failed"
        SIGNED_OUT = "auth.signed_out", "Signed out"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        DENIED = "denied", "Denied"
        FAILURE = "failure", "Failure"

    occurred_at = models.DateTimeField(default=timezone.now)
    # PROTECT: users are disabled, never deleted, so their trail stays attributable.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        "access.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    event_type = models.CharField(max_length=40, choices=Type.choices)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    justification = models.TextField(blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["actor", "occurred_at"], name="audit_by_actor"),
            models.Index(
                fields=["target_type", "target_id", "occurred_at"], name="audit_by_target"
            ),
            models.Index(fields=["event_type", "occurred_at"], name="audit_by_type"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.event_type}"
