"""Every write to an incident goes through here (CONTRIBUTING.md: writes go through services)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from access import policy
from access.models import Area, User
from audit.models import AuditEvent
from audit.services import record_event
from common.conflicts import StaleEdit, changes_since
from common.validation import normalise_postcode as shared_normalise_postcode

from ..models import Incident, UrnSequence
from .repeats import refresh_location_flag


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
    police_skeleton: bool = False,
    **details,
) -> Incident:
    """Log a new complaint (C1-C7). The creator's organisation leads it; an operational (or
    higher) creator is its lead officer, while a basic user's skeleton complaint awaits
    allocation (G1). `details` holds any other of EDITABLE_FIELDS and M2M_FIELDS.

    A police skeleton record (C4) is added by the police when an ASB crime is recorded on
    their crime system: it must carry the crime reference."""
    if not policy.may_log_complaints(by):
        raise PermissionDenied
    if police_skeleton and not by.organisation.is_police:
        raise ValidationError({"crime_reference": "Only the police add skeleton crime records."})
    if police_skeleton and not (details.get("crime_reference") or "").strip():
        raise ValidationError({"crime_reference": "Enter the police crime reference."})
    unknown = set(details) - EDITABLE_FIELDS - M2M_FIELDS
    if unknown:
        raise ValueError(f"Not a complaint field: {sorted(unknown)}")
    many = {name: details.pop(name) for name in M2M_FIELDS & set(details)}
    if "postcode" in details:
        details["postcode"] = normalise_postcode(details["postcode"] or "")
    errors = {}
    if not description.strip():
        errors["description"] = "Enter what happened."
    try:
        validate_details({"area": area, **details})
    except ValidationError as error:
        errors.update(error.message_dict)
    if problem := _area_error(by, area):
        errors["area"] = problem
    if errors:
        raise ValidationError(errors)
    incident = Incident(
        urn=next_urn(),
        area=area,
        description=description.strip(),
        marking=marking,
        created_by=by,
        received_by=by,
        lead_officer=by if policy.works_cases(by) else None,
        lead_organisation=by.organisation,
        is_police_skeleton=police_skeleton,
        **details,
    )
    incident.received_at = incident.received_at or timezone.now()
    incident.victim_clock_from = incident.received_at  # R3: the first update is due from here
    incident._history_user = by
    incident.save()
    for name, values in many.items():
        getattr(incident, name).set(values)
    record_event(
        AuditEvent.Type.INCIDENT_CREATED,
        actor=by,
        target=("incident", incident.urn),
    )
    # S4a: a repeat location is known at the moment of logging (no one is involved yet).
    refresh_location_flag(incident)
    return incident


EDITABLE_FIELDS = {
    "received_via",
    "received_at",
    "complainant_anonymous",
    "complainant_disabled",
    "repeat_victim",
    "vulnerable_other",
    "description",
    "first_occurred_at",
    "last_occurred_at",
    "address",
    "postcode",
    "uprn",
    "latitude",
    "longitude",
    "area",
    "category",
    "pen_code",
    "crime_reference",
    "is_anonymised",
    "anonymisation_reason",
    "marking",
}
M2M_FIELDS = {"qualifier_codes", "aggravating_factors"}
PLACE_FIELDS = {"uprn", "postcode", "address"}
# Values other services keep up to date without a new version or a history row of their own
# (decision 0007): nobody edits them, so they are never shown as someone's change, in an
# edit conflict or on the History page.
DERIVED_FIELDS = {
    "current_risk",
    "repeat_victim_flag",
    "repeat_perpetrator_flag",
    "repeat_location_flag",
    "victim_clock_from",
    "last_activity_at",
}


def normalise_postcode(value: str) -> str:
    """The incident's postcode, normalised; a bad one is an error on the "postcode" field."""
    try:
        return shared_normalise_postcode(value)
    except ValidationError as error:
        raise ValidationError({"postcode": error.messages}) from None


