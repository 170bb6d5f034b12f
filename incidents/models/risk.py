"""Victim risk assessments (SPEC R1): each one kept, authored and dated."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .incident import Incident
from .reference import RiskQuestion


class RiskAssessment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assessments")
    # The victim assessed, when the assessment is about one person. RESTRICT: the person's
    # link cannot be removed on its own, but both go when the incident is erased (D2).
    involvement = models.ForeignKey(
        "people.Involvement", null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    score = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=10, choices=Incident.RiskLevel.choices)
    notes = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} risk on {self.incident}"


class RiskAnswer(models.Model):
    """One answer, with the question's words and weight as they were when it was asked."""

    assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(RiskQuestion, on_delete=models.PROTECT, related_name="+")
    question_text = models.CharField(max_length=300)
    weight = models.PositiveSmallIntegerField()
    answer = models.BooleanField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.question_text}: {'yes' if self.answer else 'no'}"
