"""Victim risk assessment pages (SPEC R1): assess, read an assessment, and the incident
page's risk section with the history of re-assessments, the next victim update (R3) and, for
a High-risk case, its daily monitoring and referral (R2)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from access import policy
from common.forms import handle_post

from .. import queries
from ..forms_risk import RiskAssessmentForm
from ..models import CaseRules, Incident, WorkingSheetEntry
from ..services import risk as services


def detail_context(incident, user) -> dict:
    """The risk section of the incident page: the current level (kept on the incident) and
    every assessment, newest first. One query, whatever the number of assessments."""
    assessments = list(
        incident.assessments.select_related("assessed_by", "involvement__person").order_by(
            "-assessed_at", "-id"
        )
    )
    return {
        "risk_assessments": assessments,
        "latest_risk_assessment": assessments[0] if assessments else None,
        **_supervision(incident),
    }


def _supervision(incident) -> dict:
    """When the next victim update is due (R3) and, for a High-risk case, its daily
    monitoring and required referral (R2). One query: the case rules, read for every case
    so that the incident page costs the same number of queries whatever the case. The
    High-risk state comes annotated on the incident by the pages that show it
    (`queries.with_high_risk_state`), or costs a second query."""
    rules = CaseRules.current()
    if incident.status == Incident.Status.CLOSED:
        return {}
    context = {
        "victim_update_due_by": queries.victim_update_deadline(incident, rules),
        "victim_update_state": queries.victim_update_state(incident, rules, timezone.localdate()),
    }
    if incident.current_risk == Incident.RiskLevel.HIGH:
        state = _high_risk_state(incident)
        team = queries.required_referral(incident)
        context["high_risk"] = {
            **state,
            "required_referral": WorkingSheetEntry.ReferralTo(team).label,
            "reviewed_today": bool(
                state["last_monitoring_review"]
                and timezone.localdate(state["last_monitoring_review"]) == timezone.localdate()
            ),
        }
    return context


def _high_risk_state(incident) -> dict:
    fields = ("referral_recorded", "last_monitoring_review")
    if all(hasattr(incident, field) for field in fields):
        return {field: getattr(incident, field) for field in fields}
    return (
        queries.with_high_risk_state(Incident.objects.filter(pk=incident.pk))
        .values(*fields)
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def assess(request, urn: str):
    incident = policy.get_incident_for_user(request.user, urn, policy.Action.EDIT, request=request)
    involvements = services.assessable_involvements(incident)
    form = RiskAssessmentForm(
        request.POST if request.method == "POST" else None,
        questions=services.active_questions(),
        involvements=involvements,
    )
    if not involvements.exists():
        del form.fields["involvement"]
    return handle_post(
        request,
        form,
        lambda data: services.assess_risk(
            incident,
            by=request.user,
            answers=form.answers(),
            involvement=data.get("involvement"),
            notes=data["notes"],
        ),
        success=lambda assessment: (
            f"Risk assessed as {assessment.get_level_display()} (score {assessment.score})."
        ),
        redirect_to=lambda assessment: reverse("risk-detail", args=[incident.urn, assessment.pk]),
    ) or render(
        request,
        "incidents/risk/assess.html",
        {"form": form, "incident": incident, "protective_marking": incident.marking},
    )


@login_required
@require_GET
def detail(request, urn: str, pk: int):
    assessment = services.get_assessment_for_user(request.user, pk, urn=urn, request=request)
    incident = assessment.incident
    return render(
        request,
        "incidents/risk/detail.html",
        {
            "incident": incident,
            "assessment": assessment,
            "answers": list(assessment.answers.all()),
            "risk_assessments": list(
                incident.assessments.select_related("assessed_by").order_by("-assessed_at", "-id")
            ),
            "protective_marking": incident.marking,
        },
    )


urlpatterns = [
    path("incidents/<str:urn>/risk/new/", assess, name="risk-assess"),
    path("incidents/<str:urn>/risk/<int:pk>/", detail, name="risk-detail"),
]
