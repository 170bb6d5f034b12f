"""Statements (SPEC P4) and interventions or disposals (P5) recorded on an involvement."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from access.models import Organisation, User
from audit.models import AuditEvent
from audit.services import record_event
from incidents.models import Document

from .models import Intervention, InterventionType, Involvement, Statement
from .rules import (
    INTERVENTION_ROLES,
    ISSUED_STATUSES,
    STATEMENT_ROLES,
    _not_in_future,
    _require_edit,
)


@transaction.atomic
def record_statement(
    involvement: Involvement,
    *,
    by: User,
    taken: bool,
    taken_on: datetime.date | None = None,
    taken_by: User | None = None,
    document: Document | None = None,
    notes: str = "",
) -> Statement:
    """Record whether a complainant's, victim's or witness's statement was taken, when, by
    whom, and the document it is in."""
    _require_edit(by, involvement.incident)
    errors: dict[str, str] = {}
    if involvement.role not in STATEMENT_ROLES:
        errors["involvement"] = "Statements are recorded for complainants, victims and witnesses"
    if taken:
        if taken_on is None:
            errors["taken_on"] = "Enter the date the statement was taken"
        _not_in_future(taken_on, "taken_on", "The date the statement was taken", errors)
        taken_by = taken_by or by
    elif taken_on or taken_by:
        errors["taken"] = "Say the statement was taken, or leave the date and taker blank"
    if document is not None and document.incident_id != involvement.incident_id:
        errors["document"] = "Choose a document attached to this incident"
    if errors:
        raise ValidationError(errors)
    statement = Statement(
        involvement=involvement,
        taken=taken,
        taken_on=taken_on,
        taken_by=taken_by,
        document=document,
        notes=(notes or "").strip(),
    )
    statement._history_user = by
    statement.save()
    record_event(
        AuditEvent.Type.STATEMENT_RECORDED,
        actor=by,
        target=("incident", involvement.incident.urn),
        details={"statement": statement.pk, "involvement": statement.involvement_id},
    )
    return statement


def _clean_intervention(
    involvement: Involvement, values: dict[str, Any], errors: dict[str, str]
) -> None:
    if involvement.role not in INTERVENTION_ROLES:
        errors["involvement"] = "Interventions are recorded for (alleged) perpetrators"
    intervention_type = values.get("type")
    if not isinstance(intervention_type, InterventionType):
        errors["type"] = "Choose the type of intervention"
    organisation = values.get("issuing_organisation")
    if not isinstance(organisation, Organisation):
        errors["issuing_organisation"] = "Choose the organisation issuing it"
    status = values.get("status")
    if status not in Intervention.Status.values:
        errors["status"] = "Choose the status"
    issued_on = values.get("issued_on")
    if status in ISSUED_STATUSES and issued_on is None:
        errors["issued_on"] = "Enter the date it was issued"
    _not_in_future(issued_on, "issued_on", "Date issued", errors)
    for field, label in (("review_on", "Review date"), ("expires_on", "Expiry date")):
        value = values.get(field)
        if value and issued_on and value < issued_on:
            errors[field] = f"{label} must be on or after the date it was issued"
    if status == Intervention.Status.BREACHED and not (values.get("breaches") or "").strip():
        errors["breaches"] = "Describe the breach"


@transaction.atomic
def record_intervention(
    involvement: Involvement,
    *,
    by: User,
    type: InterventionType,
    issuing_organisation: Organisation,
    status: str,
    issued_on: datetime.date | None = None,
    review_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    breaches: str = "",
) -> Intervention:
    """Record an intervention or disposal against an (alleged) perpetrator (P5). Review
    and expiry dates cannot be before the date it was issued."""
    _require_edit(by, involvement.incident)
    values = {
        "type": type,
        "issuing_organisation": issuing_organisation,
        "status": status,
        "issued_on": issued_on,
        "review_on": review_on,
        "expires_on": expires_on,
        "breaches": breaches,
    }
    errors: dict[str, str] = {}
    _clean_intervention(involvement, values, errors)
    if isinstance(type, InterventionType) and not type.active and "type" not in errors:
        errors["type"] = "That type of intervention is no longer in use"
    if errors:
        raise ValidationError(errors)
    values["breaches"] = (breaches or "").strip()
    intervention = Intervention(involvement=involvement, recorded_by=by, **values)
    intervention._history_user = by
    intervention.save()
    record_event(
        AuditEvent.Type.INTERVENTION_RECORDED,
        actor=by,
        target=("incident", involvement.incident.urn),
        details={"intervention": intervention.pk, "involvement": involvement.pk},
    )
    return intervention


_INTERVENTION_FIELDS = (
    "type",
    "issuing_organisation",
    "status",
    "issued_on",
    "review_on",
    "expires_on",
    "breaches",
)


@transaction.atomic
def update_intervention(intervention: Intervention, *, by: User, **fields: Any) -> Intervention:
    """Change an intervention: its status, dates, breaches (P5). Same rules as recording."""
    unknown = set(fields) - set(_INTERVENTION_FIELDS)
    if unknown:
        raise ValueError(f"Not an intervention field: {', '.join(sorted(unknown))}")
    involvement = intervention.involvement
    _require_edit(by, involvement.incident)
    values = {name: getattr(intervention, name) for name in _INTERVENTION_FIELDS}
    values.update(fields)
    errors: dict[str, str] = {}
    _clean_intervention(involvement, values, errors)
    if errors:
        raise ValidationError(errors)
    values["breaches"] = (values["breaches"] or "").strip()
    changed = [
        name for name in _INTERVENTION_FIELDS if getattr(intervention, name) != values[name]
    ]
    if changed:
        for name in changed:
            setattr(intervention, name, values[name])
        intervention._history_user = by
        intervention.save(update_fields=changed)
        record_event(
            AuditEvent.Type.INTERVENTION_UPDATED,
            actor=by,
            target=("incident", intervention.involvement.incident.urn),
            details={"intervention": intervention.pk, "fields": sorted(changed)},
        )
    return intervention
