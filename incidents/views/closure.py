"""Closing a case (SPEC K1-K3): submit, the closure queue, approve or return, reopen."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from access import policy
from common.forms import handle_post

from ..models import ClosureRequest, Incident
from ..services import closure as services


class SubmitForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=ClosureRequest.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome."},
    )
    summary = forms.CharField(
        label="Closing summary",
        help_text="What was done, what changed for the victim, and why the case can close.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter a closing summary."},
    )


class ApproveForm(forms.Form):
    note = forms.CharField(label="Note (optional)", required=False, widget=forms.Textarea(
        attrs={"rows": 3}))  # fmt: skip
    multi_agency_agreement = forms.CharField(
        label="Multi-agency agreement",
        required=False,
        help_text="Required for a High-risk case: when and where the multi-agency group "
        "agreed the case can close.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the reason."},
    )


def _render(request, template, incident, **context):
    return render(
        request,
        template,
        {"incident": incident, "protective_marking": incident.marking, **context},
    )


@login_required
@require_http_methods(["GET", "POST"])
def submit(request, urn: str):
    incident = policy.get_incident_for_user(
        request.user, urn, policy.Action.SUBMIT, request=request, record_view=True
    )
    form = SubmitForm(request.POST or None)
    return handle_post(
        request,
        form,
        lambda data: services.submit_for_closure(incident, by=request.user, **data),
        success=f"Incident {urn} submitted for closure.",
        redirect_to=reverse("incident-detail", args=[urn]),
    ) or _render(request, "incidents/closure/submit.html", incident, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def decide(request, urn: str):
    """Review a submission: approve (close) or return it with a reason."""
    incident = policy.get_incident_for_user(
        request.user, urn, policy.Action.CLOSE, request=request, record_view=True
    )
    closure = incident.closures.select_related("submitted_by").get(
        decision=ClosureRequest.Decision.PENDING
    )
    action = request.POST.get("action")
    approve = ApproveForm(request.POST if action == "approve" else None)
    give_back = ReasonForm(request.POST if action == "return" else None, prefix="return")
    form = approve if action == "approve" else give_back

    def decide_closure(data) -> str:
        """Approve or return the submission; the success message."""
        if action == "approve":
            services.approve_closure(incident, by=request.user, **data)
            return f"Incident {urn} closed."
        services.return_case(incident, by=request.user, reason=data["reason"])
        return f"Incident {urn} returned to {closure.submitted_by}."

    posted = form if action in ("approve", "return") else None
    return handle_post(
        request, posted, decide_closure, success=lambda done: done, redirect_to="closure-queue"
    ) or _render(
        request,
        "incidents/closure/decide.html",
        incident,
        closure=closure,
        approve=approve,
        give_back=give_back,
        form=form if request.method == "POST" else approve,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request, urn: str):
    incident = policy.get_incident_for_user(
        request.user, urn, policy.Action.REOPEN, request=request, record_view=True
    )
    form = ReasonForm(request.POST or None)
    return handle_post(
        request,
        form,
        lambda data: services.reopen_case(incident, by=request.user, reason=data["reason"]),
        success=f"Incident {urn} reopened.",
        redirect_to=reverse("incident-detail", args=[urn]),
    ) or _render(request, "incidents/closure/reopen.html", incident, form=form)


@login_required
def queue(request):
    """K2: the cases of my organisation awaiting a closure decision, oldest first."""
    if not policy.may_close_cases(request.user):
        raise Http404
    waiting = (
        ClosureRequest.objects.filter(
            decision=ClosureRequest.Decision.PENDING,
            incident__in=Incident.objects.for_user(request.user, policy.Action.CLOSE),
        )
        .select_related("incident__area", "submitted_by")
        .order_by("submitted_at", "id")
    )
    waiting = list(waiting)
    return render(
        request,
        "incidents/closure/queue.html",
        {
            "waiting": waiting,
            "protective_marking": Incident.Marking.highest(c.incident.marking for c in waiting),
        },
    )


def detail_context(incident, user) -> dict:
    """The incident page's closure card: the actions the user may take, and every earlier
    submission and decision (one query)."""
    return {
        "closure_requests": list(
            incident.closures.select_related("submitted_by", "decided_by").order_by(
                "-submitted_at", "-id"
            )
        )
    }


urlpatterns = [
    path("closures/", queue, name="closure-queue"),
    path("incidents/<str:urn>/closure/submit/", submit, name="closure-submit"),
    path("incidents/<str:urn>/closure/decide/", decide, name="closure-decide"),
    path("incidents/<str:urn>/reopen/", reopen, name="case-reopen"),
]
