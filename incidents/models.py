"""The incident (complaint / case) record.

This is the minimal incident of the walking skeleton: enough to prove the access policy end
to end. The full record (SPEC §5-§8) extends it.
"""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from access.models import Area, Organisation


class IncidentQuerySet(models.QuerySet):
    def for_user(self, user, action: str = "view") -> "IncidentQuerySet":
        """The incidents `user` may see (or edit, or close): the policy decides."""
        from access import policy

        return self.filter(policy.incident_scope(user, action))


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SUBMITTED = "submitted", "Submitted for closure"
        CLOSED = "closed", "Closed"

    class Marking(models.TextChoices):
        """Protective marking (SPEC C7; seed 003 s6.4). Printed labels are a setting."""

        PROTECT = "protect", "Protect"
        RESTRICTED = "restricted", "Restricted"
        CONFIDENTIAL = "confidential", "Confidential"

    urn = models.CharField("reference", max_length=20, unique=True, editable=False)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="incidents")
    description = models.TextField()
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IncidentQuerySet.as_manager()
    history = HistoricalRecords()

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
        ]

    def __str__(self) -> str:
        return self.urn

    @property
    def is_confidential(self) -> bool:
        return self.marking == self.Marking.CONFIDENTIAL


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
