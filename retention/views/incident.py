"""An incident's retention (SPEC D1, D2): the panel on the incident page, for everyone who may
see the case, and the page where enhanced users and administrators of the lead organisation
(`can(user, "retain", incident)`) change its deletion flag or place and lift a legal hold."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from access import policy
from audit.history import history_of
from common.forms import handle_post

from .. import queries, services
from ..forms import DeletionFlagForm, LegalHoldForm
from ..models import DeletionFlag


def detail_context(incident, user) -> dict:
    """The incident page's retention panel (one query; see queries.retention_of)."""
    return {"retention_state": queries.retention_of(incident, user)}


@login_required
@require_http_methods(["GET", "POST"])
def retention_settings(request, urn: str):
    incident = policy.get_incident_for_user(
        request.user,
        urn,
        policy.Action.RETAIN,
        request=request,
        record_view=True,
        related=("retention",),
    )
    state = queries.retention_of(incident, request.user)
    action = request.POST.get("action") if request.method == "POST" else None
    flag_form = DeletionFlagForm(
        request.POST if action == "flag" else None, prefix="flag", initial={"flag": state.flag}
    )
    hold_form = LegalHoldForm(
        request.POST if action == "hold" else None,
        prefix="hold",
        initial={"hold": "lift" if state.legal_hold else "place"},
    )
    form = {"flag": flag_form, "hold": hold_form}.get(action)

    def change(data) -> str:
        """Set the deletion flag or place or lift the hold; the success message."""
        if form is flag_form:
            services.set_deletion_flag(
                incident, by=request.user, flag=data["flag"], reason=data["reason"],
            )  # fmt: skip
            return f"{incident.urn}: {DeletionFlag(data['flag']).label.lower()}."
        services.set_legal_hold(
            incident, by=request.user, hold=data["hold"], reason=data["reason"],
        )  # fmt: skip
        if data["hold"]:
            return f"{incident.urn} is on legal hold: it will not be deleted."
        return f"The legal hold on {incident.urn} is lifted."

    return handle_post(
        request,
        form,
        change,
        success=lambda done: done,
        redirect_to=reverse("incident-detail", args=[incident.urn]) + "#retention",
    ) or render(
        request,
        "retention/incident/settings.html",
        {
            "incident": incident,
            "state": state,
            "decisions": queries.decisions_for(incident),
            # The retention settings' own history (the incident's history page lists the
            # incident's fields only).
            "history": history_of(state.retention) if state.retention else [],
            "flag_form": flag_form,
            "hold_form": hold_form,
            "form": form,
            "protective_marking": incident.marking,
        },
    )


urlpatterns = [
    path("incidents/<str:urn>/retention/", retention_settings, name="incident-retention"),
]
