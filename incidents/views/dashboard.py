"""The caseworker's dashboard (issue #4): the closure queue, High-risk cases on daily
monitoring, victim updates overdue and due soon, my tasks and my open cases.

Every list starts from the policy (`policy.visible_incidents`, or the closure rule for the
closure queue) and then narrows it to a selection: the cases I lead, or, for a supervisor
(enhanced users and administrators), the cases my organisation leads. The selection never
grants anything the policy does not.

Each section is one query, whatever the data: its first rows and, in the same query (a window
count), how many there are in all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Window
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from access import policy

from ..models import CaseRules, ClosureRequest, Incident, Task, WorkingSheetEntry
from ..queries import (
    VictimUpdate,
    on_daily_monitoring,
    required_referral,
    victim_update_deadline,
    victim_updates,
    with_high_risk_state,
)

# Rows shown in each section; the rest are counted.
SHOWN = 25
CASE_RELATED = ("area", "lead_officer", "lead_organisation")


@dataclass
class Section:
    rows: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


def _first(queryset, shown: int = SHOWN) -> Section:
    """The first `shown` rows and how many rows there are in all, in one query."""
    rows = list(queryset.annotate(listed_in_all=Window(Count("pk")))[:shown])
    return Section(rows, rows[0].listed_in_all if rows else 0)


def _supervised(user, visible):
    """The cases whose supervision is the user's: for enhanced users and administrators the
    cases their organisation leads (and any they lead themselves); for everyone else the
    cases they lead. A selection on top of what the policy lets them see."""
    if policy.supervises_cases(user):
        return visible.filter(Q(lead_organisation_id=user.organisation_id) | Q(lead_officer=user))
    return visible.filter(lead_officer=user)


def _closure_queue(user) -> Section | None:
    """K2: as the closure queue page (incidents.views.closure.queue), oldest submission
    first. None for users who may not close cases."""
    if not policy.may_close_cases(user):
        return None
    return _first(
        ClosureRequest.objects.filter(
            decision=ClosureRequest.Decision.PENDING,
            incident__in=Incident.objects.for_user(user, policy.Action.CLOSE),
        )
        .select_related("incident__area", "submitted_by")
        .order_by("submitted_at", "id")
    )


def _high_risk(supervised, today) -> Section:
    """R2: High-risk cases on daily monitoring, the longest unreviewed first."""
    section = _first(
        with_high_risk_state(
            supervised.filter(on_daily_monitoring()).select_related(*CASE_RELATED)
        ).order_by(F("last_monitoring_review").asc(nulls_first=True), "high_since", "pk")
    )
    for incident in section.rows:
        incident.referral_to = WorkingSheetEntry.ReferralTo(required_referral(incident)).label
        review = incident.last_monitoring_review
        incident.reviewed_today = review is not None and timezone.localdate(review) == today
    return section


def _victim_updates(supervised, state, today, rules) -> Section:
    """R3: open cases whose victim update is overdue or due soon, the oldest clock first."""
    section = _first(
        supervised.filter(victim_updates(state, today=today, rules=rules))
        .select_related(*CASE_RELATED)
        .order_by("victim_clock_from", "pk")
    )
    for incident in section.rows:
        incident.update_due_by = victim_update_deadline(incident, rules)
    return section


def _my_tasks(user, visible, today) -> Section:
    """W2: open tasks assigned to me, soonest due first."""
    section = _first(
        Task.objects.filter(assigned_to=user, status=Task.Status.OPEN, incident__in=visible)
        .select_related("incident", "assigned_by__organisation")
        .order_by("due_on", "id")
    )
    for task in section.rows:
        task.is_overdue = task.due_on < today
    return section


def _my_open_cases(user, visible) -> Section:
    return _first(
        visible.filter(lead_officer=user)
        .exclude(status=Incident.Status.CLOSED)
        .select_related("area")
        .order_by("-created_at", "-id")
    )


@login_required
def dashboard(request):
    user = request.user
    if not policy.works_cases(user):
        # Basic users log complaints and see no case afterwards (G1): nothing to supervise.
        return redirect("home")
    today = timezone.localdate()
    rules = CaseRules.current()
    visible = policy.visible_incidents(user)
    supervised = _supervised(user, visible)
    sections = {
        "closure_queue": _closure_queue(user),
        "high_risk": _high_risk(supervised, today),
        "overdue": _victim_updates(supervised, VictimUpdate.OVERDUE, today, rules),
        "due": _victim_updates(supervised, VictimUpdate.DUE, today, rules),
        "tasks": _my_tasks(user, visible, today),
        "cases": _my_open_cases(user, visible),
    }
    shown = [
        row.incident if isinstance(row, ClosureRequest | Task) else row
        for section in sections.values()
        if section is not None
        for row in section.rows
    ]
    return render(
        request,
        "incidents/dashboard.html",
        {
            **sections,
            "supervisor": policy.supervises_cases(user),
            "may_see_inactive_records": policy.may_see_inactive_records(user),
            "shown": SHOWN,
            "reminder_days": rules.victim_update_reminder_days,
            "protective_marking": Incident.Marking.highest(i.marking for i in shown),
        },
    )


urlpatterns = [path("dashboard/", dashboard, name="dashboard")]
