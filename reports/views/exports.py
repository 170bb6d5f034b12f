"""Exporting an ad-hoc report's results as CSV or XLSX (SPEC S3, V4).

The report page's export buttons post the report form itself (filters, the current sort)
plus `format`: nothing about the report travels in the URL (§17). An export is a bulk
output, so Confidential incidents never leave in it (`policy.exportable`), whoever asks -
including users of the incident's lead organisation - and neither do people and
involvements that belong only to Confidential incidents. Every export is audited with its
filters, purpose and row count.

`table_export` lets any other page export a table it has built (CSV or XLSX) in the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import forms
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from access import policy
from common.exports import Column, csv_response, dated_filename, xlsx_response
from incidents.models import Incident

from .. import services
from ..forms import ReportForm
from ..queries import COLUMNS, ReportDefinition, filter_incidents, report_rows
from .common import reporting_page

WRITERS = {"csv": csv_response, "xlsx": xlsx_response}
# What is not sent back to the report page when an export or print cannot be made.
NOT_KEPT = {"csrfmiddlewaretoken", "format", "page"}


class ExportFormatForm(forms.Form):
    format = forms.ChoiceField(
        label="File format",
        choices=[("csv", "CSV"), ("xlsx", "XLSX (Excel)")],
        error_messages={
            "required": "Choose a file format: CSV or XLSX.",
            "invalid_choice": "Choose a file format: CSV or XLSX.",
        },
    )


def table_export(
    file_format: str,
    stem: str,
    columns: Sequence[Column],
    rows: Iterable,
    marking: str,
) -> HttpResponse:
    """A dated CSV or XLSX download of any table; `response.row_count` says how many rows
    were written (for the caller's audit event)."""
    return WRITERS[file_format](dated_filename(stem, file_format), columns, rows, marking)


def sort_of(request) -> str:
    """The report's sort as the report page posts it (a sort header, or the current one)."""
    return request.POST.get("sort") or request.POST.get("current_sort") or ""


def report_marking(scoped_incidents: QuerySet, definition: ReportDefinition) -> str:
    """The highest marking among the incidents a report draws its rows from (one query)."""
    markings = (
        filter_incidents(scoped_incidents, definition)
        .order_by()
        .values_list("marking", flat=True)
        .distinct()
    )
    return Incident.Marking.highest(markings)


def invalid_report(request, forms_with_errors: Sequence[forms.Form], *, what: str):
    """400: the export or print was not made; the errors, and a way back to the report with
    what was typed."""
    errors = []
    for form in forms_with_errors:
        for name, messages in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            errors.extend((label, message) for message in messages)
    kept = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_KEPT
        for value in values
    ]
    return render(
        request,
        "reports/export_error.html",
        {"errors": errors, "kept": kept, "what": what},
        status=400,
    )


@reporting_page
@require_POST
def report_export(request, *, purpose: str):
    form = ReportForm(request.POST, viewer=request.user)
    format_form = ExportFormatForm(request.POST)
    if not (form.is_valid() and format_form.is_valid()):
        return invalid_report(request, [form, format_form], what="export")
    definition = form.definition()
    file_format = format_form.cleaned_data["format"]
    scoped = policy.exportable(policy.reportable_incidents(request.user))
    _sort, rows = report_rows(scoped, definition, sort_of(request))
    response = table_export(
        file_format,
        "report",
        COLUMNS[definition.subject],
        rows,
        report_marking(scoped, definition),
    )
    services.record_export(
        request.user,
        what="report",
        file_format=file_format,
        row_count=response.row_count,
        filters=definition.described(),
        purpose=purpose,
    )
    return response
