"""The breach register (A6, docs/requirements.md): breaches of the agreement - loss or theft,
transfer to someone not entitled, unauthorised access attempts, changes, disruption or use -
their investigation and its outcome.

Administrators see the breaches concerning their own organisation, deployment-wide
administrators every organisation's (`policy.breaches_for`). Updating the investigation is
guarded by the breach's version: a save based on what someone else has since changed is
refused, saying what changed, with everything typed kept.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from access import policy
from common.conflicts import StaleEdit
from common.forms import add_service_errors, handle_post

from .. import queries, registers
from ..forms import BreachForm, BreachInvestigationForm
from ..history import history_of
from ..models import Breach
from .common import paged, period_form, register_page


@register_page
@require_GET
def breach_list(request):
    form = period_form(request)
    breaches = policy.breaches_for(request.user)
    if form.is_valid():
        start, end = form.period()
        breaches = queries.in_period(breaches, "discovered_on", start, end)
    else:
        start = end = None
    page, query = paged(request, breaches.select_related("organisation"), form)
    registers.record_register_view(
        request.user,
        "breach",
        details={
            **registers.period_of(start, end),
            "page": page.number,
            "row_count": page.paginator.count,
        },
    )
    return render(
        request,
        "audit/breaches/list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "all_organisations": bool(request.user.manages_all_organisations),
        },
    )


@register_page
@require_http_methods(["GET", "POST"])
def breach_add(request):
    form = BreachForm(request.POST or None, recorder=request.user)
    return handle_post(
        request,
        form,
        lambda data: registers.record_breach(
            by=request.user,
            organisation=data["organisation"],
            **form.service_fields(),
        ),
        success=lambda breach: f"Breach {breach.pk} recorded.",
        redirect_to=lambda breach: reverse("breach-detail", args=[breach.pk]),
    ) or render(request, "audit/breaches/add.html", {"form": form})


@register_page
@require_GET
def breach_detail(request, pk: int):
    breach = policy.get_register_entry_for_user(request.user, "breach", pk, request=request)
    registers.record_register_view(request.user, "breach", breach.pk)
    return render(
        request,
        "audit/breaches/detail.html",
        {"breach": breach, "entries": history_of(breach), "statuses": Breach.Status},
    )


@register_page
@require_http_methods(["GET", "POST"])
def breach_edit(request, pk: int):
    breach = policy.get_register_entry_for_user(request.user, "breach", pk, request=request)
    conflict = None
    if request.method == "POST":
        form = BreachInvestigationForm(request.POST)
        if form.is_valid():
            version = form.cleaned_data["version"]
            try:
                registers.update_breach(
                    breach,
                    by=request.user,
                    expected_version=version,
                    **form.service_fields(),
                )
            except StaleEdit as stale:
                conflict = stale.changes
                registers.record_breach_conflict(
                    request.user,
                    breach,
                    based_on_version=version,
                    changes=len(conflict),
                )
                # Keep everything typed; the next save is made knowingly over the changes.
                form.data = form.data.copy()
                form.data["version"] = str(
                    policy.breaches_for(request.user)
                    .values_list("version", flat=True)
                    .get(pk=breach.pk)
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Breach {breach.pk} updated.")
                return redirect("breach-detail", pk=breach.pk)
    else:
        registers.record_register_view(request.user, "breach", breach.pk)
        form = BreachInvestigationForm(initial=BreachInvestigationForm.initial_for(breach))
    return render(
        request,
        "audit/breaches/edit.html",
        {"breach": breach, "form": form, "conflict": conflict},
    )