def validate_details(fields: dict) -> None:
    """Checks that span fields, shared by logging and updating (C3, C5)."""
    errors = {}
    first, last = fields.get("first_occurred_at"), fields.get("last_occurred_at")
    now = timezone.now()
    if first and first > now:
        errors["first_occurred_at"] = "When it first happened must be in the past."
    if last and last > now:
        errors["last_occurred_at"] = "When it last happened must be in the past."
    if first and last and last < first:
        errors["last_occurred_at"] = "When it last happened must be after it first happened."
    if fields.get("is_anonymised") and not (fields.get("anonymisation_reason") or "").strip():
        errors["anonymisation_reason"] = "Say why people's details are anonymised."
    uprn = fields.get("uprn") or ""
    if uprn and not (uprn.isdigit() and len(uprn) <= 12):
        errors["uprn"] = "A UPRN is up to 12 digits."
    latitude, longitude = fields.get("latitude"), fields.get("longitude")
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        errors[missing] = "Give both the latitude and the longitude, or neither."
    if latitude is not None and not -90 <= latitude <= 90:
        errors["latitude"] = "A latitude is between -90 and 90, like 52.6369."
    if longitude is not None and not -180 <= longitude <= 180:
        errors["longitude"] = "A longitude is between -180 and 180, like -1.1398."
    area = fields.get("area")
    if area is not None and not area.is_leaf():
        errors["area"] = "Choose the district, city or unitary area where it happened."
    if errors:
        raise ValidationError(errors)


OUTSIDE_PARTNERSHIP = "Choose an area of your partnership."


def _area_error(by: User, area: Area | None) -> str | None:
    """An incident is recorded in an area of its recorder's partnership (T6): never in
    another partnership's, where its records would cross the boundary."""
    if area is not None and not policy.recording_areas(by).filter(pk=area.pk).exists():
        return OUTSIDE_PARTNERSHIP
    return None


@transaction.atomic
def update_incident(incident: Incident, *, by: User, expected_version: int, **changes) -> Incident:
    """Change an incident's details, refusing a save based on a stale version (§16).

    `changes` holds any of EDITABLE_FIELDS and M2M_FIELDS. Raises StaleEdit (listing what
    changed since `expected_version`) when someone else saved first; nothing is written then.
    """
    unknown = set(changes) - EDITABLE_FIELDS - M2M_FIELDS
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if not policy.can(by, policy.Action.EDIT, locked):
        raise PermissionDenied
    if locked.version != expected_version:
        raise StaleEdit(changes_since(locked, expected_version, hidden=DERIVED_FIELDS))
    if "postcode" in changes:
        changes["postcode"] = normalise_postcode(changes["postcode"] or "")
    merged = {name: getattr(locked, name) for name in EDITABLE_FIELDS} | {
        k: v for k, v in changes.items() if k in EDITABLE_FIELDS
    }
    validate_details(merged)
    moved = "area" in changes and changes["area"] != locked.area
    if moved and (problem := _area_error(by, changes["area"])):
        raise ValidationError({"area": problem})
    changed = [
        name for name in EDITABLE_FIELDS & set(changes) if getattr(locked, name) != changes[name]
    ]
    for name in changed:
        setattr(locked, name, changes[name])
    m2m_changed = []
    for name in M2M_FIELDS & set(changes):
        if set(getattr(locked, name).all()) != set(changes[name]):
            m2m_changed.append(name)
    if not changed and not m2m_changed:
        return locked
    locked.version = expected_version + 1
    locked._history_user = by
    locked.save(update_fields=[*changed, "version", "updated_at"])
    if "received_at" in changed:
        from .worksheet import refresh_victim_clock

        refresh_victim_clock(locked)
    for name in m2m_changed:
        getattr(locked, name).set(changes[name])
    record_event(
        AuditEvent.Type.INCIDENT_UPDATED,
        actor=by,
        target=("incident", locked.urn),
        details={"fields": sorted(changed + m2m_changed), "version": locked.version},
    )
    if PLACE_FIELDS & set(changed):
        refresh_location_flag(locked)
    return locked
