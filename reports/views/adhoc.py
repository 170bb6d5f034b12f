"""The ad-hoc reporting module's report page (SPEC S2, V2): purpose, filters, results,
grouped summaries and saved definitions.

The filters, the sort and the page number are always POSTed (no search term in a URL, §17):
the result table's sort headers and page links are buttons of the report form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from access import policy
from common.forms import handle_post
from incidents.models import Incident

from .. import services
from ..forms import (
    CLEAR_FILTERS,
    PURPOSE_REMINDER,
    REMOVE_FILTER,
    PurposeForm,
    ReportForm,
    SaveReportForm,
)
from ..queries import (
    COLUMNS,
    DIMENSIONS,
    SORTS,
    ReportDefinition,
    get_saved_report_for_user,
    grouped_counts,
    report_rows,
)
from .common import remember_purpose, reporting_page, safe_next, stated_purpose

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def purpose(request):
    """State (or change) why the module is being used this session."""
    if not policy.may_use_reporting(request.user):
        raise Http404
    form = PurposeForm(request.POST or None, initial={"purpose": stated_purpose(request)})

    def state(data) -> None:
        remember_purpose(request, data["purpose"])
        services.record_purpose(request.user, data["purpose"])

    return handle_post(
        request, form, state, redirect_to=safe_next(request, reverse("report"))
    ) or render(
        request,
        "reports/purpose.html",
        {"form": form, "reminder": PURPOSE_REMINDER, "next": safe_next(request, "")},
    )


@reporting_page
@require_http_methods(["GET", "POST"])
def report(request, *, purpose: str):
    """The report page. A POST runs the report, unless it clears the filters (the form
    comes back empty, nothing is run); a selected filter's tag runs it without that
    filter."""
    data = request.POST
    if request.method == "GET":
        return _page(request, purpose, ReportForm(viewer=request.user))
    if CLEAR_FILTERS in data:
        form = ReportForm(ReportForm.without_filters(data), viewer=request.user)
        return _page(request, purpose, form)
    if REMOVE_FILTER in data:
        data = ReportForm.without_filter(data, data[REMOVE_FILTER])
    return _page(request, purpose, ReportForm(data, viewer=request.user), run=True)


@reporting_page
@require_http_methods(["GET"])
def run_saved(request, pk: int, *, purpose: str):
    """Open a saved definition: the form filled in, ready to run."""
    saved = get_saved_report_for_user(request.user, pk, request=request)
    definition = ReportDefinition.from_json(saved.definition)
    form = ReportForm(initial=ReportForm.data_from(definition), viewer=request.user)
    return _page(request, purpose, form, saved=saved)


@reporting_page
@require_POST
def save(request, *, purpose: str):
    form = ReportForm(request.POST, viewer=request.user)
    save_form = SaveReportForm(request.POST)
    return handle_post(
        request,
        save_form if form.is_valid() else None,  # only a report that would run is saved
        lambda data: services.save_report(
            request.user, name=data["name"], definition=form.definition()
        ),
        success=lambda saved: f"Report saved as “{saved.name}”.",
        redirect_to=lambda saved: reverse("report-saved-run", args=[saved.pk]),
    ) or _page(request, purpose, form, save_form=save_form)


@reporting_page
@require_POST
def delete_saved(request, pk: int, *, purpose: str):
    saved = get_saved_report_for_user(request.user, pk, request=request, action="delete")
    services.delete_report(request.user, saved)
    messages.success(request, f"Saved report “{saved.name}” deleted.")
    return redirect("report")


def run_report(user, definition: ReportDefinition, *, sort: str, page_number, purpose: str):
    """Run a report for the page or the API: (sort applied, page of rows, summary), logged
    with its filters, purpose and row count (A2). A constant number of queries."""
    sort, rows = report_rows(policy.reportable_incidents(user), definition, sort)
    page = Paginator(rows, PAGE_SIZE).get_page(page_number)
    summary = grouped_counts(policy.reportable_incidents(user), definition)
    services.record_report_run(
        user,
        definition,
        purpose=purpose,
        row_count=page.paginator.count,
        sort=sort,
        page=page.number,
    )
    return sort, page, summary


def table(user, subject: str, rows) -> tuple[list[dict], str]:
    """The result rows as cells, each row with the link the user may follow (only to
    records they could open outside the module), and the page's protective marking."""
    rows = list(rows)
    if subject == "people":
        person_ids = [row.pk for row in rows]
        visible = set(
            policy.visible_people(user).filter(pk__in=person_ids).values_list("pk", flat=True)
        )
        markings = (
            policy.reportable_incidents(user)
            .filter(involvements__person__in=person_ids)
            .order_by()
            .values_list("marking", flat=True)
            .distinct()
            if person_ids
            else []
        )
        links = {
            row.pk: reverse("person-detail", args=[row.pk]) for row in rows if row.pk in visible
        }
        keys = [row.pk for row in rows]
    else:
        incidents = [row if subject == "incidents" else row.incident for row in rows]
        visible = set(
            policy.visible_incidents(user)
            .filter(pk__in=[incident.pk for incident in incidents])
            .values_list("pk", flat=True)
        )
        markings = [incident.marking for incident in incidents]
        links = {
            incident.pk: reverse("incident-detail", args=[incident.urn])
            for incident in incidents
            if incident.pk in visible
        }
        keys = [incident.pk for incident in incidents]
    cells = [
        {
            "values": [accessor(row) for _key, _label, accessor in COLUMNS[subject]],
            "link": links.get(key),
        }
        for row, key in zip(rows, keys, strict=True)
    ]
    return cells, Incident.Marking.highest(markings)


