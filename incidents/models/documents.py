"""Documents attached to an incident (SPEC W4): stored outside the web root, served only
through an access-checked view."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from simple_history.models import HistoricalRecords

from .incident import Incident


def _private_storage():
    return storages["documents"]


class Document(models.Model):
    class Kind(models.TextChoices):
        STATEMENT = "statement", "Statement"
        WARNING_LETTER = "warning_letter", "Warning letter"
        COURT_ORDER = "court_order", "Court order"
        PHOTO = "photo", "Photograph"
        OTHER = "other", "Other"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField(max_length=300, blank=True)
    # Stored under a random name; the name the user gave is kept for download only.
    file = models.FileField(storage=_private_storage, upload_to="incidents/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
