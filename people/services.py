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
from common.conflicts import StaleEdit, changes_since
from common.validation import normalise_postcode
from incidents.models import Incident

from .models import Consent, Involvement, Person
from .repeats import refresh_repeat_flags
from .rules import (  # noqa: F401 - STATEMENT_ROLES, INTERVENTION_ROLES: this module's interface
    INTERVENTION_ROLES,
    ISSUED_STATUSES,
    STATEMENT_ROLES,
    _not_in_future,
    _require_edit,
)

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

# The shape of a National Insurance number: two letters, six digits, a letter A-D. Only
# the shape: GOV.UK's own example, QQ 12 34 56 C, uses a prefix HMRC never issues.
_NI_NUMBER = re.compile(r"^[A-Z]{2}[0-9]{6}[A-D]$")
_UPRN = re.compile(r"[0-9]{1,12}")
_MAX_LENGTHS = {
    f.name: f.max_length for f in Person._meta.fields if getattr(f, "max_length", None)
}

# Messages written here once, for the rules below, and shown by the forms that ask the same
# question before the service is called (a required field, a choice from a list).
ENTER_GIVEN_NAME = "Enter their first name"
ENTER_FAMILY_NAME = "Enter their last name"
CHOOSE_ROLE = "Choose their role in the incident"
ENTER_LABEL = "Enter a label, such as “Victim A”"
CHOOSE_SOMEONE_INVOLVED = "Choose someone involved in this incident"
CHOOSE_CONSENT_SCOPE = "Choose what the consent is for"
CHOOSE_CONSENT_STATUS = "Choose whether consent was given, withheld or withdrawn"
ENTER_DECISION_DATE = "Enter the date of the decision"


# --- Validation: a person's details (P1) ------------------------------------------------------
#
# `clean_person_fields` runs one check per group of details, in this order; each check adds
# its messages to `errors` (a later check may replace an earlier one's message for the same
# field) and may normalise what it checked in `cleaned`.


def normalise_ni_number(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        return ""
    if not _NI_NUMBER.match(compact):
        raise ValidationError(
            "Enter a National Insurance number in the correct format, like QQ 12 34 56 C"
        )
    return compact


def check_email(value: str) -> str:
    """A blank email address, or one in the correct format (ValidationError otherwise)."""
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                "Enter an email address in the correct format, like name@example.com",
                code="invalid",
            ) from None
    return value


def check_uprn(value: str) -> str:
    """A blank UPRN, or a number of up to 12 digits (ValidationError otherwise)."""
    if value and not _UPRN.fullmatch(value):
        raise ValidationError("UPRN must be a number of up to 12 digits")
    return value


def _check_names(cleaned: dict, errors: dict) -> None:
    if not cleaned.get("given_name"):
        errors["given_name"] = ENTER_GIVEN_NAME
    if not cleaned.get("family_name"):
        errors["family_name"] = ENTER_FAMILY_NAME


def _check_lengths(cleaned: dict, errors: dict) -> None:
    for name, value in cleaned.items():
        # Postcodes and NI numbers are checked by shape once their spaces are normalised.
        limit = _MAX_LENGTHS.get(name) if name not in ("postcode", "ni_number") else None
        if limit and isinstance(value, str) and len(value) > limit and name not in errors:
            label = Person._meta.get_field(name).verbose_name
            errors[name] = f"{str(label).capitalize()} must be {limit} characters or fewer"


def _date_of_birth_problem(date_of_birth: Any) -> str | None:
    if not isinstance(date_of_birth, datetime.date):
        return "Date of birth must be a real date"
    if date_of_birth > timezone.localdate():
        return "Date of birth must be today or in the past"
    if date_of_birth.year < 1900:
        return "Date of birth must be after 1900"
    return None


def _check_date_of_birth(cleaned: dict, errors: dict) -> None:
    date_of_birth = cleaned.get("date_of_birth")
    if date_of_birth:
        problem = _date_of_birth_problem(date_of_birth)
        if problem:
            errors["date_of_birth"] = problem
    elif "date_of_birth" in cleaned:
        cleaned["date_of_birth"] = None


