"""Every write to people, involvements, statements, interventions and consent (SPEC P1-P6).

Each public function checks the access policy, validates (raising ValidationError with a
field -> message dict), writes with the author recorded in history, and writes its audit
event in the same transaction. `involve` is the one low-level exception: it does not check
access, so that the complaint-creation flow can use it after checking access itself.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from access import policy
from access.models import User
from audit.models import AuditEvent
from audit.services import record_event
from incidents.models import Incident
from incidents.services.conflicts import StaleEdit, changes_since
from incidents.services.repeats import refresh_repeat_flags
from sentinel.validation import normalise_postcode

from .models import Consent, Intervention, Involvement, Person

# The details of a person that a caseworker fills in (P1), in the order forms show them.
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "estimated_age",
    "gender",
    "address",
    "postcode",
    "uprn",
    "phone",
    "email",
    "ni_number",
    "language",
    "ethnicity",
    "disability",
    "vulnerability",
    "support_needs",
)
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

# The shape of a UK postcode (outward code, space, inward code), including GIR 0AA.
# The shape of a National Insurance number: two letters, six digits, a letter A-D. Only
# the shape: GOV.UK's own example, QQ 12 34 56 C, uses a prefix HMRC never issues.
_NI_NUMBER = re.compile(r"^[A-Z]{2}[0-9]{6}[A-D]$")
_MAX_LENGTHS = {
    f.name: f.max_length for f in Person._meta.fields if getattr(f, "max_length", None)
}


# --- Validation -------------------------------------------------------------------------------


def normalise_ni_number(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        return ""
    if not _NI_NUMBER.match(compact):
        raise ValidationError(
            "Enter a National Insurance number in the correct format, like QQ 12 34 56 C"
        )
    return compact


def clean_person_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise a person's details (P1). Raises ValidationError with a
    field -> message dict; returns the cleaned values (only the fields it was given)."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"Not a person's detail: {', '.join(sorted(unknown))}")
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        cleaned[name] = value
    if not cleaned.get("given_name"):
        errors["given_name"] = "Enter their first name"
    if not cleaned.get("family_name"):
        errors["family_name"] = "Enter their last name"
    for name, value in cleaned.items():
        # Postcodes and NI numbers are checked by shape once their spaces are normalised.
        limit = _MAX_LENGTHS.get(name) if name not in ("postcode", "ni_number") else None
        if limit and isinstance(value, str) and len(value) > limit and name not in errors:
            label = Person._meta.get_field(name).verbose_name
            errors[name] = f"{str(label).capitalize()} must be {limit} characters or fewer"
    date_of_birth = cleaned.get("date_of_birth")
    if date_of_birth:
        if not isinstance(date_of_birth, datetime.date):
            errors["date_of_birth"] = "Date of birth must be a real date"
        elif date_of_birth > timezone.localdate():
            errors["date_of_birth"] = "Date of birth must be today or in the past"
        elif date_of_birth.year < 1900:
            errors["date_of_birth"] = "Date of birth must be after 1900"
    elif "date_of_birth" in cleaned:
        cleaned["date_of_birth"] = None
    estimated_age = cleaned.get("estimated_age")
    if estimated_age in ("", None):
        if "estimated_age" in cleaned:
            cleaned["estimated_age"] = None
    elif not isinstance(estimated_age, int) or not 0 <= estimated_age <= 120:
        errors["estimated_age"] = "Estimated age must be a whole number between 0 and 120"
    elif date_of_birth:
        errors["estimated_age"] = "Leave the estimated age blank when you know the date of birth"
    if "postcode" in cleaned:
        try:
            cleaned["postcode"] = normalise_postcode(cleaned["postcode"])
        except ValidationError as error:
            errors["postcode"] = error.messages[0]
    if "ni_number" in cleaned:
        try:
            cleaned["ni_number"] = normalise_ni_number(cleaned["ni_number"])
        except ValidationError as error:
            errors["ni_number"] = error.messages[0]
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors["email"] = "Enter an email address in the correct format, like name@example.com"
    if cleaned.get("uprn") and not re.fullmatch(r"[0-9]{1,12}", cleaned["uprn"]):
        errors["uprn"] = "UPRN must be a number of up to 12 digits"
    if "gender" in cleaned and cleaned["gender"] not in Person.Gender.values:
        if cleaned["gender"]:
            errors["gender"] = "Choose a gender from the list"
        else:
            cleaned["gender"] = Person.Gender.NOT_KNOWN
    if "ethnicity" in cleaned and cleaned["ethnicity"] not in Person.Ethnicity.values:
        if cleaned["ethnicity"]:
            errors["ethnicity"] = "Choose an ethnic group from the list"
        else:
            cleaned["ethnicity"] = Person.Ethnicity.NOT_STATED
    for name, value in cleaned.items():
        if value is None and name not in ("date_of_birth", "estimated_age"):
            cleaned[name] = ""
    if errors:
        raise ValidationError(errors)
    return cleaned


def _not_in_future(value: datetime.date | None, field: str, label: str, errors: dict) -> None:
    if value and value > timezone.localdate():
        errors[field] = f"{label} must be today or in the past"


def _require_edit(user: User, incident: Incident) -> None:
    if not policy.can(user, "edit", incident):
        raise PermissionDenied


# --- Involvement (P1-P3, C5) -----------------------------------------------------------------


@transaction.atomic
def involve(
    incident: Incident,
    *,
    by: User,
    role: str,
    person: Person | None = None,
    person_fields: dict | None = None,
    anonymised_label: str = "",
    dependant_of: Involvement | None = None,
    risk_notes: str = "",
    support_needs: str = "",
    request=None,
) -> Involvement:
    """Record someone's part in an incident. LOW LEVEL: callers check access.

    Exactly one of: an existing `person`; `person_fields` for a new person (validated and
    normalised, see `clean_person_fields`); or, on an anonymised incident only (C5), an
    `anonymised_label` such as "Victim A" and no person at all. A dependant names the
    involvement they depend on (P3). The same person cannot hold the same role twice in one
    incident. Refreshes the incident's repeat flags (S4a) afterwards.
    """
    errors: dict[str, str] = {}
    label = (anonymised_label or "").strip()
    if role not in Involvement.Role.values:
        errors["role"] = "Choose their role in the incident"
    if incident.is_anonymised:
        if person is not None or person_fields:
            errors["anonymised_label"] = (
                "This incident is anonymised: record a label such as “Victim A”, not a person"
            )
        elif not label:
            errors["anonymised_label"] = "Enter a label, such as “Victim A”"
        elif len(label) > Involvement._meta.get_field("anonymised_label").max_length:
            errors["anonymised_label"] = "Label must be 100 characters or fewer"
    else:
        if label:
            errors["anonymised_label"] = (
                "Only an anonymised incident records people by a label; name the person"
            )
        if person is not None and person_fields:
            errors["person"] = "Link an existing person or give a new person's details, not both"
        if person is None and not person_fields:
            errors["person"] = "Choose an existing person or enter the new person's details"
        if person is not None and person.merged_into_id is not None:
            errors["person"] = "That record was merged into another: link the one it became"
    if role == Involvement.Role.DEPENDANT:
        if dependant_of is None:
            errors["dependant_of"] = "Choose whose dependant they are"
        elif dependant_of.incident_id != incident.pk:
            errors["dependant_of"] = "Choose someone involved in this incident"
        elif dependant_of.role == Involvement.Role.DEPENDANT:
            errors["dependant_of"] = "Choose a complainant, victim, witness or perpetrator"
    elif dependant_of is not None:
        errors["dependant_of"] = "Only a dependant is recorded as someone's dependant"
    cleaned_fields: dict = {}
    if person_fields and person is None and not incident.is_anonymised:
        try:
            cleaned_fields = clean_person_fields(person_fields)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, messages[0])
    if (
        person is not None
        and not errors
        and Involvement.objects.filter(incident=incident, person=person, role=role).exists()
    ):
        errors["person"] = (
            f"{person} is already recorded as {Involvement.Role(role).label.lower()} "
            "in this incident"
        )
    if errors:
        raise ValidationError(errors)

    if cleaned_fields:
        person = Person(**cleaned_fields, created_by=by)
        person._history_user = by
        person.save()
        record_event(
            AuditEvent.Type.PERSON_CREATED,
            actor=by,
            request=request,
            target=("person", person.pk),
            details={"incident": incident.urn},
        )
    involvement = Involvement(
        incident=incident,
        person=person,
        anonymised_label=label if incident.is_anonymised else "",
        role=role,
        dependant_of=dependant_of,
        risk_notes=(risk_notes or "").strip(),
        support_needs=(support_needs or "").strip(),
        created_by=by,
    )
    involvement._history_user = by
    try:
        with transaction.atomic():
            involvement.save()
    except IntegrityError:
        # Someone linked the same person in the same role a moment ago.
        raise ValidationError(
            {"person": "This person is already recorded in that role in this incident"}
        ) from None
    record_event(
        AuditEvent.Type.INVOLVEMENT_ADDED,
        actor=by,
        request=request,
        target=("incident", incident.urn),
        details={
            "involvement": involvement.pk,
            "person": person.pk if person else None,
            "role": role,
            "anonymised": person is None,
        },
    )
    refresh_repeat_flags(incident)
    return involvement


@transaction.atomic
def add_involvement(
    incident: Incident,
    *,
    by: User,
    role: str,
    person: Person | None = None,
    person_fields: dict | None = None,
    anonymised_label: str = "",
    dependant_of: Involvement | None = None,
    risk_notes: str = "",
    support_needs: str = "",
    request=None,
) -> Involvement:
    """Add a person to an incident the user may edit (PermissionDenied otherwise). A linked
    existing person must be one the user can see."""
    _require_edit(by, incident)
    if person is not None and not policy.visible_people(by).filter(pk=person.pk).exists():
        raise PermissionDenied
    return involve(
        incident,
        by=by,
        role=role,
        person=person,
        person_fields=person_fields,
        anonymised_label=anonymised_label,
        dependant_of=dependant_of,
        risk_notes=risk_notes,
        support_needs=support_needs,
        request=request,
    )


# --- Person (P1, §16 concurrent edits) -------------------------------------------------------


@transaction.atomic
def update_person(
    person: Person, *, by: User, expected_version: int, request=None, **fields: Any
) -> Person:
    """Change a person's details. The user must be able to edit an incident the person is
    involved in. `expected_version` is the version the user started from: if someone saved
    since, raises StaleEdit listing their changes and writes nothing."""
    current = (
        policy.people_for(by, "edit").select_for_update(of=("self",)).filter(pk=person.pk).first()
    )
    if current is None:
        raise PermissionDenied
    if current.version != expected_version:
        raise StaleEdit(changes_since(current, expected_version))
    values = {name: getattr(current, name) for name in PERSON_FIELDS}
    values.update(fields)
    cleaned = clean_person_fields(values)
    changed = [name for name in PERSON_FIELDS if getattr(current, name) != cleaned[name]]
    if not changed:
        return current
    # Claim the version with a conditional update: a second save based on the same version
    # changes no row, even where the database has no row locks (SQLite).
    claimed = Person.objects.filter(pk=current.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        current.refresh_from_db()
        raise StaleEdit(changes_since(current, expected_version))
    for name in changed:
        setattr(current, name, cleaned[name])
    current.version = expected_version + 1
    current._history_user = by
    current.save(update_fields=[*changed, "version", "updated_at"])
    record_event(
        AuditEvent.Type.PERSON_UPDATED,
        actor=by,
        request=request,
        target=("person", current.pk),
        details={"fields": sorted(changed), "version": current.version},
    )
    return current


# --- Consent (P6) ----------------------------------------------------------------------------


@transaction.atomic
def record_consent(
    person: Person,
    incident: Incident,
    *,
    by: User,
    scope: str,
    status: str,
    decided_on: datetime.date | None,
    notes: str = "",
    request=None,
) -> Consent:
    """Record a consent decision (given / withheld / withdrawn) for one scope. Earlier
    decisions stay as history; the latest is the one in force (`consent_in_force`)."""
    _require_edit(by, incident)
    errors: dict[str, str] = {}
    if not Involvement.objects.filter(incident=incident, person=person).exists():
        errors["person"] = "This person is not involved in this incident"
    if scope not in Consent.Scope.values:
        errors["scope"] = "Choose what the consent is for"
    if status not in Consent.Status.values:
        errors["status"] = "Choose whether consent was given, withheld or withdrawn"
    if decided_on is None:
        errors["decided_on"] = "Enter the date of the decision"
    else:
        _not_in_future(decided_on, "decided_on", "Date of the decision", errors)
    if errors:
        raise ValidationError(errors)
    consent = Consent(
        person=person,
        incident=incident,
        scope=scope,
        status=status,
        decided_on=decided_on,
        notes=(notes or "").strip(),
        recorded_by=by,
    )
    consent._history_user = by
    consent.save()
    record_event(
        AuditEvent.Type.CONSENT_RECORDED,
        actor=by,
        request=request,
        target=("person", person.pk),
        details={
            "incident": incident.urn,
            "consent": consent.pk,
            "scope": scope,
            "status": status,
        },
    )
    return consent


def latest_consent(person: Person, incident: Incident, scope: str) -> Consent | None:
    """The decision in force: the latest decision date; same-day decisions in the order
    they were recorded (a decision entered late about an earlier date does not override a
    later one)."""
    return (
        Consent.objects.filter(person=person, incident=incident, scope=scope)
        .order_by("-decided_on", "-recorded_at", "-id")
        .first()
    )


def consent_in_force(person: Person, incident: Incident, scope: str) -> bool:
    """Whether the person's consent for `scope` is given for this incident now (P6)."""
    latest = latest_consent(person, incident, scope)
    return latest is not None and latest.status == Consent.Status.GIVEN


# --- Searching (S1) ---------------------------------------------------------------------------


@transaction.atomic
def search_people(
    user: User,
    *,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date | None = None,
    postcode: str = "",
    purpose: str = "",
    request=None,
    limit: int = 5,
) -> list:
    """Find likely matches within the user's scope (`matching.find_matches`) and log the
    search with its terms and purpose (A2)."""
    from .matching import find_matches

    matches = find_matches(
        user,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        postcode=postcode,
        limit=limit,
    )
    record_event(
        AuditEvent.Type.SEARCH,
        actor=user,
        request=request,
        target=("person", ""),
        justification=purpose,
        details={
            "kind": "people",
            "terms": {
                "given_name": given_name,
                "family_name": family_name,
                "date_of_birth": date_of_birth.isoformat() if date_of_birth else None,
                "postcode": postcode,
            },
            "results": [match.person.pk for match in matches],
            "row_count": len(matches),
        },
    )
    return matches


# Statements, interventions and merging live in their own modules; their names stay
# importable from here.
from .casework import (  # noqa: E402, F401
    record_intervention,
    record_statement,
    update_intervention,
)
from .merging import latest_merge, merge_people, undo_merge  # noqa: E402, F401
