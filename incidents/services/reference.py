"""Maintaining the reference lists administrators keep (SPEC C3, M2, R1, P5, S4a).

Items are never deleted (old incidents point at them): they are made inactive, and every
change is kept in history with its author.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from access import policy
from access.models import User
from audit.models import AuditEvent
from audit.services import record_event

from ..models import CaseRules
from ..reference_lists import LISTS, ReferenceList  # noqa: F401 - this module's interface

VICTIM_UPDATE_INTERVALS = (
    "victim_update_days_standard",
    "victim_update_days_medium",
    "victim_update_days_high",
)
CASE_RULES_FIELDS = (
    "medium_from",
    "high_from",
    "repeat_min_incidents",
    "repeat_window_days",
    "victim_update_days_standard",
    "victim_update_days_medium",
    "victim_update_days_high",
    "victim_update_reminder_days",
)


def _require(by: User) -> None:
    if not policy.may_maintain_reference_data(by):
        raise PermissionDenied


@transaction.atomic
def save_item(reference: ReferenceList, instance, *, by: User, **fields):
    """Add (instance=None) or change an item of a reference list."""
    _require(by)
    unknown = set(fields) - set(reference.fields)
    if unknown:
        raise ValueError(sorted(unknown))
    item = instance or reference.model()
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean()
    item._history_user = by
    item.save()
    record_event(
        AuditEvent.Type.REFERENCE_CHANGED,
        actor=by,
        target=(reference.slug, item.pk),
        details={"created": instance is None, "fields": sorted(fields)},
    )
    return item


def case_rules_problems(values: dict) -> dict[str, str]:
    """The rules between case-rule fields, keyed by the field to change. Values may be
    missing or None (a form whose field already failed): those rules are not checked."""
    problems: dict[str, str] = {}
    medium, high = values.get("medium_from"), values.get("high_from")
    if medium is not None and high is not None and high <= medium:
        problems["high_from"] = "High must start above Medium."
    repeat = values.get("repeat_min_incidents")
    if repeat is not None and repeat < 2:
        problems["repeat_min_incidents"] = "A repeat needs at least 2 incidents."
    intervals = [values[name] for name in VICTIM_UPDATE_INTERVALS if values.get(name) is not None]
    reminder = values.get("victim_update_reminder_days")
    if reminder is not None and intervals and reminder >= min(intervals):
        problems["victim_update_reminder_days"] = (
            "The reminder must come before the deadline: fewer days than the shortest "
            f"time between victim updates ({min(intervals)})."
        )
    return problems


@transaction.atomic
def save_case_rules(*, by: User, **fields) -> CaseRules:
    """Change the risk thresholds, the repeat rule and the victim-update intervals (R1, S4a,
    R3). The intervals are never more than 28 days (the model's validators and constraints)."""
    _require(by)
    rules = CaseRules.current()
    for name in CASE_RULES_FIELDS:
        if name in fields:
            setattr(rules, name, fields[name])
    if problems := case_rules_problems({name: getattr(rules, name) for name in CASE_RULES_FIELDS}):
        raise ValidationError(problems)
    rules.full_clean()  # the field limits and the database's constraints
    rules._history_user = by
    rules.save()
    record_event(
        AuditEvent.Type.REFERENCE_CHANGED,
        actor=by,
        target=("case-rules", rules.pk),
        details={name: getattr(rules, name) for name in CASE_RULES_FIELDS},
    )
    return rules
