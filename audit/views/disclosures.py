"""The disclosure register (A5, docs/requirements.md): disclosures of information held on the
system made outside it, recorded by an administrator of the organisation that made them, and
reported by volume and reason.

Administrators see their own organisation's register, deployment-wide administrators every
organisation's (`policy.disclosures_for`). An entry is never changed once recorded.
"""

from __future__ import annotations

import datetime

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from access import policy
from common.exports import csv_response
from common.forms import handle_post

from .. import queries, registers
from ..forms import DisclosureForm
from .common import paged, period_form, register_page

REPORT_MARKING = "restricted"


@register_page
@require_GET
def disclosure_list(request):
    form = period_form(request)
    disclosures = policy.disclosures_for(request.user)
    if form.is_valid():
        start, end = form.period()
        disclosures = queries.in_period(disclosures, "disclosed_on", start, end)
    else:
        start = end = None
    page, query = paged(request, disclosures.select_related("organisation", "recorded_by"), form)
    registers.record_register_view(
        request.user,
        "disclosure",
        details={
            **registers.period_of(start, end),
            "page": page.number,
            "row_count": page.paginator.count,
        },
    )
    return render(
        request,
        "audit/disclosures/list.html",
        {"form": form, "page": page, "query": query, "all_organisations": _all(request.user)},
    )


@register_page
@require_http_methods(["GET", "POST"])
def disclosure_add(request):
    form = DisclosureForm(request.POST or None, recorder=request.user)
    return handle_post(
        request,
        form,
        lambda data: registers.record_disclosure(
            by=request.user, incident=form.incident, **form.service_fields()
        ),
        success=lambda disclosure: f"Disclosure {disclosure.pk} recorded.",
        redirect_to=lambda disclosure: reverse("disclosure-detail", args=[disclosure.pk]),
    ) or render(request, "audit/disclosures/add.html", {"form": form})


@register_page
@require_GET
def disclosure_detail(request, pk: int):
    disclosure = policy.get_register_entry_for_user(
        request.user, "disclosure", pk, request=request
    )
    registers.record_register_view(request.user, "disclosure", disclosure.pk)
    return render(
        request,
        "audit/disclosures/detail.html",
        {"disclosure": disclosure, "all_organisations": _all(request.user)},
    )


def _all(user) -> bool:
    """Whether to show whose entry each is (a deployment-wide administrator's register holds
    every organisation's)."""
    return bool(user.manages_all_organisations)


def _report_period(request):
    today = timezone.localdate()
    return period_form(
        request,
        defaults={
            "date_from": (today - datetime.timedelta(days=365)).isoformat(),
            "date_to": today.isoformat(),
        },
    )


@register_page
@require_GET
def disclosure_report(request):
    """The volume of disclosures in a period by organisation and reason, and by legal
    gateway, with totals (the dates travel in the query string: no personal data)."""
    form = _report_period(request)
    context = {"form": form}
    if form.is_valid():
        start, end = form.period()
        by_reason, by_gateway = queries.disclosure_volume(
            policy.disclosures_for(request.user), start, end
        )
        registers.record_disclosure_report(
            request.user,
            start=start,
            end=end,
            file_format="page",
            total=by_reason.total,
            organisations=len(by_reason.organisations),
        )
        context.update(
            start=start,
            end=end,
            tables=[by_reason, by_gateway],
            download_query=_query(start, end),
        )
    return render(request, "audit/disclosures/report.html", context)


def _query(start, end) -> str:
    """The period as the download link carries it (blank dates kept blank)."""
    return urlencode(
        {
            "date_from": start.isoformat() if start else "",
            "date_to": end.isoformat() if end else "",
        }
    )


REPORT_COLUMNS = [
    ("organisation", "Organisation", lambda row: row[0]),
    ("breakdown", "Counted by", lambda row: row[1]),
    ("value", "Reason or legal gateway", lambda row: row[2]),
    ("disclosures", "Disclosures", lambda row: row[3]),
]


@register_page
@require_GET
def disclosure_report_csv(request):
    form = _report_period(request)
    if not form.is_valid():
        return redirect(f"{reverse('disclosure-report')}?{request.GET.urlencode()}")
    start, end = form.period()
    by_reason, by_gateway = queries.disclosure_volume(
        policy.disclosures_for(request.user), start, end
    )
    lines = by_reason.long_rows("reason") + by_gateway.long_rows("legal gateway")
    period = f"{start:%Y-%m-%d}-to-{end:%Y-%m-%d}" if start and end else "all"
    response = csv_response(
        f"sentinel-disclosures-{period}.csv", REPORT_COLUMNS, lines, REPORT_MARKING
    )
    registers.record_disclosure_report(
        request.user,
        start=start,
        end=end,
        file_format="csv",
        total=by_reason.total,
        organisations=len(by_reason.organisations),
    )
    return response
