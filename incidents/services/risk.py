"""The victim risk assessment (SPEC R1): a scored yes/no questionnaire giving Standard,
Medium or High.

Questions, weights and thresholds are reference data (RiskQuestion, CaseRules) that
administrators maintain. Every assessment is kept (the history of re-assessments), authored
and dated; each answer keeps the question's words and weight as they were when asked, so an
old assessment reads the same after a question is reworded or reweighted.

    score, level_for     the arithmetic
    record_assessment    low level, for flows that have already checked access (callers check)
    escalate_high_risk   R2: what a High result sets off
    assess_risk          the public write: requires "edit" on the incident
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from access import policy
from access.models import User
from audit.models import AuditEvent
from audit.services import record_event

from ..models import Alert, CaseRules, Incident, RiskAnswer, RiskAssessment, RiskQuestion
from .notifications import notify

# Whose risk is assessed: the people the behaviour is aimed at.
ASSESSED_ROLES = ("victim", "complainant")
UNANSWERED = "Answer yes or no: {text}"
NOTES_MAX = 10000


def question_field(question: RiskQuestion | int) -> str:
    """The name of a question's field in forms and error dicts: `question_<id>`."""
    return f"question_{getattr(question, 'pk', question)}"


def active_questions() -> list[RiskQuestion]:
    return list(RiskQuestion.objects.filter(active=True).order_by("order", "id"))


def score(answers: dict[int, bool], questions: Iterable[RiskQuestion]) -> int:
    """The sum of the weights of the questions answered yes."""
    return sum(question.weight for question in questions if answers.get(question.pk) is True)


def level_for(score: int, rules: CaseRules) -> str:
    """Standard below `medium_from`, Medium from it, High from `high_from` (R1)."""
    if score >= rules.high_from:
        return Incident.RiskLevel.HIGH.value
    if score >= rules.medium_from:
        return Incident.RiskLevel.MEDIUM.value
    return Incident.RiskLevel.STANDARD.value


def assessable_involvements(incident: Incident):
    """The involvements an assessment may be about: this incident's victims and
    complainants."""
    return incident.involvements.filter(role__in=ASSESSED_ROLES).select_related("person")


def escalate_high_risk(assessment: RiskAssessment, *, by: User) -> list:
    """R2, in the assessment's own transaction: tell the case's supervisors at once (one
    notification each per assessment, whoever runs this how often). The case is then on
    daily monitoring until re-graded (`queries.on_daily_monitoring`), and the referral it
    needs (`queries.required_referral`) is shown as outstanding until it is recorded; a
    High-risk case cannot be submitted for closure without it."""
    incident = assessment.incident
    told = []
    for supervisor in policy.supervisors_of(incident):
        if supervisor.pk == by.pk:
            continue  # the supervisor who assessed it knows
        alert = notify(
            incident,
            recipient=supervisor,
            kind=Alert.Kind.HIGH_RISK,
            key=f"high-risk:assessment-{assessment.pk}:user-{supervisor.pk}",
            sender=by,
        )
        if alert is not None:
            told.append(alert)
    return told


def _validate(
    incident: Incident,
    answers: dict[int, bool],
    questions: list[RiskQuestion],
    involvement,
    notes: str,
) -> None:
    errors: dict[str, str] = {}
    for question in questions:
        if not isinstance(answers.get(question.pk), bool):
            errors[question_field(question)] = UNANSWERED.format(text=question.text)
    if not questions:
        errors["answers"] = "There are no risk questions. Ask an administrator to add them."
    if involvement is not None and (
        involvement.incident_id != incident.pk or involvement.role not in ASSESSED_ROLES
    ):
        errors["involvement"] = "Select a victim or complainant of this incident."
    if len(notes) > NOTES_MAX:
        errors["notes"] = f"Notes must be {NOTES_MAX:,} characters or fewer."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_assessment(
    incident: Incident,
    *,
    by: User,
    answers: dict[int, bool],
    involvement=None,
    notes: str = "",
) -> RiskAssessment:
    """Record a completed assessment. LOW LEVEL: callers check access.

    Every active question must be answered yes or no (True/False); answers to questions that
    are not active are ignored. `involvement`, if given, must be a victim or complainant of
    this incident. The incident's `current_risk` becomes the new level (a derived value:
    its `version` is not bumped). Raises ValidationError keyed `question_<id>`,
    `involvement`, `notes`.
    """
    notes = (notes or "").strip()
    questions = active_questions()
    _validate(incident, answers, questions, involvement, notes)
    rules = CaseRules.current()
    total = score(answers, questions)
    level = level_for(total, rules)

    assessment = RiskAssessment(
        incident=incident,
        involvement=involvement,
        score=total,
        level=level,
        notes=notes,
        assessed_by=by,
    )
    assessment._history_user = by
    assessment.save()
    rows = [
        RiskAnswer(
            assessment=assessment,
            question=question,
            question_text=question.text,
            weight=question.weight,
            answer=answers[question.pk],
        )
        for question in questions
    ]
    bulk_create_with_history(rows, RiskAnswer, default_user=by)

    Incident.objects.filter(pk=incident.pk).update(current_risk=level)
    incident.current_risk = level

    record_event(
        AuditEvent.Type.RISK_ASSESSED,
        actor=by,
        target=("incident", incident.urn),
        details={
            "assessment": assessment.pk,
            "score": total,
            "level": level,
            "involvement": involvement.pk if involvement is not None else None,
            "thresholds": [rules.medium_from, rules.high_from],
        },
    )
    if level == Incident.RiskLevel.HIGH:
        escalate_high_risk(assessment, by=by)
    return assessment


@transaction.atomic
def assess_risk(
    incident: Incident,
    *,
    by: User,
    answers: dict[int, bool],
    involvement=None,
    notes: str = "",
) -> RiskAssessment:
    """Record a risk assessment: the public write, for anyone who may edit the incident
    (PermissionDenied otherwise). Everything else is `record_assessment`."""
    if not policy.can(by, policy.Action.EDIT, incident):
        raise PermissionDenied
    return record_assessment(
        incident, by=by, answers=answers, involvement=involvement, notes=notes
    )


def get_assessment_for_user(
    user: User, pk, *, urn: str | None = None, request=None
) -> RiskAssessment:
    """One assessment, reached through its incident (`policy.get_case_record`): 404,
    logged, whether it is missing, out of scope or (with `urn`) about another incident.
    Reading it is a view of the incident."""
    return policy.get_case_record(
        user,
        RiskAssessment.objects.select_related("assessed_by", "involvement__person"),
        pk,
        kind="risk_assessment",
        urn=urn,
        request=request,
    )