def _page(request, purpose, form, *, run=False, saved=None, save_form=None):
    user = request.user
    context = {
        "form": form,
        "save_form": save_form or SaveReportForm(initial={"name": saved.name if saved else ""}),
        "purpose": purpose,
        "reminder": PURPOSE_REMINDER,
        "saved_reports": policy.saved_reports_for(user),
        "saved": saved,
    }
    if run and form.is_valid():
        definition = form.definition()
        sort, page, summary = run_report(
            user,
            definition,
            sort=request.POST.get("sort") or request.POST.get("current_sort") or "",
            page_number=request.POST.get("page") or 1,
            purpose=purpose,
        )
        cells, marking = table(user, definition.subject, page.object_list)
        context.update(
            definition=definition,
            selected_filters=form.selected_filters(),
            sort=sort,
            page=page,
            rows=cells,
            columns=_columns(definition.subject, sort),
            summary=summary_table(definition, summary),
            protective_marking=marking,
        )
    return render(request, "reports/report.html", context)


def summary_table(definition: ReportDefinition, summary) -> dict | None:
    """grouped_counts' result as a table: a title, column labels and rows of counts."""
    if summary is None:
        return None
    row_labels, column_labels, counts = summary
    names = [DIMENSIONS[definition.group_rows][0].lower()]
    if definition.group_columns:
        names.append(DIMENSIONS[definition.group_columns][0].lower())
    return {
        "title": " and ".join(names),
        "columns": column_labels,
        "rows": [
            {"label": row, "counts": [counts.get((row, column), 0) for column in column_labels]}
            for row in row_labels
        ],
    }


def _columns(subject: str, sort: str) -> list[dict]:
    """Column headers with what clicking them sorts by (GOV.UK sortable-table wording)."""
    current = sort.lstrip("-")
    descending = sort.startswith("-")
    headers = []
    for key, label, _accessor in COLUMNS[subject]:
        header = {"key": key, "label": label, "sortable": key in SORTS[subject]}
        if key == current:
            header["aria_sort"] = "descending" if descending else "ascending"
            header["next_sort"] = key if descending else f"-{key}"
        else:
            header["aria_sort"] = "none"
            header["next_sort"] = key
        headers.append(header)
    return headers
