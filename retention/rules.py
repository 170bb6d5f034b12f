"""Which retention rule governs a closed incident, and when it falls due (SPEC D1).

A rule matches an incident when each criterion it sets (category, closure outcome, marking)
equals the incident's. The most specific matching rule wins; between equally specific rules,
the one that keeps records longer (and then the one that asks for review) wins, so that an
overlap never shortens retention. Rules are few, so the choice is written as one SQL CASE
over them, in that order: the sweep and the pages filter and annotate in the database.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Case, CharField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, NullIf

from incidents.models import Incident

from .models import DeletionFlag, IncidentRetention, RetentionRule


def active_rules() -> list[RetentionRule]:
    """Active rules, the one that should win first."""
    rules = list(RetentionRule.objects.filter(active=True))
    rules.sort(
        key=lambda rule: (
            -rule.specificity,
            -rule.retain_for_months,
            rule.deletion != DeletionFlag.REVIEW,
            rule.pk,
        )
    )
    return rules


def _matches(rule: RetentionRule) -> Q:
    condition = Q(status=Incident.Status.CLOSED)
    if rule.category:
        condition &= Q(category=rule.category)
    if rule.outcome:
        condition &= Q(closure_outcome=rule.outcome)
    if rule.marking:
        condition &= Q(marking=rule.marking)
    return condition


def rule_for(incident: Incident, rules: list[RetentionRule] | None = None):
    """The rule that governs this (closed) incident, or None."""
    if incident.status != Incident.Status.CLOSED:
        return None
    for rule in active_rules() if rules is None else rules:
        if (
            (not rule.category or rule.category == incident.category)
            and (not rule.outcome or rule.outcome == incident.closure_outcome)
            and (not rule.marking or rule.marking == incident.marking)
        ):
            return rule
    return None


def with_retention(queryset, rules: list[RetentionRule] | None = None):
    """Annotate `retention_rule_id` and `deletion_flag` (the incident's own flag if set,
    else the rule's; review when no rule matches, so nothing is deleted by omission)."""
    rules = active_rules() if rules is None else rules
    rule_id = Case(
        *(When(_matches(rule), then=Value(rule.pk)) for rule in rules),
        default=None,
        output_field=IntegerField(),
    )
    rule_flag = Case(
        *(When(_matches(rule), then=Value(rule.deletion)) for rule in rules),
        default=Value(DeletionFlag.REVIEW.value),
        output_field=CharField(),
    )
    return queryset.annotate(
        retention_rule_id=rule_id,
        deletion_flag=Coalesce(NullIf(F("retention__deletion"), Value("")), rule_flag),
    )


def due_condition(today: date, rules: list[RetentionRule] | None = None) -> Q:
    """Closed incidents due today: past their rule's period (or past the review date set by a
    decision to keep), and not on legal hold. An incident no rule matches is never due."""
    rules = active_rules() if rules is None else rules
    by_rule = Q(pk__in=[])
    claimed = Q(pk__in=[])
    for rule in rules:
        matches = _matches(rule) & ~claimed
        cutoff = today - relativedelta(months=rule.retain_for_months)
        by_rule |= matches & Q(closed_at__date__lte=cutoff)
        claimed |= _matches(rule)
    no_review_date = Q(retention__isnull=True) | Q(retention__review_on__isnull=True)
    return (
        Q(status=Incident.Status.CLOSED)
        & ~Q(retention__legal_hold=True)
        & ((no_review_date & by_rule) | Q(retention__review_on__lte=today))
    )


# "Look the incident's retention state up": a page listing many incidents passes the state it
# has already fetched (None when there is none), so that each row costs no query.
_LOOK_UP = object()


def due_on(incident: Incident, rule: RetentionRule | None, retention=_LOOK_UP) -> date | None:
    """The date the incident falls (or fell) due, for display."""
    if retention is _LOOK_UP:
        retention = IncidentRetention.objects.filter(incident=incident).first()
    if retention is not None and retention.review_on:
        return retention.review_on
    if rule is None or incident.closed_at is None:
        return None
    return incident.closed_at.date() + relativedelta(months=rule.retain_for_months)
