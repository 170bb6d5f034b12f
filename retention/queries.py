"""Read-side queries of the retention pages (SPEC D1-D3): what each page shows, in a fixed
number of queries whatever the data. Scope always comes from the policy (access/policy/):
these functions narrow or describe what the policy gives, never widen it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone

from access import policy
from incidents.models import ClosureRequest, Incident

from .models import DeletionFlag, IncidentRetention, RetentionDecision, RetentionRule
from .rules import active_rules, due_on, rule_for


@dataclass
class RetentionState:
    """An incident's retention, as the pages show it."""

    incident: Incident
    retention: IncidentRetention | None
    rule: RetentionRule | None
    # The incident's own flag when one is set, else its rule's; review when neither.
    flag: str
    flag_set_on_case: bool
    due_on: datetime.date | None
    may_change: bool = False
    decisions: list[RetentionDecision] = field(default_factory=list)

    @property
    def flag_label(self) -> str:
        return DeletionFlag(self.flag).label

    @property
    def legal_hold(self) -> bool:
        return bool(self.retention and self.retention.legal_hold)

    @property
    def review(self) -> str:
        return self.retention.review if self.retention else ""

    @property
    def review_label(self) -> str:
        return self.retention.get_review_display() if self.retention else ""

    @property
    def is_closed(self) -> bool:
        return self.incident.status == Incident.Status.CLOSED

    @property
    def outcome_label(self) -> str:
        outcome = self.incident.closure_outcome
        return ClosureRequest.Outcome(outcome).label if outcome else ""


def _flag(retention: IncidentRetention | None, rule: RetentionRule | None) -> tuple[str, bool]:
    if retention is not None and retention.deletion:
        return retention.deletion, True
    return (rule.deletion if rule else DeletionFlag.REVIEW.value), False


def state_of(incident: Incident, retention: IncidentRetention | None, rules) -> RetentionState:
    rule = rule_for(incident, rules)
    flag, own = _flag(retention, rule)
    return RetentionState(
        incident=incident,
        retention=retention,
        rule=rule,
        flag=flag,
        flag_set_on_case=own,
        due_on=due_on(incident, rule, retention=retention),
    )


def retention_of(incident: Incident, user) -> RetentionState:
    """An incident's retention for its page and panel. One query (the rules) for an incident
    as the policy's getter gives it, annotated with `allowed_retain` and with its retention
    state selected (`get_incident_for_user(..., related=("retention",))`); otherwise these are
    asked for too."""
    retention = getattr(incident, "retention", None)
    state = state_of(incident, retention, active_rules())
    allowed = getattr(incident, "allowed_retain", None)
    if allowed is None:
        allowed = policy.can(user, policy.Action.RETAIN, incident)
    state.may_change = bool(allowed)
    return state


def decisions_for(incident: Incident) -> list[RetentionDecision]:
    return list(incident.retention_decisions.select_related("decided_by"))


# --- The review queue (D2) ---------------------------------------------------------------------


def review_queue(user):
    """The queued incidents `user` may decide on, oldest queued first (`queue_rows` works out
    each one's rule and due date in memory)."""
    return (
        policy.retention_review_queue(user)
        .select_related("lead_organisation", "retention")
        .order_by("retention__queued_at", "pk")
    )


def queue_rows(incidents, rules) -> list[RetentionState]:
    """One page of the queue, described without a query per row."""
    return [state_of(incident, incident.retention, rules) for incident in incidents]


def case_counts(incident: Incident) -> dict:
    """How many people and documents the case holds (one query)."""
    return Incident.objects.filter(pk=incident.pk).aggregate(
        people=Count("involvements__person", distinct=True),
        documents=Count("documents", distinct=True),
    )


# --- The inactive-records report (D3) ----------------------------------------------------------


def inactive_since(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def inactive_records(user, days: int):
    """Open incidents the user may view with no activity for `days` days, the longest quiet
    first."""
    return (
        policy.inactive_records_for(user)
        .filter(last_activity_at__lt=inactive_since(days))
        .select_related("area", "lead_organisation", "lead_officer")
        .order_by("last_activity_at", "pk")
    )


def days_quiet(incident: Incident, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    return (today - timezone.localdate(incident.last_activity_at)).days
