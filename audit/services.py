"""Writing audit events. Call inside the transaction of the action being recorded."""

from typing import Any

from .models import AuditEvent


def client_address(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    event_type: str,
    *,
    actor=None,
    request=None,
    target: tuple[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    justification: str = "",
    details: dict | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event. `target` is (type, identifier), e.g. ("incident", "ASB-2026-000001")."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    target_type, target_id = target if target else ("", "")
    return AuditEvent.objects.create(
        event_type=event_type,
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor else ""),
        organisation_id=getattr(actor, "organisation_id", None),
        target_type=target_type,
        target_id=str(target_id),
        outcome=outcome,
        justification=justification,
        ip_address=client_address(request),
        details=details or {},
    )
