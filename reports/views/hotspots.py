"""Hotspots and patterns (SPEC S4): where and when incidents cluster, and repeat locations,
victims and perpetrators, over a period.

Who sees what is the policy's `analysis_incidents`: county-wide for the users of the reporting
module (analysts and administrators), for whom this page is part of the module and so needs a
stated purpose (V2); the user's own view for operational and enhanced users. The period, area,
category and threshold travel in the query string: none of them is personal data.
"""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from access import policy
from audit.models import AuditEvent
from incidents.models import CaseRules, Incident

from .. import analysis
from ..forms import PeriodForm
from ..queries import ReportDefinition, filter_incidents
from ..services import record_analysis
from .common import stated_purpose

MAX_THRESHOLD = 50
CELLS_LISTED = 100  # the busiest cells in the table; the map shows them all
GRID_SIZE = f"{analysis.GRID_DEGREES} degrees, about 550 by 340 metres"


class HotspotForm(PeriodForm):
    """The period and area (PeriodForm), a category, and how many incidents make a repeat."""

    category = forms.ChoiceField(
        label="Category",
        choices=[("", "All categories"), *Incident.Category.choices],
        required=False,
    )
    minimum = forms.IntegerField(
        label="Incidents that make a repeat",
        help_text="A place or person with at least this many incidents in the period.",
        min_value=2,
        max_value=MAX_THRESHOLD,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "class": "govuk-input govuk-input--width-3"}
        ),
        error_messages={
            "invalid": "Enter the number of incidents as a whole number, like 3.",
            "min_value": "A repeat needs at least 2 incidents.",
            "max_value": f"Enter {MAX_THRESHOLD} incidents or fewer.",
        },
    )

    field_order = ["reported_from", "reported_to", "area", "category", "minimum"]

    @classmethod
    def defaults(cls, minimum: int) -> dict:
        """What the page shows first: the last 90 days, every area and category, and the
        partnership's repeat rule (CaseRules, the same number as the S4a repeat flag)."""
        today = timezone.localdate()
        return {
            "reported_from": (today - datetime.timedelta(days=90)).isoformat(),
            "reported_to": today.isoformat(),
            "minimum": str(minimum),
        }


def _described(data: dict, minimum: int, county_wide: bool) -> dict:
    """The filters as logged (A2) and shown: only plain values."""
    return {
        "reported_from": data["reported_from"].isoformat() if data["reported_from"] else None,
        "reported_to": data["reported_to"].isoformat() if data["reported_to"] else None,
        "area": data["area"].name if data["area"] else None,
        "category": data["category"] or None,
        "minimum": minimum,
        "scope": "county" if county_wide else "own",
    }


@login_required
def hotspots(request):
    user = request.user
    if not policy.may_search(user):
        raise Http404
    county_wide = policy.may_use_reporting(user)
    purpose = stated_purpose(request)
    if county_wide and not purpose:
        return redirect(
            f"{reverse('report-purpose')}?{urlencode({'next': request.get_full_path()})}"
        )
    default_minimum = CaseRules.current().repeat_min_incidents
    params = request.GET.copy() if request.GET else HotspotForm.defaults(default_minimum)
    if not params.get("minimum"):  # left blank: the rule, shown in the box
        params["minimum"] = str(default_minimum)
    form = HotspotForm(params, viewer=user)
    context = {
        "form": form,
        "county_wide": county_wide,
        "purpose": purpose,
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "grid_size": GRID_SIZE,
        "results": None,
    }
    if form.is_valid():
        data = form.cleaned_data
        minimum = data["minimum"]
        definition = ReportDefinition(
            reported_from=data["reported_from"],
            reported_to=data["reported_to"],
            areas=[data["area"].pk] if data["area"] else [],
            categories=[data["category"]] if data["category"] else [],
        )
        incidents = filter_incidents(policy.analysis_incidents(user), definition)
        cells = analysis.hotspot_cells(incidents)
        weekdays = analysis.incidents_by_weekday_and_time(incidents)
        repeats = {
            "locations": analysis.repeat_locations(incidents, minimum, user),
            "victims": analysis.repeat_victims(incidents, minimum, user),
            "perpetrators": analysis.repeat_perpetrators(incidents, minimum, user),
        }
        on_map = sum(cell.count for cell in cells)
        record_analysis(
            user,
            AuditEvent.Type.HOTSPOTS_VIEWED,
            filters=_described(data, minimum, county_wide),
            row_count=weekdays.total,  # the incidents analysed: every one is in that table
            purpose=purpose or "Hotspots",
        )
        context.update(
            minimum=minimum,
            results={
                "cells": cells[:CELLS_LISTED],
                "cells_total": len(cells),
                "cells_json": [cell.as_json() for cell in cells],
                "categories": [label for _code, label in analysis.CATEGORIES],
                "on_map": on_map,
                "off_map": weekdays.total - on_map,
                "weekdays": weekdays,
                "repeats": repeats,
                "total": weekdays.total,
                "category": dict(Incident.Category.choices).get(data["category"], ""),
            },
            protective_marking=Incident.Marking.highest(analysis.markings_of(incidents)),
        )
    return render(request, "reports/hotspots.html", context)
