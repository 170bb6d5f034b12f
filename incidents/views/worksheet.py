"""Working-sheet pages (SPEC W1): add an entry, correct one, and the section of the incident
page that lists them."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from access import policy
from common.forms import handle_post

from .. import queries
from ..forms_worksheet import CorrectionForm, EntryForm
from ..models import WorkingSheetEntry
from ..services import worksheet as services


def _incident_to_edit(request, urn: str):
    """The incident, if the user may add to it; 404 otherwise (V5). Showing the form is a
    read of the case (its people, its entries), logged as one."""
    return policy.get_incident_for_user(
        request.user,
        urn,
        policy.Action.EDIT,
        request=request,
        record_view=request.method == "GET",
    )


def _back_to_sheet(incident) -> str:
    return reverse("incident-detail", args=[incident.urn]) + "#working-sheet"


@login_required
@require_http_methods(["GET", "POST"])
def entry_add(request, urn: str):
    incident = _incident_to_edit(request, urn)
    form = EntryForm(request.POST or None, incident=incident)
    return handle_post(
        request,
        form,
        lambda data: services.add_entry(
            incident,
            by=request.user,
            kind=data["kind"],
            text=data["text"],
            occurred_at=data["occurred_at"],
            referral_to=data["referral_to"],
            involvement=data["involvement"],
        ),
        success="Entry added to the working sheet.",
        redirect_to=_back_to_sheet(incident),
    ) or render(
        request,
        "incidents/worksheet/add.html",
        {"incident": incident, "form": form, "protective_marking": incident.marking},
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_correct(request, urn: str, pk: int):
    original = queries.get_entry_for_user(
        request.user,
        pk,
        urn=urn,
        action=policy.Action.EDIT,
        request=request,
        record_view=request.method == "GET",
    )
    incident = original.incident
    form = CorrectionForm(request.POST or None, initial={"occurred_at": original.occurred_at})

    def correct(data):
        occurred_at = data["occurred_at"]
        if occurred_at == original.occurred_at.replace(second=0, microsecond=0):
            occurred_at = original.occurred_at  # the time was kept, to the second
        return services.add_entry(
            incident,
            by=request.user,
            kind=WorkingSheetEntry.Kind.CORRECTION,
            text=data["text"],
            occurred_at=occurred_at,
            corrects=original,
        )

    return handle_post(
        request,
        form,
        correct,
        success="Correction added to the working sheet.",
        redirect_to=_back_to_sheet(incident),
    ) or render(
        request,
        "incidents/worksheet/correct.html",
        {
            "incident": incident,
            "original": original,
            "form": form,
            "protective_marking": incident.marking,
        },
    )


def detail_context(incident, user) -> dict:
    """The working-sheet section of the incident page: entries oldest first, corrections
    linked to the entries they correct. One query, whatever the number of entries."""
    entries = sorted(
        incident.entries.select_related("author__organisation", "involvement__person"),
        # Times are shown (and typed) to the minute: order by what the reader sees, then by
        # the order of writing, so a correction never appears above the entry it corrects.
        key=lambda entry: (entry.occurred_at.replace(second=0, microsecond=0), entry.pk),
    )
    by_id = {entry.pk: entry for entry in entries}
    for entry in entries:
        entry.corrected_by = []
        entry.corrected_entry = None
    for entry in entries:
        if entry.corrects_id in by_id:
            entry.corrected_entry = by_id[entry.corrects_id]
            entry.corrected_entry.corrected_by.append(entry)
    return {
        "worksheet_entries": entries,
        "worksheet_can_add": bool(getattr(incident, "allowed_edit", False)),
    }


urlpatterns = [
    path("incidents/<str:urn>/worksheet/add/", entry_add, name="entry-add"),
    path("incidents/<str:urn>/worksheet/<int:pk>/correct/", entry_correct, name="entry-correct"),
]
