"""The guarded getters: one record for an action, or 404 whether it is missing or out of
scope (V5), with the denial logged as a security event and the read logged as a view
(A2). `deny` is the one way to refuse: every getter ends there.
"""

from __future__ import annotations

from django.http import Http404

from audit.models import AuditEvent
from audit.services import record_event
from incidents.models import Incident

from .cases import Action, with_allowed_actions


def deny(user, request, target: tuple[str, object], action: str, **details) -> None:
    """The one way to answer "not found or not yours": log the denial as a security event
    (V5) and raise 404. Every getter that refuses a record ends here, so that an
    out-of-scope request of any route writes exactly one ACCESS_DENIED event."""

    def printable(value, limit: int = 512):
        # What the probe sent, as it may be stored (PostgreSQL takes no NUL byte) and read:
        # control characters escaped, a 10,000-character address cut short.
        if not isinstance(value, str):
            return value
        return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in value)[:limit]

    kind, key = target
    record_event(
        AuditEvent.Type.ACCESS_DENIED,
        actor=user,
        request=request,
        target=(kind, clean_key(key)),
        outcome=AuditEvent.Outcome.DENIED,
        details={
            "action": str(action),
            "path": printable(request.path if request else ""),
            **{name: printable(value, 64) for name, value in details.items()},
        },
    )
    raise Http404("Not found.")


URN_MAX_LENGTH = 20  # Incident.urn


# The largest primary key a record may have (PostgreSQL bigint): a longer number in a URL
# is a missing record, never a database error.
MAX_KEY = 2**63 - 1


def is_key(value) -> bool:
    """Whether a value from a URL can be a primary key at all."""
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_KEY


def get_case_record(
    user,
    queryset,
    pk,
    *,
    kind: str,
    action: str = Action.VIEW,
    urn: str | None = None,
    request=None,
    record_view: bool | None = None,
):
    """THE getter of a record that belongs to a case (a task, a working-sheet entry, a
    document, a risk assessment, an involvement ...): fetched by its id from `queryset` (the
    model's manager or a queryset with the related rows the page needs), then its incident
    through `get_incident_for_user` for `action`. Answers 404 - logged once, as `kind` - when
    the record is missing, when its incident is out of scope (the incident getter logs that),
    or, given the `urn` of the page's incident, when it belongs to another incident. The
    record comes back with `.incident` set to the incident the policy returned (with its
    `allowed_*` answers); the incident's read is logged as `record_view` says."""
    record = queryset.select_related("incident").filter(pk=pk).first() if is_key(pk) else None
    if urn is None and record is not None:
        urn = record.incident.urn
    if urn is not None:
        incident = get_incident_for_user(
            user, urn, action, request=request, record_view=record_view
        )
        if record is not None and record.incident_id == incident.pk:
            record.incident = incident
            return record
    deny(user, request, (kind, pk), action, exists=record is not None, incident=urn or "")


def record_read(user, request, target: tuple[str, object], event_type, **details) -> None:
    """Log that `user` read a record (A2), from the page `request` is for."""
    record_event(
        event_type,
        actor=user,
        request=request,
        target=target,
        details={"path": request.path if request else "", **details},
    )


def well_formed_urn(urn) -> bool:
    """Whether a value from a URL can be an incident's reference at all (a NUL byte or a
    huge value is a missing record, never a database error)."""
    urn = str(urn)
    return urn.isprintable() and len(urn) <= URN_MAX_LENGTH


def refuse_page(request, url_kwargs: dict, action: str) -> None:
    """A page (or API route) refused to the user's group as a whole: 404 and one logged
    denial, as for a record out of scope, naming the record the URL asked for if any."""
    key = next(iter(url_kwargs.values()), "") if url_kwargs else ""
    deny(request.user, request, ("page", key or request.path), action)


def clean_key(key) -> str:
    """A record key from a URL as it may be stored and shown: control characters (a NUL byte
    cannot be stored in PostgreSQL text) dropped, at most 64 characters."""
    return "".join(ch for ch in str(key) if ch.isprintable())[:64]


def get_incident_for_user(
    user,
    urn: str,
    action: str = Action.VIEW,
    *,
    request=None,
    lock=False,
    record_view=None,
    related: tuple[str, ...] = (),
    annotate=None,
):
    """Fetch one incident for `action`, or raise 404 whether it is missing or out of scope.

    Logs the denial as a security event (V5) and the read (A2): by default a read is logged
    for action "view" only; a page that shows the record for another action (an edit form)
    passes record_view=True, and one that logs a more specific event itself (a document
    download) passes record_view=False. With lock=True the row is locked for the rest of
    the transaction (for writes). `related` names relations to fetch in the same query, and
    `annotate` (queryset -> queryset) adds what a page computes per incident, so that it
    comes in the same query too.
    """
    if record_view is None:
        record_view = action == Action.VIEW

    queryset = with_allowed_actions(
        Incident.objects.for_user(user, action).select_related(
            "area", "lead_organisation", "lead_officer", "created_by", *related
        ),
        user,
    )
    if annotate is not None:
        queryset = annotate(queryset)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    urn = str(urn)
    well_formed = well_formed_urn(urn)
    incident = queryset.filter(urn=urn).first() if well_formed else None
    if incident is None:
        deny(
            user,
            request,
            ("incident", urn),
            action,
            exists=well_formed and Incident.objects.filter(urn=urn).exists(),
        )
    if record_view:
        record_read(user, request, ("incident", incident.urn), AuditEvent.Type.INCIDENT_VIEWED)
    return incident
