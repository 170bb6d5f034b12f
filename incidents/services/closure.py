"""Closing a case (SPEC K1-K3, C8): open -> submitted for closure -> closed (or returned to
open); closed -> reopened. Each transition is one of these functions: it checks the policy,
records the decision, writes the working sheet where caseworkers will look for it, and audits.

The reasons typed for returning or reopening a case are kept with the case (the closure
request and the working sheet), and erased with it; the audit events name the records that
hold them, never the text (the audit log outlives the case: docs/retention.md).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access import policy
from access.models import User
from audit.models import AuditEvent
from audit.services import record_event

from ..models import ClosureRequest, Incident, WorkingSheetEntry
from ..queries import referral_outstanding, required_referral
from .worksheet import record_entry

HIGH_RISK_NEEDS_AGREEMENT = (
    "A High-risk case can only be closed with the multi-agency group's agreement: record it."
)


def _locked(incident: Incident, by: User, action: str) -> Incident:
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if not policy.can(by, action, locked):
        raise PermissionDenied
    return locked


def _set_status(incident: Incident, status: str, by: User, outcome: str = "") -> None:
    incident.status = status
    # Retention counts from the closure (SPEC D1); a reopened case is not counting.
    closing = status == Incident.Status.CLOSED
    incident.closed_at = timezone.now() if closing else None
    incident.closure_outcome = outcome if closing else ""
    incident._history_user = by
    incident.save(update_fields=["status", "closed_at", "closure_outcome", "updated_at"])


def _log(incident: Incident, by: User, text: str) -> WorkingSheetEntry:
    return record_entry(
        incident,
        by=by,
        kind=WorkingSheetEntry.Kind.CLOSURE,
        text=text,
        occurred_at=timezone.now(),
    )


def _audit(event_type: str, incident, by, closure=None, **details) -> None:
    record_event(
        event_type,
        actor=by,
        target=("incident", incident.urn),
        details={"closure": closure.pk if closure else None, **details},
    )


@transaction.atomic
def submit_for_closure(
    incident: Incident, *, by: User, summary: str, outcome: str
) -> ClosureRequest:
    """K1: the lead officer (or a colleague who may work the case) asks to close it. A
    High-risk case must have its referral recorded first (R2)."""
    locked = _locked(incident, by, policy.Action.SUBMIT)
    errors = {}
    if not (summary or "").strip():
        errors["summary"] = "Enter a closing summary."
    if outcome not in ClosureRequest.Outcome.values:
        errors["outcome"] = "Choose the outcome."
    if referral_outstanding(locked):
        team = WorkingSheetEntry.ReferralTo(required_referral(locked)).label
        errors["__all__"] = (
            f"This case is High risk: record its referral to the {team} "
            "on the working sheet before submitting it for closure."
        )
    if errors:
        raise ValidationError(errors)
    closure = ClosureRequest(
        incident=locked, summary=summary.strip(), outcome=outcome, submitted_by=by
    )
    closure._history_user = by
    closure.save()
    _set_status(locked, Incident.Status.SUBMITTED, by)
    _audit(AuditEvent.Type.CLOSURE_SUBMITTED, locked, by, closure, outcome=outcome)
    return closure


def _pending(incident: Incident) -> ClosureRequest:
    return incident.closures.select_for_update().get(decision=ClosureRequest.Decision.PENDING)


def _decide(closure: ClosureRequest, decision: str, by: User, **fields) -> None:
    closure.decision = decision
    closure.decided_by = by
    closure.decided_at = timezone.now()
    for name, value in fields.items():
        setattr(closure, name, value)
    closure._history_user = by
    closure.save()


@transaction.atomic
def approve_closure(
    incident: Incident, *, by: User, note: str = "", multi_agency_agreement: str = "",
) -> ClosureRequest:  # fmt: skip
    """K2: an enhanced user of the lead organisation closes the case. A High-risk case needs
    the multi-agency group's agreement recorded."""
    locked = _locked(incident, by, policy.Action.CLOSE)
    agreement = (multi_agency_agreement or "").strip()
    if locked.current_risk == Incident.RiskLevel.HIGH and not agreement:
        raise ValidationError({"multi_agency_agreement": HIGH_RISK_NEEDS_AGREEMENT})
    closure = _pending(locked)
    _decide(
        closure,
        ClosureRequest.Decision.APPROVED,
        by,
        decision_note=(note or "").strip(),
        multi_agency_agreement=agreement,
    )
    _set_status(locked, Incident.Status.CLOSED, by, outcome=closure.outcome)
    _log(locked, by, f"Case closed ({closure.get_outcome_display()}). {note}".strip())
    _audit(AuditEvent.Type.CLOSURE_APPROVED, locked, by, closure)
    return closure


@transaction.atomic
def return_case(incident: Incident, *, by: User, reason: str) -> ClosureRequest:
    """K2: the reviewer sends the case back to the lead officer; the reason goes on the
    working sheet."""
    locked = _locked(incident, by, policy.Action.CLOSE)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the case is being returned."})
    closure = _pending(locked)
    _decide(closure, ClosureRequest.Decision.RETURNED, by, decision_note=reason.strip())
    _set_status(locked, Incident.Status.OPEN, by)
    entry = _log(locked, by, f"Returned for more work: {reason.strip()}")
    _audit(AuditEvent.Type.CLOSURE_RETURNED, locked, by, closure, entry=entry.pk)
    return closure


@transaction.atomic
def reopen_case(incident: Incident, *, by: User, reason: str) -> Incident:
    """K3: a closed case is read-only until an enhanced user of the lead organisation
    reopens it, with a reason that goes on the working sheet."""
    locked = _locked(incident, by, policy.Action.REOPEN)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the case is being reopened."})
    _set_status(locked, Incident.Status.OPEN, by)
    entry = _log(locked, by, f"Case reopened: {reason.strip()}")
    _audit(AuditEvent.Type.CASE_REOPENED, locked, by, entry=entry.pk)
    return locked