def _check_estimated_age(cleaned: dict, errors: dict) -> None:
    """Only for someone whose date of birth is not known."""
    estimated_age = cleaned.get("estimated_age")
    if estimated_age in ("", None):
        if "estimated_age" in cleaned:
            cleaned["estimated_age"] = None
    elif not isinstance(estimated_age, int) or not 0 <= estimated_age <= 120:
        errors["estimated_age"] = "Estimated age must be a whole number between 0 and 120"
    elif cleaned.get("date_of_birth"):
        errors["estimated_age"] = "Leave the estimated age blank when you know the date of birth"


# Contact details and identifiers, each checked by shape (and normalised) by its own function.
_SHAPE_CHECKS = (
    ("postcode", normalise_postcode),
    ("ni_number", normalise_ni_number),
    ("email", check_email),
    ("uprn", check_uprn),
)


def _check_shapes(cleaned: dict, errors: dict) -> None:
    for name, check in _SHAPE_CHECKS:
        if name in cleaned:
            try:
                cleaned[name] = check(cleaned[name])
            except ValidationError as error:
                errors[name] = error.messages[0]


# A choice from a list: the field, its choices, the value a blank means, the message.
_CHOICES = (
    ("gender", Person.Gender, Person.Gender.NOT_KNOWN, "Choose a gender from the list"),
    (
        "ethnicity",
        Person.Ethnicity,
        Person.Ethnicity.NOT_STATED,
        "Choose an ethnic group from the list",
    ),
)


def _check_choices(cleaned: dict, errors: dict) -> None:
    for name, choices, blank, message in _CHOICES:
        if name in cleaned and cleaned[name] not in choices.values:
            if cleaned[name]:
                errors[name] = message
            else:
                cleaned[name] = blank


_PERSON_CHECKS = (
    _check_names,
    _check_lengths,
    _check_date_of_birth,
    _check_estimated_age,
    _check_shapes,
    _check_choices,
)


def clean_person_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise a person's details (P1). Raises ValidationError with a
    field -> message dict; returns the cleaned values (only the fields it was given)."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"Not a person's detail: {', '.join(sorted(unknown))}")
    cleaned = {
        name: value.strip() if isinstance(value, str) else value for name, value in fields.items()
    }
    errors: dict[str, str] = {}
    for check in _PERSON_CHECKS:
        check(cleaned, errors)
    for name, value in cleaned.items():
        if value is None and name not in ("date_of_birth", "estimated_age"):
            cleaned[name] = ""
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- Validation: an involvement (P1-P3, C5) ---------------------------------------------------


def dependant_problem(
    incident: Incident, role: str, dependant_of: Involvement | None
) -> str | None:
    """What is wrong with whose dependant someone is recorded as (P3), or None: only a
    dependant names one, and it is someone else in the same incident who is not a dependant."""
    if role != Involvement.Role.DEPENDANT:
        if dependant_of is not None:
            return "Only a dependant is recorded as someone's dependant"
        return None
    if dependant_of is None:
        return "Choose whose dependant they are"
    if dependant_of.incident_id != incident.pk:
        return CHOOSE_SOMEONE_INVOLVED
    if dependant_of.role == Involvement.Role.DEPENDANT:
        return "Choose a complainant, victim, witness or perpetrator"
    return None


def _label_problem(person: Person | None, person_fields: dict | None, label: str) -> str | None:
    """On an anonymised incident (C5): a label, and never a person."""
    if person is not None or person_fields:
        return "This incident is anonymised: record a label such as “Victim A”, not a person"
    if not label:
        return ENTER_LABEL
    limit = Involvement._meta.get_field("anonymised_label").max_length
    if len(label) > limit:
        return f"Label must be {limit} characters or fewer"
    return None


def _person_problem(person: Person | None, person_fields: dict | None) -> str | None:
    """On an ordinary incident: an existing person (still current), or a new one's details."""
    if person is not None and person.merged_into_id is not None:
        return "That record was merged into another: link the one it became"
    if person is not None and person_fields:
        return "Link an existing person or give a new person's details, not both"
    if person is None and not person_fields:
        return "Choose an existing person or enter the new person's details"
    return None


