"""Reference lists that administrators maintain (SPEC M2), each with history."""

from django.db import models
from simple_history.models import HistoricalRecords


class ReferenceItem(models.Model):
    code = models.CharField(max_length=20, unique=True)
    label = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class PenCode(ReferenceItem):
    """Home Office PEN (anti-social behaviour) code (SPEC C3)."""

    history = HistoricalRecords()

    class Meta(ReferenceItem.Meta):
        verbose_name = "PEN code"
        permissions = [("maintain_reference_data", "Maintain the partnership's reference lists")]


class QualifierCode(ReferenceItem):
    """Police qualifier code (SPEC C3)."""

    history = HistoricalRecords()


class AggravatingFactor(ReferenceItem):
    """Age, alcohol, disability, domestic abuse, drugs, gender, race, religion, sexual
    orientation, student (SPEC C3). Seeded by migration; administrators may add more."""

    history = HistoricalRecords()

    class Meta(ReferenceItem.Meta):
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class RiskQuestion(models.Model):
    """One yes/no question of the victim risk assessment, with its weight (SPEC R1)."""

    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(default=1)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class CaseRules(models.Model):
    """The partnership's configurable thresholds: one row (pk=1), created by migration.

    Risk: a score at or above `medium_from` is Medium, at or above `high_from` High (R1).
    Repeats: `repeat_min_incidents` or more incidents within `repeat_window_days` (S4a).
    """

    medium_from = models.PositiveSmallIntegerField(default=5)
    high_from = models.PositiveSmallIntegerField(default=10)
    repeat_min_incidents = models.PositiveSmallIntegerField(default=3)
    repeat_window_days = models.PositiveSmallIntegerField(default=90)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "case rules"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(high_from__gt=models.F("medium_from")),
                name="high_threshold_above_medium",
                violation_error_message="High must start above Medium.",
            )
        ]

    def __str__(self) -> str:
        return "Case rules"

    @classmethod
    def current(cls) -> "CaseRules":
        return cls.objects.get_or_create(pk=1)[0]
