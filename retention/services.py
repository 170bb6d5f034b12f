"""Every write about retention (SPEC D1, D2): an incident's deletion flag and legal hold, and
the administrators' review decisions. Each checks the policy, writes history with its author,
and audits in the same transaction.

The reasons people type here are about the case and may name people: they are kept with the
case (and its history) and erased with it, never copied into the audit log, which outlives
the case (SPEC §17).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access import policy
from access.models import User
from audit.models import AuditEvent
from audit.services import current_request, record_event
from incidents.models import Incident

from .erasure import Skipped, erase_incident
from .models import DeletionFlag, ErasedIncident, IncidentRetention, RetentionDecision


class ChangedSinceOpened(Exception):
    """The case changed after the administrator opened it: look again before deciding."""


def _retention_for(incident: Incident, by: User) -> IncidentRetention:
    if not policy.can(by, policy.Action.RETAIN, incident):
        raise PermissionDenied
    Incident.objects.select_for_update().filter(pk=incident.pk).first()
    retention, _ = IncidentRetention.objects.select_for_update().get_or_create(incident=incident)
    return retention


def _save(retention: IncidentRetention, by: User, fields: list[str]) -> None:
    retention.version += 1
    retention._history_user = by
    retention.save(update_fields=[*fields, "version", "updated_at"])


def _reason(reason: str, errors: dict, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        errors[field] = "Give the reason: it is kept with the case."
    return reason


@transaction.atomic
def set_deletion_flag(
    incident: Incident, *, by: User, flag: str, reason: str
) -> IncidentRetention:
    """D1: change whether the incident is deleted automatically or reviewed first when due.
    Enhanced users and administrators of the lead organisation, with a reason."""
    retention = _retention_for(incident, by)
    errors: dict[str, str] = {}
    if flag not in DeletionFlag.values:
        errors["flag"] = "Choose automatic deletion or review before deletion."
    reason = _reason(reason, errors)
    if errors:
        raise ValidationError(errors)
    retention.deletion, retention.deletion_reason = flag, reason
    _save(retention, by, ["deletion", "deletion_reason"])
    record_event(
        AuditEvent.Type.RETENTION_FLAG_CHANGED,
        actor=by,
        target=("incident", incident.urn),
        details={"flag": flag},
    )
    return retention


@transaction.atomic
def set_legal_hold(incident: Incident, *, by: User, hold: bool, reason: str) -> IncidentRetention:
    """D2: a legal hold stops any deletion (litigation, inquiry, complaint) until lifted."""
    retention = _retention_for(incident, by)
    errors: dict[str, str] = {}
    reason = _reason(reason, errors)
    if errors:
        raise ValidationError(errors)
    retention.legal_hold, retention.legal_hold_reason = hold, reason
    _save(retention, by, ["legal_hold", "legal_hold_reason"])
    record_event(
        AuditEvent.Type.LEGAL_HOLD_SET if hold else AuditEvent.Type.LEGAL_HOLD_LIFTED,
        actor=by,
        target=("incident", incident.urn),
    )
    return retention


@transaction.atomic
def keep_after_review(
    incident: Incident,
    *,
    by: User,
    reason: str,
    review_on: datetime.date | None,
    opened_at: datetime.datetime,
) -> RetentionDecision:
    """D2: keep a queued case, with a reason and the date it is next reviewed (a decision to
    keep is recorded like one to delete - MoPI practice)."""
    # The page's request, if any (a refusal logs its path), as the audit middleware keeps it.
    locked = policy.get_incident_for_retention_review(
        by, incident.urn, request=current_request.get(), lock=True
    )
    retention = IncidentRetention.objects.select_for_update().get(incident=locked)
    errors: dict[str, str] = {}
    reason = _reason(reason, errors)
    if review_on is None:
        errors["review_on"] = "Enter the date the case should be reviewed again."
    elif review_on <= timezone.localdate():
        errors["review_on"] = "The next review date must be in the future."
    if errors:
        raise ValidationError(errors)
    if retention.updated_at > opened_at or locked.last_activity_at > opened_at:
        raise ChangedSinceOpened
    decision = RetentionDecision(
        incident=locked,
        decision=RetentionDecision.Decision.RETAIN,
        reason=reason,
        review_on=review_on,
        decided_by=by,
    )
    decision._history_user = by
    decision.save()
    retention.review = IncidentRetention.Review.RETAINED
    retention.review_on = review_on
    retention.queued_at = None
    _save(retention, by, ["review", "review_on", "queued_at"])
    record_event(
        AuditEvent.Type.RETENTION_KEPT,
        actor=by,
        target=("incident", locked.urn),
        details={"review_on": review_on.isoformat()},
    )
    return decision


def delete_after_review(
    incident: Incident, *, by: User, opened_at: datetime.datetime
) -> ErasedIncident:
    """D2: erase a queued case now, as the sweep would (retention/erasure.py), unless it
    changed after the administrator opened it or was put on legal hold."""
    found = policy.get_incident_for_retention_review(
        by, incident.urn, request=current_request.get()
    )
    outcome = erase_incident(
        found.pk,
        unchanged_since=opened_at,
        decided=ErasedIncident.DecidedBy.REVIEW,
        by=by,
    )
    if isinstance(outcome, Skipped):
        if outcome.reason == "changed since it was selected":
            raise ChangedSinceOpened
        raise ValidationError({"__all__": f"This case cannot be deleted: {outcome.reason}."})
    return outcome
