from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from access import policy
from audit.history import history_of
from audit.models import AuditEvent
from audit.services import record_event
from common.conflicts import StaleEdit
from common.forms import add_service_errors
from common.pagination import CappedPaginator

from .. import case_sections, services
from ..forms import IncidentEditForm
from ..models import Incident
from ..queries import with_high_risk_state
from ..services.incident import DERIVED_FIELDS, EDITABLE_FIELDS, M2M_FIELDS

PAGE_SIZE = 25
# The home list counts and pages through at most this many incidents (the newest), so it
# costs the same however many a user may see (bench/README.md); search finds the others.
LIST_LIMIT = 1000


@login_required
def home(request):
    incidents = policy.visible_incidents(request.user).select_related(
        "area", "lead_organisation", "lead_officer"
    )
    paginator = CappedPaginator(incidents, PAGE_SIZE, limit=LIST_LIMIT)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "incidents/home.html",
        {
            "page": page,
            "is_basic": not policy.works_cases(request.user),
            "may_search": policy.may_search(request.user),
            "protective_marking": Incident.Marking.highest(i.marking for i in page.object_list),
        },
    )


def _section_contexts(incident, user) -> dict:
    """Each part of the case fills its own section of the page with a fixed number of
    queries (incidents.case_sections: each app registers its own)."""
    return case_sections.contexts(incident, user)


@login_required
def incident_detail(request, urn: str):
    incident = policy.get_incident_for_user(
        request.user,
        urn,
        request=request,
        related=("pen_code", "received_by", "retention"),
        annotate=with_high_risk_state,
    )
    prefetch_related_objects([incident], "qualifier_codes", "aggravating_factors")
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "protective_marking": incident.marking,
            **_section_contexts(incident, request.user),
        },
    )


def _typed_changes(form) -> dict:
    """Only what the user changed in the form (as its boxes show it: a time saved with
    seconds is the same minute), so that a field nobody touched is never written."""
    editable = EDITABLE_FIELDS | M2M_FIELDS
    return {name: form.cleaned_data[name] for name in form.changed_data if name in editable}


@login_required
@require_http_methods(["GET", "POST"])
def incident_edit(request, urn: str):
    incident = policy.get_incident_for_user(
        request.user, urn, policy.Action.EDIT, request=request, record_view=True
    )
    conflict = None
    if request.method == "POST":
        form = IncidentEditForm(request.POST, instance=incident, viewer=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_incident(
                    incident,
                    by=request.user,
                    expected_version=data["version"],
                    **_typed_changes(form),
                )
            except StaleEdit as stale:
                conflict = stale.changes
                record_event(
                    AuditEvent.Type.INCIDENT_UPDATE_CONFLICT,
                    actor=request.user,
                    request=request,
                    target=("incident", urn),
                    outcome=AuditEvent.Outcome.FAILURE,
                    details={"based_on_version": data["version"], "changes": len(conflict)},
                )
                # Keep everything typed; the next save is made knowingly over the changes.
                form.data = form.data.copy()
                form.data["version"] = str(Incident.objects.get(pk=incident.pk).version)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Incident {urn} updated.")
                return redirect("incident-detail", urn=urn)
    else:
        form = IncidentEditForm(
            instance=incident, initial={"version": incident.version}, viewer=request.user
        )
    return render(
        request,
        "incidents/edit.html",
        {
            "incident": incident,
            "form": form,
            "conflict": conflict,
            "protective_marking": incident.marking,
        },
    )


@login_required
def incident_history(request, urn: str):
    incident = policy.get_incident_for_user(request.user, urn, request=request, record_view=False)
    record_event(
        AuditEvent.Type.HISTORY_VIEWED,
        actor=request.user,
        request=request,
        target=("incident", incident.urn),
    )
    return render(
        request,
        "incidents/history.html",
        {
            "incident": incident,
            "entries": history_of(incident, hidden=DERIVED_FIELDS),
            "protective_marking": incident.marking,
        },
    )


urlpatterns = [
    path("", home, name="home"),
    path("incidents/<str:urn>/", incident_detail, name="incident-detail"),
    path("incidents/<str:urn>/edit/", incident_edit, name="incident-edit"),
    path("incidents/<str:urn>/history/", incident_history, name="incident-history"),
]
