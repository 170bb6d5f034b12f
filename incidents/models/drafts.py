"""A complaint being logged: kept on the server section by section (and autosaved as the
user types) so that a timed-out or failed submission loses nothing (SPEC §16, §17)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone


class ComplaintDraft(models.Model):
    # What the user typed, by section: {"initial_contact": {...}, "details": {...},
    # "people": [...], "risk": {...}, "entry": {...}, "alert": {...}}, raw as posted, and the
    # sections whose input has passed validation.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complaint_drafts"
    )
    data = models.JSONField(default=dict)
    completed = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Once submitted, the draft keeps nothing typed, only the case it became, so that
    # submitting it again (a second tab, Back, a double click) lands on that case instead of
    # logging another; it goes with the case.
    submitted_as = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Draft complaint {self.pk} by {self.owner}"

    @property
    def kept_until(self) -> datetime.date:
        """The last day the draft is kept unless someone works on it: the nightly retention
        sweep deletes drafts untouched for COMPLAINT_DRAFT_KEEP_DAYS (retention/sweep.py)."""
        last_change = timezone.localdate(self.updated_at)
        return last_change + datetime.timedelta(days=settings.COMPLAINT_DRAFT_KEEP_DAYS)
