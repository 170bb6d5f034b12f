"""Writing audit events. Call inside the transaction of the action being recorded."""

from contextvars import ContextVar
from typing import Any

from django.db import connection, transaction

from . import chain
from .models import AuditEvent, AuditLogIsAppendOnly

# The request being served, set by audit.middleware.AuditContextMiddleware, so that an
# event recorded deep inside a service still knows the address it came from.
current_request: ContextVar = ContextVar("audit_current_request", default=None)


def client_address(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def new_event(
    event_type: str,
    *,
    actor=None,
    request=None,
    target: tuple[str, Any] | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    justification: str = "",
    details: dict | None = None,
    actor_label: str = "",
    organisation=None,
) -> AuditEvent:
    """An unsaved event, for `record_events`. `target` is (type, identifier), e.g.
    ("incident", "ASB-2026-000001"). The organisation is the actor's unless given (a failed
    sign-in to a known account is recorded against that account's organisation)."""
    request = request if request is not None else current_request.get()
    if actor is not None and not actor.is_authenticated:
        actor = None
    target_type, target_id = target if target else ("", "")
    return AuditEvent(
        event_type=event_type,
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor else ""),
        organisation_id=(
            organisation.pk
            if organisation is not None
            else getattr(actor, "organisation_id", None)
        ),
        target_type=target_type,
        target_id=str(target_id),
        outcome=outcome,
        justification=justification,
        ip_address=client_address(request),
        details=chain.normalise_details(details),
    )


def record_event(event_type: str, **fields) -> AuditEvent:
    """Append one event; `fields` are `new_event`'s (actor, request, target, outcome,
    justification, details, actor_label, organisation)."""
    event = new_event(event_type, **fields)
    # No savepoint: if the insert fails, so does the action it records.
    if connection.vendor == "postgresql":
        # One INSERT, chained by the trigger under its lock: atomic on its own, so no
        # transaction of its own (a BEGIN and a COMMIT on every audited page view).
        chain.prepare(event)
        event.save()
        return event
    with transaction.atomic(savepoint=False):  # SQLite: chained in Python, read then write
        chain.prepare(event)
        event.save()
    return event


def record_events(events: list[AuditEvent]) -> list[AuditEvent]:
    """Append many events (made by `new_event`) in one INSERT, chained in this order: for
    actions that record one event per record of a batch (erasing a thousand incidents).
    (On SQLite, development only, Django splits the INSERT at SQLite's parameter limit.)"""
    if any(event.pk is not None for event in events):
        raise AuditLogIsAppendOnly("Audit events are written once.")
    if not events:
        return []
    with transaction.atomic(savepoint=False):
        chain.prepare_many(events)
        # The model's own manager refuses bulk_create, so that nothing appends events outside
        # the chain; `prepare_many` has just chained these. On PostgreSQL the chain trigger
        # fills each row's place, read back into the events by the INSERT's RETURNING.
        AuditEvent._base_manager.bulk_create(events)
    return events
