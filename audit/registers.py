"""Every write of the audit review pages and the disclosure and breach registers (A4-A6).

Disclosures and breaches are recorded and updated here, each in one transaction with its
audit event. The review pages' own reads are audited here too: a page of the audit trail
(AUDIT_REVIEWED, with its filters), an export of it (EXPORTED), a register entry opened
(REGISTER_VIEWED) and the disclosure report (DISCLOSURE_REPORTED): monitoring the use of the
system is itself monitored (A4).

Disclosures are never changed once recorded: a register of what left the partnership must
read as it was written. Breaches are updated as their investigation goes on; a save based
on a stale version is refused (StaleEdit, SPEC §16).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from access import policy
from common.conflicts import StaleEdit, changes_since

from .models import AuditEvent, Breach, Disclosure
from .services import record_event

DISCLOSURE_FIELDS = {
    "disclosed_on",
    "information",
    "subject",
    "recipient",
    "recipient_organisation",
    "reason",
    "legal_gateway",
    "justification",
    "authorised_by",
}
BREACH_FIELDS = {
    "category",
    "occurred_on",
    "discovered_on",
    "description",
    "records_affected",
    "reported_to",
    "commissioner_notified_on",
}
INVESTIGATION_FIELDS = {
    "status",
    "investigation",
    "outcome",
    "commissioner_notified_on",
    "closed_on",
}


def _not_in_future(errors: dict, **dates) -> None:
    today = timezone.localdate()
    for name, value in dates.items():
        if value and value > today:
            errors.setdefault(name, []).append("The date must be today or in the past.")


# --- Disclosures (A5) -------------------------------------------------------------------------


@transaction.atomic
def record_disclosure(*, by, incident=None, **fields) -> Disclosure:
    """Record a disclosure made outside the system by the recorder's organisation.

    `incident` (optional) must be one the recorder can see; its reference is kept as written
    so that the register still reads after the incident is erased."""
    if not policy.may_keep_registers(by):
        raise PermissionDenied
    unknown = set(fields) - DISCLOSURE_FIELDS
    if unknown:
        raise ValueError(f"Not a disclosure field: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    _not_in_future(errors, disclosed_on=fields.get("disclosed_on"))
    if incident is not None and not policy.can(by, policy.Action.VIEW, incident):
        errors["incident_urn"] = ["Enter the reference of an incident you can see."]
    for name in ("information", "recipient", "recipient_organisation", "justification",
                 "authorised_by", "reason", "legal_gateway", "disclosed_on"):  # fmt: skip
        if not fields.get(name):
            errors.setdefault(name, []).append("This is required.")
    if errors:
        raise ValidationError(errors)
    disclosure = Disclosure(
        organisation_id=by.organisation_id,
        incident=incident,
        incident_urn=incident.urn if incident is not None else "",
        recorded_by=by,
        **fields,
    )
    disclosure._history_user = by
    disclosure.save()
    # The event's justification is the reason and legal gateway chosen, and its details name
    # the entry: the free text typed into the register (what, about whom, to whom, why) stays
    # in the entry, which is erased with its incident; the audit log outlives both
    # (docs/retention.md).
    record_event(
        AuditEvent.Type.DISCLOSURE_RECORDED,
        actor=by,
        target=("disclosure", disclosure.pk),
        justification=(
            f"{disclosure.get_reason_display()}; {disclosure.get_legal_gateway_display()}"
        ),
        details={
            "incident": disclosure.incident_urn or None,
            "reason": disclosure.reason,
            "legal_gateway": disclosure.legal_gateway,
            "disclosed_on": disclosure.disclosed_on.isoformat(),
        },
    )
    return disclosure


def record_disclosure_report(
    user, *, start, end, file_format: str, total: int, organisations: int
) -> None:
    """The disclosure report (volume and reasons) produced, on screen or as CSV."""
    record_event(
        AuditEvent.Type.DISCLOSURE_REPORTED,
        actor=user,
        target=("disclosure_report", ""),
        details={
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "format": file_format,
            "disclosures": total,
            "organisations": organisations,
        },
    )


# --- Breaches (A6) ----------------------------------------------------------------------------


def check_breach(errors: dict, values: dict) -> None:
    """Add to `errors` (field -> messages) what is wrong with a breach's dates, status and
    outcome. Shared with the forms, so that every problem shows at once."""
    _not_in_future(
        errors,
        occurred_on=values.get("occurred_on"),
        discovered_on=values.get("discovered_on"),
        commissioner_notified_on=values.get("commissioner_notified_on"),
        closed_on=values.get("closed_on"),
    )
    occurred, discovered = values.get("occurred_on"), values.get("discovered_on")
    if occurred and discovered and occurred > discovered:
        errors.setdefault("occurred_on", []).append(
            "The date it happened must be the same as or before the date it was discovered."
        )
    closed = values.get("status") == Breach.Status.CLOSED
    if closed and not (values.get("outcome") or "").strip():
        errors.setdefault("outcome", []).append("Enter the outcome before closing the breach.")
    if values.get("closed_on") and not closed:
        errors.setdefault("closed_on", []).append(
            "Leave the date closed blank unless the breach is closed."
        )
    if closed and values.get("closed_on") and discovered and values["closed_on"] < discovered:
        errors.setdefault("closed_on", []).append(
            "The date closed must be the same as or after the date it was discovered."
        )


@transaction.atomic
def record_breach(*, by, organisation, **fields) -> Breach:
    """Record a breach concerning `organisation` (one the recorder administers)."""
    if not policy.may_keep_registers(by):
        raise PermissionDenied
    unknown = set(fields) - BREACH_FIELDS
    if unknown:
        raise ValueError(f"Not a breach field: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    if not policy.manageable_organisations(by).filter(pk=organisation.pk).exists():
        errors["organisation"] = ["Choose an organisation you administer."]
    for name in ("category", "discovered_on", "description"):
        if not fields.get(name):
            errors.setdefault(name, []).append("This is required.")
    check_breach(errors, fields)
    if errors:
        raise ValidationError(errors)
    breach = Breach(organisation=organisation, recorded_by=by, **fields)
    breach._history_user = by
    breach.save()
    record_event(
        AuditEvent.Type.BREACH_RECORDED,
        actor=by,
        target=("breach", breach.pk),
        details={
            "organisation": organisation.pk,
            "category": breach.category,
            "discovered_on": breach.discovered_on.isoformat(),
        },
    )
    return breach


@transaction.atomic
def update_breach(breach, *, by, expected_version: int, **changes) -> Breach:
    """Record the investigation's progress: status, investigation, outcome, when the
    Information Commissioner was told, when it closed. A closed breach has an outcome and a
    date closed (today unless given).

    Raises StaleEdit (listing what changed since `expected_version`) when someone else saved
    first; nothing is written then."""
    unknown = set(changes) - INVESTIGATION_FIELDS
    if unknown:
        raise ValueError(f"Not an investigation field: {sorted(unknown)}")
    locked = policy.breaches_for(by).select_for_update().filter(pk=breach.pk).first()
    if locked is None:
        raise PermissionDenied
    if locked.version != expected_version:
        raise StaleEdit(changes_since(locked, expected_version))
    merged = {name: getattr(locked, name) for name in INVESTIGATION_FIELDS} | changes
    merged["discovered_on"] = locked.discovered_on
    if merged["status"] == Breach.Status.CLOSED and not merged.get("closed_on"):
        merged["closed_on"] = timezone.localdate()
    errors: dict[str, list[str]] = {}
    check_breach(errors, merged)
    if errors:
        raise ValidationError(errors)
    changed = [name for name in INVESTIGATION_FIELDS if getattr(locked, name) != merged[name]]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, merged[name])
    locked.version = expected_version + 1
    locked._history_user = by
    locked.save(update_fields=[*changed, "version"])
    record_event(
        AuditEvent.Type.BREACH_UPDATED,
        actor=by,
        target=("breach", locked.pk),
        details={"fields": sorted(changed), "status": locked.status, "version": locked.version},
    )
    return locked


def record_breach_conflict(user, breach, *, based_on_version: int, changes: int):
    """A save refused because someone else updated the breach first (nothing was written)."""
    record_event(
        AuditEvent.Type.BREACH_UPDATED,
        actor=user,
        target=("breach", breach.pk),
        outcome=AuditEvent.Outcome.FAILURE,
        details={"stale": True, "based_on_version": based_on_version, "changes": changes},
    )


def record_register_view(user, kind: str, pk="", *, details: dict | None = None):
    """A register entry opened (pk) or a register listed (no pk; the filters in details)."""
    record_event(
        AuditEvent.Type.REGISTER_VIEWED,
        actor=user,
        target=(kind, pk),
        details=details or {},
    )


# --- Audit review (A4) ------------------------------------------------------------------------


def record_audit_review(
    user, *, target: tuple[str, object], filters: dict, page: int, row_count: int
) -> None:
    """A page of the audit trail shown: what was asked for and how many events matched."""
    record_event(
        AuditEvent.Type.AUDIT_REVIEWED,
        actor=user,
        target=target,
        details={"filters": filters, "page": page, "row_count": row_count},
    )


def record_audit_export(user, *, filters: dict, row_count: int) -> None:
    record_event(
        AuditEvent.Type.EXPORTED,
        actor=user,
        target=("audit", ""),
        details={"kind": "audit", "format": "csv", "row_count": row_count, "filters": filters},
    )


def period_of(start: datetime.date | None, end: datetime.date | None) -> dict:
    return {"from": start.isoformat() if start else None, "to": end.isoformat() if end else None}
