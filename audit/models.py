"""The audit event log: everything that is not a field change (SPEC A2, A3, A7).

Field-level history of case data is kept by django-simple-history on each model (A1).
Rows here are only ever inserted (`audit.services.record_event`): the model refuses to
update or delete them, PostgreSQL refuses it with a trigger (migration 0005), and each row
carries a SHA-256 hash chained to the row before it, which `manage.py verify_audit_chain`
checks (docs/security.md).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit event through the application."""


class ChainBigIntegerField(models.BigIntegerField):
    """Filled by the database on PostgreSQL (the chain trigger) and read back by the INSERT's
    RETURNING clause, so appending an event stays one query."""

    db_returning = True


class ChainHashField(models.CharField):
    db_returning = True


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")

    def bulk_create(self, *args, **kwargs):
        raise AuditLogIsAppendOnly(
            "Audit events are appended through audit.services (record_event, record_events), "
            "which chain them."
        )

    def bulk_update(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be changed.")

    _raw_delete = delete


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
        SIGNED_OUT_EVERYWHERE = "auth.signed_out_everywhere", "Signed out everywhere"
        SESSION_EXPIRED = "auth.session_expired", "Session ended (idle or absolute time-out)"
        SIGN_IN_REFUSED = "auth.sign_in_refused", "Sign-in refused (disabled or suspended)"
        ACCOUNT_LOCKED = "auth.locked", "Account locked after failed sign-ins"
        ACCOUNT_UNLOCKED = "auth.unlocked", "Account unlocked"
        PASSWORD_CHANGED = "auth.password_changed", "Password changed by its user"
        PASSWORD_SET = "auth.password_set", "New password set by an administrator"
        TWO_FACTOR_ENROLLED = "auth.2fa_enrolled", "Two-factor authentication set up"
        TWO_FACTOR_VERIFIED = "auth.2fa_verified", "Two-factor code accepted"
        TWO_FACTOR_FAILED = "auth.2fa_failed", "Two-factor code refused"
        TWO_FACTOR_RESET = "auth.2fa_reset", "Two-factor authentication reset"
        USER_CREATED = "admin.user_created", "User created"
        USER_UPDATED = "admin.user_updated", "User's group, training or details changed"
        USER_ENABLED = "admin.user_enabled", "User enabled"
        USER_DISABLED = "admin.user_disabled", "User disabled"
        CODE_OF_CONNECTION_CONFIRMED = "admin.coc_confirmed", "Code of connection confirmed"
        ORGANISATION_SUSPENDED = "admin.org_suspended", "Partner suspended"
        SUSPENSION_LIFTED = "admin.org_suspension_lifted", "Partner suspension lifted"
        AUDIT_REVIEWED = "audit.reviewed", "Audit trail reviewed"
        DISCLOSURE_RECORDED = "register.disclosure_recorded", "Disclosure recorded"
        DISCLOSURE_REPORTED = "register.disclosure_report", "Disclosure report produced"
        BREACH_RECORDED = "register.breach_recorded", "Breach recorded"
        BREACH_UPDATED = "register.breach_updated", "Breach investigation updated"
        REGISTER_VIEWED = "register.viewed", "Register entry viewed"
        RETENTION_FLAG_CHANGED = "retention.flag_changed", "Deletion flag changed"
        LEGAL_HOLD_SET = "retention.hold_set", "Legal hold placed"
        LEGAL_HOLD_LIFTED = "retention.hold_lifted", "Legal hold lifted"
        RETENTION_SWEEP = "retention.sweep", "Retention sweep run"
        RETENTION_KEPT = "retention.kept", "Kept after retention review"
        INCIDENT_ERASED = "retention.erased", "Incident erased"
        INACTIVE_REPORT = "retention.inactive_report", "Inactive-records report produced"
        SUBJECT_ACCESS = "retention.subject_access", "Subject-access export produced"

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
    # The tamper-evident chain (A7, audit/chain.py): a hash of every field above, computed
    # by the application; then the position in the log, the hash of the event before, and
    # this event's hash over its content hash, position and predecessor - assigned under a
    # lock by a trigger on PostgreSQL (migration 0006), by the application on SQLite.
    content_hash = models.CharField(max_length=64, editable=False)
    sequence = ChainBigIntegerField(unique=True, editable=False)
    previous_hash = ChainHashField(max_length=64, editable=False)
    row_hash = ChainHashField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

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

    def save(self, *args, **kwargs):
        if self.pk is not None or not self.content_hash:
            raise AuditLogIsAppendOnly(
                "Audit events are written once, by audit.services.record_event."
            )
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit events cannot be deleted.")


class Disclosure(models.Model):
    """A disclosure of information held on the system made outside the agreement (A5:
    recorded by the administrator at the organisation concerned, reported by volume and
    reason to the partnership's control group)."""

    class Reason(models.TextChoices):
        CRIME = "crime", "Prevention or detection of crime, apprehension or prosecution"
        SAFEGUARDING = "safeguarding", "Safeguarding a child or vulnerable adult"
        PUBLIC_SAFETY = "public_safety", "Protection of life, property or public safety"
        LEGAL_PROCEEDINGS = "legal", "Legal proceedings or legal advice"
        SUBJECT_CONSENT = "consent", "With the consent of the data subject"
        REGULATOR = "regulator", "Regulator, ombudsman or inspectorate"
        OTHER = "other", "Other (see justification)"

    class Gateway(models.TextChoices):
        CDA_S115 = "cda_s115", "Crime and Disorder Act 1998, section 115"
        DPA_CRIME = "dpa_sch2_p1_2", "Data Protection Act 2018, Schedule 2 Part 1 para 2 (crime)"
        DPA_LEGAL = "dpa_sch2_p1_5", "Data Protection Act 2018, Schedule 2 Part 1 para 5 (legal)"
        COMMON_LAW_POLICING = "common_law", "Police common law power (policing purposes)"
        COURT_ORDER = "court_order", "Court order or other legal obligation"
        CONSENT = "consent", "Consent of the data subject"
        CHILDREN_ACT = "children_act", "Children Act 1989/2004 (safeguarding)"
        OTHER = "other", "Other statutory gateway (named in the justification)"

    organisation = models.ForeignKey(
        "access.Organisation", on_delete=models.PROTECT, related_name="disclosures"
    )
    disclosed_on = models.DateField("date disclosed")
    information = models.TextField("what was disclosed")
    # About whom / which incident: the incident link survives until the incident is erased;
    # the URN is kept as written so the register still reads after that (docs/security.md).
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incident_urn = models.CharField("incident reference", max_length=32, blank=True)
    subject = models.CharField("about whom", max_length=200, blank=True)
    recipient = models.CharField("disclosed to", max_length=200)
    recipient_organisation = models.CharField("recipient's organisation", max_length=200)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    legal_gateway = models.CharField(max_length=20, choices=Gateway.choices)
    justification = models.TextField()
    authorised_by = models.CharField("authorised by (name and role)", max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-disclosed_on", "-id"]
        indexes = [
            models.Index(fields=["organisation", "disclosed_on"], name="disclosure_by_org"),
        ]

    def __str__(self) -> str:
        return f"Disclosure {self.pk} to {self.recipient_organisation} on {self.disclosed_on}"


class Breach(models.Model):
    """A breach of the agreement and its investigation (A6, docs/requirements.md)."""

    class Category(models.TextChoices):
        LOSS_OR_THEFT = "loss_theft", "Loss or theft of data or information"
        UNAUTHORISED_TRANSFER = "transfer", "Transfer to someone not entitled to receive it"
        UNAUTHORISED_ACCESS = "access", "Attempt to gain unauthorised access"
        UNAUTHORISED_CHANGE = "change", "Change to data or the system without authorisation"
        DISRUPTION = "disruption", "Unwanted disruption or denial of service"
        UNAUTHORISED_USE = "use", "Unauthorised use of the system"

    class Status(models.TextChoices):
        OPEN = "open", "Reported"
        INVESTIGATING = "investigating", "Under investigation"
        CLOSED = "closed", "Closed"

    organisation = models.ForeignKey(
        "access.Organisation",
        on_delete=models.PROTECT,
        related_name="breaches",
        help_text="The partner whose staff or systems the breach concerns.",
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    occurred_on = models.DateField("date it happened", null=True, blank=True)
    discovered_on = models.DateField("date it was discovered")
    description = models.TextField("what happened")
    records_affected = models.TextField("records affected", blank=True)
    reported_to = models.TextField(
        "reported to", blank=True, help_text="The providing partner, the police information "
        "security officer, the chair of the control group, the Information Commissioner."
    )  # fmt: skip
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    investigation = models.TextField("investigation", blank=True)
    outcome = models.TextField("outcome", blank=True)
    commissioner_notified_on = models.DateField(
        "Information Commissioner notified on", null=True, blank=True
    )
    closed_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-discovered_on", "-id"]
        verbose_name_plural = "breaches"

    def __str__(self) -> str:
        return f"Breach {self.pk}: {self.get_category_display()}"
