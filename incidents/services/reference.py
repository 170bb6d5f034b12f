"""Maintaining the reference lists administrators keep (SPEC C3, M2, R1, P5, S4a).

Items are never deleted (old incidents point at them): they are made inactive, and every
change is kept in history with its author.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from access import policy
from access.models import User
from audit.models import AuditEvent
from audit.services import record_event
from people.models import InterventionType

from ..models import AggravatingFactor, CaseRules, PenCode, QualifierCode, RiskQuestion


@dataclass(frozen=True)
class ReferenceList:
    slug: str
    title: str
    model: type[models.Model]
    fields: tuple[str, ...]
    columns: tuple[str, ...]


LISTS = {
    item.slug: item
    for item in (
        ReferenceList("pen-codes", "PEN codes", PenCode, ("code", "label", "active"),
                      ("code", "label")),
        ReferenceList("qualifier-codes", "Police qualifier codes", QualifierCode,
                      ("code", "label", "active"), ("code", "label")),
        ReferenceList("aggravating-factors", "Aggravating factors", AggravatingFactor,
                      ("code", "label", "active"), ("label",)),
        ReferenceList("intervention-types", "Interventions and disposals", InterventionType,
                      ("code", "label", "active"), ("label",)),
        ReferenceList("risk-questions", "Risk assessment questions", RiskQuestion,
                      ("text", "help_text", "weight", "order", "active"), ("order", "text",
                                                                           "weight")),
    )
}  # fmt: skip
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
def save_item(reference: ReferenceList, instance, *, by: User, request=None, **fields):
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
        request=request,
        target=(reference.slug, item.pk),
        details={"created": instance is None, "fields": sorted(fields)},
    )
    return item


@transaction.atomic
def save_case_rules(*, by: User, request=None, **fields) -> CaseRules:
    """Change the risk thresholds, the repeat rule and the victim-update intervals (R1, S4a,
    R3). The intervals are never more than 28 days (the model's validators and constraints)."""
    _require(by)
    rules = CaseRules.current()
    for name in CASE_RULES_FIELDS:
        if name in fields:
            setattr(rules, name, fields[name])
    if rules.high_from <= rules.medium_from:
        raise ValidationError({"high_from": "High must start above Medium."})
    if rules.repeat_min_incidents < 2:
        raise ValidationError({"repeat_min_incidents": "A repeat needs at least 2 incidents."})
    rules.full_clean()  # the field limits and the database's constraints, as field messages
    shortest = min(rules.victim_update_days(level) for level in ("standard", "medium", "high"))
    if rules.victim_update_reminder_days >= shortest:
        raise ValidationError(
            {
                "victim_update_reminder_days": "The reminder must come before the deadline: "
                f"fewer days than the shortest time between victim updates ({shortest})."
            }
        )
    rules._history_user = by
    rules.save()
    record_event(
        AuditEvent.Type.REFERENCE_CHANGED,
        actor=by,
        request=request,
        target=("case-rules", rules.pk),
        details={name: getattr(rules, name) for name in CASE_RULES_FIELDS},
    )
    return rules
