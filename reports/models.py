"""Saved report definitions (SPEC S2). A report run itself is not stored: it is an audit
event (A2) with its filters, purpose and row count."""

from django.conf import settings
from django.db import models


class SavedReport(models.Model):
    """A named set of ad-hoc report filters, kept by the analyst who saved it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_reports"
    )
    name = models.CharField(max_length=120)
    # The report form's cleaned values as JSON (ids for areas, codes for lists).
    definition = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_report_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
