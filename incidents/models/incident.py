"""The incident (complaint / case) record (SPEC C1-C8)."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from access.models import Area, Organisation

from .reference import AggravatingFactor, PenCode, QualifierCode


class IncidentQuerySet(models.QuerySet):
    # The access policy's condition for (user, action), installed by the access app when the
    # app registry is ready (access.apps.AccessConfig.ready): models never import the policy,
    # the policy imports the models.
    scope = None

    def for_user(self, user, action: str = "view") -> "IncidentQuerySet":
        """The incidents `user` may see (or edit, or close): the policy decides."""
        if IncidentQuerySet.scope is None:
            raise RuntimeError("The access policy is not installed (is 'access' an app?)")
        return self.filter(IncidentQuerySet.scope(user, action))


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SUBMITTED = "submitted", "Submitted for closure"
        CLOSED = "closed", "Closed"

    class Marking(models.TextChoices):
        """Protective marking (C7, docs/requirements.md). Printed labels are a setting."""

        PROTECT = "protect", "Protect"
        RESTRICTED = "restricted", "Restricted"
        CONFIDENTIAL = "confidential", "Confidential"

        @classmethod
        def highest(cls, markings) -> str:
            """The marking a page must carry: the highest among the records it shows, or
            the default when it shows none (SPEC C7)."""
            order = list(cls.values)
            found = set(markings) or {cls.RESTRICTED.value}
            return max(found, key=order.index)

    class Channel(models.TextChoices):
        PHONE = "phone", "Phone"
        IN_PERSON = "in_person", "In person"
        EMAIL = "email", "E-mail"
        ONLINE = "online", "Online form"
        CONTROL_ROOM = "control_room", "Police control room"
        PARTNER_REFERRAL = "partner_referral", "Referral from a partner"

    class Category(models.TextChoices):
        """The national ASB categories."""

        PERSONAL = "personal", "Personal"
        NUISANCE = "nuisance", "Nuisance"
        ENVIRONMENTAL = "environmental", "Environmental"

    class RiskLevel(models.TextChoices):
        STANDARD = "standard", "Standard"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    urn = models.CharField("reference", max_length=20, unique=True, editable=False)

    # C2 Initial contact
    received_via = models.CharField(
        "how it was reported", max_length=20, choices=Channel.choices, default=Channel.PHONE
    )
    received_at = models.DateTimeField("when it was reported", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents_received",
    )
    complainant_anonymous = models.BooleanField(default=False)
    complainant_disabled = models.BooleanField(default=False)
    repeat_victim = models.BooleanField("complainant is a repeat victim", default=False)
    vulnerable_other = models.BooleanField(
        "complainant is vulnerable for another reason", default=False
    )

    # C3 Incident details
    description = models.TextField()
    first_occurred_at = models.DateTimeField(null=True, blank=True)
    last_occurred_at = models.DateTimeField(null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True, db_index=True)
    uprn = models.CharField("UPRN", max_length=12, blank=True, db_index=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="incidents")
    category = models.CharField(
        "ASB category", max_length=20, choices=Category.choices, blank=True
    )
    pen_code = models.ForeignKey(
        PenCode, null=True, blank=True, on_delete=models.PROTECT, verbose_name="PEN code"
    )
    qualifier_codes = models.ManyToManyField(QualifierCode, blank=True)
    aggravating_factors = models.ManyToManyField(AggravatingFactor, blank=True)

    # C4 Police skeleton record, C5 anonymised record
    crime_reference = models.CharField(max_length=40, blank=True, db_index=True)
    is_police_skeleton = models.BooleanField(default=False)
    is_anonymised = models.BooleanField(
        "people details anonymised",
        default=False,
        help_text="The complainant objects to sharing and the objection cannot be resolved.",
    )
    anonymisation_reason = models.TextField(blank=True)

    # C6 Lead, C7 marking, C8 status
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    marking = models.CharField(
        "protective marking", max_length=20, choices=Marking.choices, default=Marking.RESTRICTED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents_created"
    )
    # Empty only while a skeleton complaint logged by a basic user awaits allocation.
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents_led",
    )
    lead_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="incidents_led"
    )

    # Kept up to date by the services that change them, so lists can filter on them.
    current_risk = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    repeat_victim_flag = models.BooleanField(default=False)
    repeat_perpetrator_flag = models.BooleanField(default=False)
    repeat_location_flag = models.BooleanField(default=False)
    # When the victim-update clock started (SPEC R3): the last recorded victim contact, or
    # when the complaint was reported. The next update is due a risk-dependent number of
    # days after it (CaseRules); kept by the services, without bumping `version`.
    victim_clock_from = models.DateTimeField("victim last updated", default=timezone.now)
    # When the case was last closed and with what outcome (K2): retention rules count from
    # here and may depend on the outcome (SPEC D1). Empty while the case is open.
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_outcome = models.CharField(max_length=20, blank=True)
    # The last time anyone changed the case or any part of it (people, working sheet, tasks,
    # documents, risk, consent, closure), kept by incidents/activity.py: the inactive-records
    # report (D3) and the retention sweep's "changed since selected" check (D5) read it.
    last_activity_at = models.DateTimeField(default=timezone.now)

    # Optimistic concurrency (§16): every update must name the version it was based on.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Full-text search (S1, S2): on PostgreSQL a tsvector of the description and address,
    # kept by a trigger on every write and GIN-indexed (migration 0011); unused elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = IncidentQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[qualifier_codes, aggravating_factors], excluded_fields=["search_vector"]
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("submit_incident", "Submit a case for closure"),
            ("close_incident", "Approve or return a case submitted for closure"),
        ]
        indexes = [
            models.Index(fields=["area", "status"], name="incident_area_status"),
            models.Index(fields=["lead_organisation", "status"], name="incident_leadorg_status"),
            models.Index(fields=["-created_at", "-id"], name="incident_newest_first"),
            # When it was reported, newest first: the reports' date filters and default sort
            # (reports/queries.py).
            models.Index(
                Coalesce("received_at", "created_at").desc(),
                models.F("id").desc(),
                name="incident_reported_newest",
            ),
            models.Index(fields=["status", "last_activity_at"], name="incident_status_activity"),
            models.Index(
                fields=["closed_at"],
                name="incident_closed_at",
                condition=models.Q(status="closed"),
            ),
            models.Index(
                fields=["current_risk", "victim_clock_from"],
                name="incident_victim_clock",
                condition=~models.Q(status="closed"),
            ),
        ]

    def __str__(self) -> str:
        return self.urn

    @property
    def is_confidential(self) -> bool:
        return self.marking == self.Marking.CONFIDENTIAL

    @property
    def is_repeat(self) -> bool:
        return self.repeat_victim_flag or self.repeat_perpetrator_flag or self.repeat_location_flag


class UrnSequence(models.Model):
    """The last URN number issued in a year: `ASB-2026-000123` (SPEC C1)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


# Explicit per-case shares (django-guardian with direct foreign keys, so the policy joins
# them by incident id instead of through a generic object-id string column).
class IncidentUserShare(UserObjectPermissionBase):
    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)


class IncidentOrganisationShare(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Incident, on_delete=models.CASCADE)
