"""Every write to an incident goes through here (CONVENTIONS: services)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from access.models import Area, User, UserGroup
from audit.models import AuditEvent
from audit.services import record_event

from ..models import Incident, UrnSequence


def next_urn(year: int | None = None) -> str:
    """Issue the next reference for the year, e.g. ASB-2026-000123 (SPEC C1).

    The year's counter row stays locked until the caller's transaction commits, so two
    officers logging at once never get the same number.
    """
    year = year or timezone.localdate().year
    with transaction.atomic():
        UrnSequence.objects.get_or_create(year=year)
        UrnSequence.objects.filter(year=year).update(last_number=F("last_number") + 1)
        number = UrnSequence.objects.get(year=year).last_number
    return f"ASB-{year}-{number:06d}"


@transaction.atomic
def log_complaint(
    *,
    by: User,
    area: Area,
    description: str,
    marking: str = Incident.Marking.RESTRICTED,
    request=None,
) -> Incident:
    """Log a new complaint. The creator's organisation leads it; an operational (or higher)
    creator is its lead officer, while a basic user's skeleton complaint awaits allocation."""
    if not by.has_perm("incidents.add_incident"):
        raise PermissionDenied
    errors = {}
    if not area.is_leaf():
        errors["area"] = "Choose the district, city or unitary area where it happened."
    if not description.strip():
        errors["description"] = "Enter what happened."
    if errors:
        raise ValidationError(errors)
    incident = Incident(
        urn=next_urn(),
        area=area,
        description=description.strip(),
        marking=marking,
        created_by=by,
        lead_officer=None if by.group == UserGroup.BASIC else by,
        lead_organisation=by.organisation,
    )
    incident._history_user = by
    incident.save()
    record_event(
        AuditEvent.Type.INCIDENT_CREATED,
        actor=by,
        request=request,
        target=("incident", incident.urn),
    )
    return incident
