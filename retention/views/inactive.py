"""The inactive-records report (SPEC D3): open incidents with no activity for N days, the
longest quiet first, for enhanced users, analysts and administrators
(`policy.may_see_inactive_records`), over the incidents they may view
(`policy.inactive_records_for`).

"Activity" is any change to the case or a part of it (incidents/activity.py). The number of
days travels in the address (a number, never personal data). Every page shown and every
download is audited with the number of days and rows. The CSV download is a bulk export, so
it never includes Confidential incidents (V4), which the page itself lists.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from access import policy
from audit.models import AuditEvent
from audit.services import record_event
from incidents.models import Incident
from reports.views.exports import table_export

from .. import queries
from ..forms import InactiveForm

PAGE_SIZE = 50


def _may_see(request) -> None:
    if not policy.may_see_inactive_records(request.user):
        raise Http404


def _record(request, *, days: int, row_count: int, file_format: str, **details) -> None:
    record_event(
        AuditEvent.Type.INACTIVE_REPORT,
        actor=request.user,
        request=request,
        target=("inactive_records", ""),
        details={"days": days, "row_count": row_count, "format": file_format, **details},
    )


@login_required
@require_GET
def inactive_records(request):
    _may_see(request)
    form = InactiveForm.from_data(request.GET)
    context = {"form": form, "default_days": InactiveForm.default_days()}
    if form.is_valid():
        days = form.cleaned_data["days"]
        page = Paginator(queries.inactive_records(request.user, days), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        today = timezone.localdate()
        rows = list(page.object_list)
        for incident in rows:
            incident.days_quiet = queries.days_quiet(incident, today)
        _record(
            request,
            days=days,
            row_count=page.paginator.count,
            file_format="screen",
            page=page.number,
        )
        context.update(
            days=days,
            page=page,
            rows=rows,
            filter_query=f"days={days}&",
            protective_marking=Incident.Marking.highest(i.marking for i in rows),
        )
    return render(request, "retention/inactive/report.html", context)


def _columns(today):
    return [
        ("urn", "Reference", lambda i: i.urn),
        ("area", "Area", lambda i: str(i.area)),
        ("lead_organisation", "Lead organisation", lambda i: str(i.lead_organisation)),
        ("lead_officer", "Lead officer", lambda i: str(i.lead_officer or "")),
        ("status", "Status", lambda i: i.get_status_display()),
        (
            "last_activity",
            "Last activity",
            lambda i: timezone.localtime(i.last_activity_at).strftime("%Y-%m-%d"),
        ),
        ("days", "Days without activity", lambda i: queries.days_quiet(i, today)),
    ]


@login_required
@require_POST
def inactive_records_export(request):
    _may_see(request)
    form = InactiveForm.from_data(request.POST)
    if not form.is_valid():
        return render(
            request,
            "retention/inactive/report.html",
            {"form": form, "default_days": InactiveForm.default_days()},
            status=400,
        )
    days = form.cleaned_data["days"]
    exported = policy.exportable(queries.inactive_records(request.user, days))
    markings = exported.order_by().values_list("marking", flat=True).distinct()
    response = table_export(
        "csv",
        "inactive-records",
        _columns(timezone.localdate()),
        exported,
        Incident.Marking.highest(markings),
    )
    _record(request, days=days, row_count=response.row_count, file_format="csv")
    return response


urlpatterns = [
    path("retention/inactive/", inactive_records, name="inactive-records"),
    path(
        "retention/inactive/download/",
        inactive_records_export,
        name="inactive-records-export",
    ),
]
