"""Rules shared by the people services (`services`, `casework`): which roles take
statements and interventions, and the checks every write starts with."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from access import policy
from access.models import User
from incidents.models import Incident

from .models import Intervention, Involvement

STATEMENT_ROLES = (
    Involvement.Role.COMPLAINANT,
    Involvement.Role.VICTIM,
    Involvement.Role.WITNESS,
)
INTERVENTION_ROLES = (Involvement.Role.PERPETRATOR,)
# Statuses that only make sense once the intervention has been issued.
ISSUED_STATUSES = (
    Intervention.Status.ISSUED,
    Intervention.Status.BREACHED,
    Intervention.Status.COMPLETED,
    Intervention.Status.EXPIRED,
)


def _not_in_future(value: datetime.date | None, field: str, label: str, errors: dict) -> None:
    if value and value > timezone.localdate():
        errors[field] = f"{label} must be today or in the past"


def _require_edit(user: User, incident: Incident) -> None:
    if not policy.can(user, "edit", incident):
        raise PermissionDenied