def _who_problems(
    incident: Incident, person: Person | None, person_fields: dict | None, label: str
) -> dict[str, str]:
    """Who is involved: a label on an anonymised incident, a person on any other."""
    if incident.is_anonymised:
        problem = _label_problem(person, person_fields, label)
        return {"anonymised_label": problem} if problem else {}
    problems = {}
    if label:
        problems["anonymised_label"] = (
            "Only an anonymised incident records people by a label; name the person"
        )
    problem = _person_problem(person, person_fields)
    if problem:
        problems["person"] = problem
    return problems


def _involvement_problems(
    incident: Incident,
    *,
    role: str,
    person: Person | None,
    person_fields: dict | None,
    label: str,
    dependant_of: Involvement | None,
) -> dict[str, str]:
    """The role, who is involved, and whose dependant they are: field -> message."""
    errors: dict[str, str] = {}
    if role not in Involvement.Role.values:
        errors["role"] = CHOOSE_ROLE
    errors.update(_who_problems(incident, person, person_fields, label))
    problem = dependant_problem(incident, role, dependant_of)
    if problem:
        errors["dependant_of"] = problem
    return errors


def _clean_new_person(person_fields: dict, errors: dict[str, str]) -> dict:
    """A new person's details, cleaned; their problems are added to `errors` (without
    replacing a message already there)."""
    try:
        return clean_person_fields(person_fields)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, messages[0])
    return {}


def _already_involved(incident: Incident, person: Person, role: str) -> str | None:
    if Involvement.objects.filter(incident=incident, person=person, role=role).exists():
        return (
            f"{person} is already recorded as {Involvement.Role(role).label.lower()} "
            "in this incident"
        )
    return None


# --- Involvement (P1-P3, C5) -----------------------------------------------------------------


def _create_person(fields: dict, *, by: User, incident: Incident) -> Person:
    person = Person(**fields, created_by=by)
    person._history_user = by
    person.save()
    record_event(
        AuditEvent.Type.PERSON_CREATED,
        actor=by,
        target=("person", person.pk),
        details={"incident": incident.urn},
    )
    return person


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
) -> Involvement:
    """Record someone's part in an incident. LOW LEVEL: callers check access.

    Exactly one of: an existing `person`; `person_fields` for a new person (validated and
    normalised, see `clean_person_fields`); or, on an anonymised incident only (C5), an
    `anonymised_label` such as "Victim A" and no person at all. A dependant names the
    involvement they depend on (P3). The same person cannot hold the same role twice in one
    incident. Refreshes the incident's repeat flags (S4a) afterwards.
    """
    label = (anonymised_label or "").strip()
    errors = _involvement_problems(
        incident,
        role=role,
        person=person,
        person_fields=person_fields,
        label=label,
        dependant_of=dependant_of,
    )
    cleaned_fields: dict = {}
    if person_fields and person is None and not incident.is_anonymised:
        cleaned_fields = _clean_new_person(person_fields, errors)
    if person is not None and not errors:
        problem = _already_involved(incident, person, role)
        if problem:
            errors["person"] = problem
    if errors:
        raise ValidationError(errors)

    if cleaned_fields:
        person = _create_person(cleaned_fields, by=by, incident=incident)
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
    )


# --- Person (P1, §16 concurrent edits) -------------------------------------------------------


@transaction.atomic
def update_person(person: Person, *, by: User, expected_version: int, **fields: Any) -> Person:
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
) -> Consent:
    """Record a consent decision (given / withheld / withdrawn) for one scope. Earlier
    decisions stay as history; the latest is the one in force (`consent_in_force`)."""
    _require_edit(by, incident)
    errors: dict[str, str] = {}
    if not Involvement.objects.filter(incident=incident, person=person).exists():
        errors["person"] = "This person is not involved in this incident"
    if scope not in Consent.Scope.values:
        errors["scope"] = CHOOSE_CONSENT_SCOPE
    if status not in Consent.Status.values:
        errors["status"] = CHOOSE_CONSENT_STATUS
    if decided_on is None:
        errors["decided_on"] = ENTER_DECISION_DATE
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
    """The decision in force (`Person.latest_consent`)."""
    return person.latest_consent(incident, scope)


def consent_in_force(person: Person, incident: Incident, scope: str) -> bool:
    """Whether the person's consent for `scope` is given for this incident now (P6)."""
    return person.consent_given(incident, scope)


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
