"""Working-sheet pages (SPEC W1): add an entry, correct one, and the section of the incident
page that lists them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from access import policy
from sentinel.forms import add_service_errors

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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_entry(
                incident,
                by=request.user,
                kind=data["kind"],
                text=data["text"],
                occurred_at=data["occurred_at"],
                referral_to=data["referral_to"],
                involvement=data["involvement"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, "Entry added to the working sheet.")
            return redirect(_back_to_sheet(incident))
    return render(
        request,
        "incidents/worksheet/add.html",
        {"incident": incident, "form": form, "protective_marking": incident.marking},
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_correct(request, urn: str, pk: int):
    incident = _incident_to_edit(request, urn)
    original = (
        incident.entries.select_related("author__organisation", "involvement__person")
        .filter(pk=pk)
        .first()
    )
    if original is None:
        raise Http404("No entry matches the given query.")
    form = CorrectionForm(request.POST or None, initial={"occurred_at": original.occurred_at})
    if request.method == "POST" and form.is_valid():
        occurred_at = form.cleaned_data["occurred_at"]
        if occurred_at == original.occurred_at.replace(second=0, microsecond=0):
            occurred_at = original.occurred_at  # the time was kept, to the second
        try:
            services.add_entry(
                incident,
                by=request.user,
                kind=WorkingSheetEntry.Kind.CORRECTION,
                text=form.cleaned_data["text"],
                occurred_at=occurred_at,
                corrects=original,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, "Correction added to the working sheet.")
            return redirect(_back_to_sheet(incident))
    return render(
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
