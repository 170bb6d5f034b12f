"""The working sheet (SPEC W1): an append-only, authored, dated log of a case.

There is no update or delete service. A correction is a new entry that points at the entry it
corrects; the model layer refuses to save an existing entry again (incidents/signals_worksheet).

Referrals that need the person's consent (SPEC P6) cannot be recorded without it: a referral
to Victim Support needs consent of scope "victim_support", one for hate incident monitoring
scope "hate_incident_monitoring".
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import dateformat, timezone

from access import policy
from access.models import User
from audit.models import AuditEvent
from audit.services import record_event

from .. import signals_worksheet  # noqa: F401 - connects the append-only receivers
from ..models import Incident, WorkingSheetEntry

Kind = WorkingSheetEntry.Kind
ReferralTo = WorkingSheetEntry.ReferralTo

# A clock a few minutes fast on the officer's device should not refuse an entry about now.
CLOCK_SKEW = timedelta(minutes=5)

# Referrals that need the person's consent, and the consent scope each needs (P6).
CONSENT_SCOPE_FOR_REFERRAL = {
    ReferralTo.VICTIM_SUPPORT: "victim_support",
    ReferralTo.HATE_INCIDENT_MONITORING: "hate_incident_monitoring",
}


def _validate(
    incident: Incident,
    *,
    kind: str,
    text: str,
    occurred_at: datetime | None,
    corrects: WorkingSheetEntry | None,
    referral_to: str,
    involvement,
) -> dict:
    errors: dict[str, str] = {}
    if kind not in Kind.values:
        errors["kind"] = "Choose the kind of entry."
    if not (text or "").strip():
        errors["text"] = "Enter what happened or was decided."
    if occurred_at is None:
        errors["occurred_at"] = "Enter when it happened."
    elif occurred_at > timezone.now() + CLOCK_SKEW:
        errors["occurred_at"] = "When it happened must be now or in the past."
    elif incident.first_occurred_at and occurred_at < incident.first_occurred_at:
        first = dateformat.format(timezone.localtime(incident.first_occurred_at), "j F Y, H:i")
        errors["occurred_at"] = (
            f"When it happened must be on or after the incident first happened ({first})."
        )

    if kind == Kind.CORRECTION:
        if corrects is None:
            errors["corrects"] = "Choose the entry this corrects."
        elif corrects.incident_id != incident.pk:
            errors["corrects"] = "The entry corrected must be an entry of this incident."
    elif corrects is not None:
        errors["corrects"] = "Only a correction can refer to an earlier entry."

    if kind == Kind.REFERRAL:
        errors.update(_validate_referral(incident, referral_to, involvement))
    else:
        if referral_to:
            errors["referral_to"] = "Only a referral has someone it is referred to."
        if involvement is not None:
            errors["involvement"] = "Only a referral is about one person."
    return errors


def _validate_referral(incident: Incident, referral_to: str, involvement) -> dict:
    errors: dict[str, str] = {}
    if referral_to not in ReferralTo.values:
        errors["referral_to"] = "Choose who the referral is to."
    if involvement is None:
        errors["involvement"] = "Choose the person who is referred."
    elif involvement.incident_id != incident.pk:
        errors["involvement"] = "The person referred must be involved in this incident."
    if errors:
        return errors
    scope = CONSENT_SCOPE_FOR_REFERRAL.get(referral_to)
    if scope is None:
        return errors
    label = ReferralTo(referral_to).label
    if involvement.person_id is None:
        errors["referral_to"] = (
            f"An anonymised person cannot be referred to {label}: "
            "their consent has not been given and cannot be recorded."
        )
    elif not involvement.person.consent_given(incident, scope):
        errors["referral_to"] = (
            f"This person's consent has not been given for a referral to {label}. "
            "Record their consent first."
        )
    return errors


def refresh_victim_clock(incident: Incident) -> None:
    """Restart the victim-update clock (R3) from the last recorded victim contact, or, with
    none, from when the complaint was reported. A derived value: `version` is not bumped."""
    last_contact = (
        WorkingSheetEntry.objects.filter(incident=OuterRef("pk"), kind=Kind.VICTIM_CONTACT)
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )
    Incident.objects.filter(pk=incident.pk).update(
        victim_clock_from=Coalesce(Subquery(last_contact), "received_at", "created_at")
    )
    incident.refresh_from_db(fields=["victim_clock_from"])


@transaction.atomic
def record_entry(
    incident: Incident,
    *,
    by: User,
    kind: str,
    text: str,
    occurred_at: datetime,
    corrects: WorkingSheetEntry | None = None,
    referral_to: str = "",
    involvement=None,
) -> WorkingSheetEntry:
    """Add an entry to the incident's working sheet. LOW LEVEL: callers check access.

    Used directly by the complaint-logging flow (the skeleton complaint's one entry); every
    other caller uses `add_entry`, which checks the policy and writes the audit event.
    Raises ValidationError (field -> message) for bad input.
    """
    errors = _validate(
        incident,
        kind=kind,
        text=text,
        occurred_at=occurred_at,
        corrects=corrects,
        referral_to=referral_to,
        involvement=involvement,
    )
    if errors:
        raise ValidationError(errors)
    entry = WorkingSheetEntry(
        incident=incident,
        kind=kind,
        text=text.strip(),
        occurred_at=occurred_at,
        author=by,
        corrects=corrects,
        referral_to=referral_to if kind == Kind.REFERRAL else "",
        involvement=involvement if kind == Kind.REFERRAL else None,
    )
    entry._history_user = by
    entry.save()
    if kind == Kind.VICTIM_CONTACT:
        refresh_victim_clock(incident)
    # Audited here, so that every way an entry is written (a page, the API, a complaint
    # being submitted) leaves its event; the entry's text is not copied into it.
    record_event(
        AuditEvent.Type.ENTRY_ADDED,
        actor=by,
        target=("incident", incident.urn),
        details={
            "entry": entry.pk,
            "kind": entry.kind,
            "corrects": entry.corrects_id,
            "referral_to": entry.referral_to,
            "involvement": entry.involvement_id,
        },
    )
    return entry


@transaction.atomic
def add_entry(
    incident: Incident,
    *,
    by: User,
    kind: str,
    text: str,
    occurred_at: datetime,
    corrects: WorkingSheetEntry | None = None,
    referral_to: str = "",
    involvement=None,
) -> WorkingSheetEntry:
    """Add an entry (or a correction) to the working sheet of an incident `by` may edit.

    Raises PermissionDenied when `by` may not edit the incident, ValidationError for bad
    input. The ENTRY_ADDED audit event is written by record_entry.
    """
    if not policy.can(by, policy.Action.EDIT, incident):
        raise PermissionDenied
    entry = record_entry(
        incident,
        by=by,
        kind=kind,
        text=text,
        occurred_at=occurred_at,
        corrects=corrects,
        referral_to=referral_to,
        involvement=involvement,
    )
    return entry
