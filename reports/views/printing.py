"""Printing to PDF (SPEC S3, C7): a case summary, and an ad-hoc report's results.

Every page of every PDF carries the protective marking at the top and the bottom and who
printed it, when (templates/reports/pdf/base.html). Every print is audited.

- A case summary is one record the user may open (404 otherwise, V5) and carries that
  record's own marking: a Confidential case prints as Confidential for those who may see it.
- A report PDF is a bulk output: no Confidential incidents (V4), at most PRINT_LIMIT rows
  (with a note saying so), marked with the highest marking among the rows printed.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.forms import ModelMultipleChoiceField
from django.views.decorators.http import require_GET, require_POST

from access import policy
from common.exports import dated_filename
from common.pdf import page_context, pdf_response, render_pdf
from incidents import case_sections
from incidents.models import Incident
from incidents.queries import with_high_risk_state

from .. import services
from ..forms import ReportForm
from ..queries import COLUMNS, DIMENSIONS, SUBJECTS, ReportDefinition, grouped_counts, report_rows
from .common import reporting_page
from .exports import invalid_report, sort_of

# WeasyPrint lays out about 100 table rows a second: 500 rows print in about 5 s, well inside
# a web request; bigger result sets are for CSV or XLSX.
PRINT_LIMIT = 500


def _case_sections(incident, user) -> dict:
    """The incident page's sections that the printed summary shows (people, risk, working
    sheet, tasks, closure: incidents.case_sections), each a fixed number of queries."""
    return case_sections.contexts(incident, user, printed=True)


@login_required
@require_GET
def incident_pdf(request, urn: str):
    incident = policy.get_incident_for_user(
        request.user,
        urn,
        request=request,
        record_view=False,  # the print is the audited read
        related=("pen_code", "received_by"),
        annotate=with_high_risk_state,
    )
    prefetch_related_objects([incident], "qualifier_codes", "aggravating_factors")
    context = {
        **page_context(request.user, incident.marking, title=f"Incident {incident.urn}"),
        "incident": incident,
        **_case_sections(incident, request.user),
    }
    content = render_pdf("reports/pdf/incident.html", context, request=request)
    services.record_print(
        request.user,
        what="incident",
        target_id=incident.urn,
        marking=incident.marking,
    )
    return pdf_response(content, f"sentinel-{incident.urn}.pdf")


@reporting_page
@require_POST
def report_pdf(request, *, purpose: str):
    form = ReportForm(request.POST, viewer=request.user)
    if not form.is_valid():
        return invalid_report(request, [form], what="PDF")
    definition = form.definition()
    subject = definition.subject
    scoped = policy.exportable(policy.reportable_incidents(request.user))
    sort, rows = report_rows(scoped, definition, sort_of(request))
    printed = list(rows[: PRINT_LIMIT + 1])
    truncated = len(printed) > PRINT_LIMIT
    if truncated:
        printed = printed[:PRINT_LIMIT]
    row_count = rows.count() if truncated else len(printed)
    marking = _rows_marking(subject, printed, scoped)
    columns = COLUMNS[subject]
    context = {
        **page_context(request.user, marking, title="Ad-hoc report"),
        "subject_label": SUBJECTS[subject],
        "purpose": purpose,
        "filters": filters_in_words(definition, request.user),
        "sort_label": _sort_label(subject, sort),
        "row_count": row_count,
        "truncated": truncated,
        "limit": PRINT_LIMIT,
        "columns": [label for _key, label, _accessor in columns],
        "rows": [[accessor(row) for _key, _label, accessor in columns] for row in printed],
        "summary": _summary(grouped_counts(scoped, definition), definition),
    }
    content = render_pdf("reports/pdf/report.html", context, request=request)
    services.record_print(
        request.user,
        what="report",
        row_count=len(printed),
        filters=definition.described(),
        purpose=purpose,
        marking=marking,
    )
    return pdf_response(content, dated_filename("report", "pdf"))


def _rows_marking(subject: str, rows: list, scoped_incidents) -> str:
    """The highest marking among the rows printed: an incident's own, an involvement's
    incident's, and for a person the incidents in scope they are involved in."""
    if subject == "incidents":
        markings = [row.marking for row in rows]
    elif subject == "involvements":
        markings = [row.incident.marking for row in rows]
    elif rows:
        markings = (
            scoped_incidents.filter(involvements__person__in=[row.pk for row in rows])
            .order_by()
            .values_list("marking", flat=True)
            .distinct()
        )
    else:
        markings = []
    return Incident.Marking.highest(markings)


def _sort_label(subject: str, sort: str) -> str:
    labels = {key: label for key, label, _accessor in COLUMNS[subject]}
    label = labels.get(sort.lstrip("-"), sort.lstrip("-"))
    return f"{label}, {'descending' if sort.startswith('-') else 'ascending'}"


def filters_in_words(definition: ReportDefinition, viewer) -> list[tuple[str, str]]:
    """The report's filters as the report form labels them: [("Areas", "Blaby, Melton"),
    ...], only those set. Names of chosen areas, organisations and interventions are read
    from the database (one query each, only when chosen)."""
    form = ReportForm(viewer=viewer)
    words = []
    for name, value in definition.described().items():
        if name in ("subject", "group_rows", "group_columns"):
            continue
        field = form.fields.get(name)
        label = field.label if field else name
        if isinstance(field, ModelMultipleChoiceField):
            text = ", ".join(str(item) for item in field.queryset.filter(pk__in=value))
        elif name in ("reported_from", "reported_to"):
            text = datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        elif isinstance(value, list):
            choices = dict(getattr(field, "choices", []))
            text = ", ".join(str(choices.get(item, item)) for item in value)
        else:
            text = str(value)
        words.append((label, text))
    return words


def _summary(grouped, definition: ReportDefinition) -> dict | None:
    """A grouped summary (reports.queries.grouped_counts) as table rows, zeros filled in."""
    if grouped is None:
        return None
    row_labels, column_labels, counts = grouped
    title = DIMENSIONS[definition.group_rows][0].lower()
    if definition.group_columns in DIMENSIONS:
        title += f" and {DIMENSIONS[definition.group_columns][0].lower()}"
    return {
        "title": title,
        "columns": column_labels,
        "rows": [
            {"label": row, "counts": [counts.get((row, column), 0) for column in column_labels]}
            for row in row_labels
        ],
    }
