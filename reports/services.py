"""Every write and every audited read of the search and reporting pages (SPEC S1-S5, A2).

A search, report run, export, print and statistics download each writes one audit event
with who, when, the filters or terms, the purpose (the justification) and the row count.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from audit.services import record_event

from .models import SavedReport
from .queries import ReportDefinition


def record_purpose(
    user,
    purpose: str,
) -> None:
    """The user stated why they are using the reporting module (V2)."""
    record_event(
        AuditEvent.Type.REPORT_PURPOSE_STATED,
        actor=user,
        justification=purpose,
        details={},
    )


def record_search(user, *, kind: str, terms: dict, results: int, purpose=""):
    record_event(
        AuditEvent.Type.SEARCH,
        actor=user,
        target=(kind, ""),
        justification=purpose or "Basic search",
        details={"kind": kind, "terms": terms, "row_count": results},
    )


def record_report_run(
    user,
    definition: ReportDefinition,
    *,
    purpose: str,
    row_count: int,
    sort: str = "",
    page: int = 1,
    saved_report: SavedReport | None = None,
):
    record_event(
        AuditEvent.Type.REPORT_RUN,
        actor=user,
        target=("report", saved_report.pk if saved_report else ""),
        justification=purpose,
        details={
            "filters": definition.described(),
            "sort": sort,
            "page": page,
            "row_count": row_count,
        },
    )


def record_export(
    user,
    *,
    what: str,
    file_format: str,
    row_count: int,
    filters: dict | None = None,
    purpose: str = "",
):
    """An export (CSV, XLSX) of `what` ("report", "statistics", ...)."""
    record_event(
        AuditEvent.Type.EXPORTED,
        actor=user,
        target=(what, ""),
        justification=purpose,
        details={"format": file_format, "row_count": row_count, "filters": filters or {}},
    )


def record_print(
    user,
    *,
    what: str,
    target_id: str = "",
    row_count: int | None = None,
    filters: dict | None = None,
    purpose: str = "",
    marking: str = "",
):
    """A PDF printed: a case summary (target_id = URN) or a report's results."""
    details = {"marking": marking}
    if row_count is not None:
        details["row_count"] = row_count
    if filters is not None:
        details["filters"] = filters
    record_event(
        AuditEvent.Type.PRINTED,
        actor=user,
        target=(what, target_id),
        justification=purpose,
        details=details,
    )


def record_analysis(user, event_type: str, *, filters: dict, row_count: int, purpose=""):
    """Hotspots (S4) or statistics (S5) produced."""
    record_event(
        event_type,
        actor=user,
        justification=purpose,
        details={"filters": filters, "row_count": row_count},
    )


@transaction.atomic
def save_report(user, *, name: str, definition: ReportDefinition) -> SavedReport:
    """Save (or, under the same name, replace) one of the user's report definitions."""
    name = " ".join(name.split())
    try:
        with transaction.atomic():
            report, created = SavedReport.objects.update_or_create(
                owner=user, name=name, defaults={"definition": definition.as_json()}
            )
    except IntegrityError as error:  # a double submit racing itself
        raise ValidationError({"name": "A report with this name was saved just now."}) from error
    record_event(
        AuditEvent.Type.REPORT_SAVED,
        actor=user,
        target=("report", report.pk),
        details={"name": name, "replaced": not created, "filters": definition.described()},
    )
    return report


@transaction.atomic
def delete_report(
    user,
    report: SavedReport,
) -> None:
    if report.owner_id != user.pk:
        raise ValidationError("You can only delete your own reports.")
    record_event(
        AuditEvent.Type.REPORT_DELETED,
        actor=user,
        target=("report", report.pk),
        details={"name": report.name},
    )
    report.delete()
