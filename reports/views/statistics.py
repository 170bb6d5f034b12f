"""Depersonalised statistics (SPEC S5): incidents by area x category x month, for the
partnership's reports and for publication.

Part of the reporting module (analysts and administrators, with a stated purpose). No
personal identifiers appear - no references, names, addresses or postcodes: only areas,
categories, months and counts - and every count from 1 to 4 is shown as "suppressed" (S5),
on the page and in the CSV alike. The rules, as the page explains them:

- A count of 0 is shown as 0: an empty cell identifies no one.
- The only totals are each row's "All categories", itself "suppressed" when any count in the
  row is (otherwise the hidden count could be worked out by subtraction). There are no
  column or grand totals, so no other sum can give a suppressed count away.
- Periods are whole calendar months. A period starting or ending mid-month would let two
  downloads be subtracted to reveal the incidents of a few days.

The period and area travel in the query string: neither is personal data.
"""

from __future__ import annotations

import datetime

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from access import policy
from audit.models import AuditEvent
from common.exports import csv_response
from incidents.models import Incident

from .. import analysis
from ..forms import PeriodForm
from ..services import record_analysis, record_export
from .common import reporting_page

MAX_MONTHS = 36
DEFAULT_MONTHS = 12
# Counts only, small numbers suppressed, no identifiers: the lowest marking (PROTECT, or
# OFFICIAL under the newer scheme), ready to be checked and published, rather than the
# marking of the case records the counts come from.
STATISTICS_MARKING = Incident.Marking.PROTECT


def _add_months(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(day: datetime.date) -> datetime.date:
    return _add_months(day.replace(day=1), 1) - datetime.timedelta(days=1)


class StatisticsForm(PeriodForm):
    """A period of whole months (at most three years) and optionally an area."""

    @classmethod
    def defaults(cls) -> dict:
        """The last twelve months, this one included."""
        this_month = timezone.localdate().replace(day=1)
        return {
            "reported_from": _add_months(this_month, 1 - DEFAULT_MONTHS).isoformat(),
            "reported_to": timezone.localdate().isoformat(),
        }

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        end = cleaned.get("reported_to") or timezone.localdate()
        start = cleaned.get("reported_from") or _add_months(end.replace(day=1), 1 - MAX_MONTHS)
        cleaned["start"], cleaned["end"] = start.replace(day=1), _month_end(end)
        if len(analysis.months_between(cleaned["start"], cleaned["end"])) > MAX_MONTHS:
            self.add_error("reported_from", "Choose a period of 36 months or fewer.")
        return cleaned

    def leaf_areas(self) -> list:
        """The areas counted: the district, city and unitary areas inside the chosen area,
        or all of them."""
        areas = self.fields["area"].queryset.filter(numchild=0).order_by("name")
        chosen = self.cleaned_data.get("area")
        if chosen is not None:
            areas = areas.filter(path__startswith=chosen.path)
        return list(areas)

    def described(self) -> dict:
        """The filters as logged (A2)."""
        data = self.cleaned_data
        return {
            "reported_from": data["start"].isoformat(),
            "reported_to": data["end"].isoformat(),
            "area": data["area"].name if data.get("area") else None,
        }


def _statistics(request):
    """(form, table or None)."""
    form = StatisticsForm(request.GET or StatisticsForm.defaults(), viewer=request.user)
    if not form.is_valid():
        return form, None
    table = analysis.monthly_statistics(
        policy.reportable_incidents(request.user),
        form.leaf_areas(),
        form.cleaned_data["start"],
        form.cleaned_data["end"],
    )
    return form, table


@reporting_page
def statistics(request, *, purpose):
    form, table = _statistics(request)
    if table is not None:
        record_analysis(
            request.user,
            AuditEvent.Type.STATISTICS_VIEWED,
            filters=form.described(),
            row_count=table.cell_count,
            purpose=purpose,
        )
    return render(
        request,
        "reports/statistics.html",
        {
            "form": form,
            "table": table,
            "purpose": purpose,
            "download_query": request.GET.urlencode(),
            "suppressed": analysis.SUPPRESSED,
            "smallest_shown": analysis.SMALLEST_SHOWN,
            "max_months": MAX_MONTHS,
            "protective_marking": STATISTICS_MARKING,
        },
    )


CSV_COLUMNS = [
    ("area", "area", lambda row: row[0]),
    ("category", "category", lambda row: row[1]),
    ("month", "month", lambda row: row[2].strftime("%Y-%m")),
    ("incidents", "incidents", lambda row: row[3]),
]


@reporting_page
def statistics_csv(request, *, purpose):
    """The same table for publication: one line per area, category and month."""
    form, table = _statistics(request)
    if table is None:  # the page says what is wrong with the period, field by field
        return redirect(f"{reverse('statistics')}?{request.GET.urlencode()}")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    response = csv_response(
        f"asb-statistics-{start:%Y-%m}-to-{end:%Y-%m}.csv",
        CSV_COLUMNS,
        table.long_rows(),
        STATISTICS_MARKING,
    )
    record_export(
        request.user,
        what="statistics",
        file_format="csv",
        row_count=response.row_count,
        filters=form.described(),
        purpose=purpose,
    )
    return response
