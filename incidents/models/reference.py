"""Reference lists that administrators maintain (SPEC M2), each with history."""

from django.core.validators import MaxValueValidator, MinValueValidator
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


VICTIM_UPDATE_MAX_DAYS = 28
_VICTIM_UPDATE_LIMITS = [
    MinValueValidator(2, "Allow at least 2 days between victim updates."),
    MaxValueValidator(
        VICTIM_UPDATE_MAX_DAYS,
        "Victim updates must be at most 28 days apart.",
    ),
]
# The CaseRules field holding the interval for each risk level ("" = not yet assessed).
VICTIM_UPDATE_FIELDS = {
    "": "victim_update_days_standard",
    "standard": "victim_update_days_standard",
    "medium": "victim_update_days_medium",
    "high": "victim_update_days_high",
}


class CaseRules(models.Model):
    """The partnership's configurable thresholds: one row (pk=1), created by migration.

    Risk: a score at or above `medium_from` is Medium, at or above `high_from` High (R1).
    Repeats: `repeat_min_incidents` or more incidents within `repeat_window_days` (S4a).
    """

    medium_from = models.PositiveSmallIntegerField(default=5)
    high_from = models.PositiveSmallIntegerField(default=10)
    repeat_min_incidents = models.PositiveSmallIntegerField(default=3)
    repeat_window_days = models.PositiveSmallIntegerField(default=90)
    # Victim updates (R3): the most days between updates, by risk level (never more than
    # 28, docs/requirements.md), and how many days before the deadline the lead officer is
    # reminded. With 28 and 7: reminded on day 21, overdue (and escalated) on day 29.
    victim_update_days_standard = models.PositiveSmallIntegerField(
        "days between victim updates: Standard risk",
        default=28,
        validators=_VICTIM_UPDATE_LIMITS,
    )
    victim_update_days_medium = models.PositiveSmallIntegerField(
        "days between victim updates: Medium risk",
        default=21,
        validators=_VICTIM_UPDATE_LIMITS,
    )
    victim_update_days_high = models.PositiveSmallIntegerField(
        "days between victim updates: High risk",
        default=14,
        validators=_VICTIM_UPDATE_LIMITS,
    )
    victim_update_reminder_days = models.PositiveSmallIntegerField(
        "days before the deadline to remind the lead officer",
        default=7,
        validators=[MinValueValidator(1, "Remind at least one day before the deadline.")],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "case rules"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(high_from__gt=models.F("medium_from")),
                name="high_threshold_above_medium",
                violation_error_message="High must start above Medium.",
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{field}__lte": VICTIM_UPDATE_MAX_DAYS})
                    & models.Q(**{f"{field}__gt": models.F("victim_update_reminder_days")}),
                    name=f"{field}_at_most_28",
                    violation_error_message=(
                        "Victim updates must be at most 28 days apart, "
                        "and further apart than the reminder is sent before the deadline."
                    ),
                )
                for field in dict.fromkeys(VICTIM_UPDATE_FIELDS.values())
            ),
            models.CheckConstraint(
                condition=models.Q(victim_update_reminder_days__gte=1),
                name="victim_update_reminder_at_least_a_day",
                violation_error_message="Remind at least one day before the deadline.",
            ),
        ]

    def __str__(self) -> str:
        return "Case rules"

    def victim_update_days(self, risk_level: str) -> int:
        """The most days allowed between victim updates at this risk level."""
        return getattr(self, VICTIM_UPDATE_FIELDS.get(risk_level, VICTIM_UPDATE_FIELDS[""]))

    @classmethod
    def current(cls) -> "CaseRules":
        return cls.objects.get_or_create(pk=1)[0]
