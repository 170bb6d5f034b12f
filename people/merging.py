"""Merging duplicate records of a person, and undoing a merge (SPEC P2).

An administrator merges a duplicate into the person to keep: the duplicate's involvements and
consents move across (folded into the kept person's where both were in the same incident in
the same role), the duplicate is kept, emptied, pointing at the kept person, and the merge
event lists every row that moved, so that `undo_merge` can move exactly those back.

The audit events hold identifiers and field names only, never what was typed: the log
outlives the records (docs/retention.md). The reason for a merge or its undoing is a
`MergeReason` row, erased with the people; a folded involvement's notes are read back from its
own history rows, erased with its incident.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from access import policy
from access.models import User
from audit.models import AuditEvent
from audit.services import record_event
from incidents.models import Incident, RiskAssessment, WorkingSheetEntry

from .models import Consent, Intervention, Involvement, MergeReason, Person, Statement
from .repeats import refresh_repeat_flags

# An involvement's free-text notes, which a fold keeps only in the folded involvement's
# history (never in the audit event).
NOTES = ("risk_notes", "support_needs")


def _save(instance, by: User, fields: list[str]) -> None:
    instance._history_user = by
    instance.save(update_fields=fields)


@transaction.atomic
def merge_people(keep: Person, duplicate: Person, *, by: User, reason: str) -> AuditEvent:
    """Merge `duplicate` into `keep` (administrators only; both must be visible to them).

    The duplicate's involvements and consents move to `keep`. Where both were in the same
    incident in the same role, the duplicate's involvement is folded into keep's: its
    statements, interventions, dependants, working-sheet entries and risk assessments move
    across and the emptied involvement is deleted (its notes stay in its history rows). The
    duplicate stays, emptied, with `merged_into` set. Everything moved is listed in the
    PEOPLE_MERGED event, so `undo_merge` can put it back. Returns the event.
    """
    if not policy.may_merge_people(by):
        raise PermissionDenied
    if keep.pk == duplicate.pk:
        raise ValidationError({"duplicate": "Choose two different people"})
    pair = {
        p.pk: p
        for p in policy.visible_people(by)
        .select_for_update(of=("self",))
        .filter(pk__in=[keep.pk, duplicate.pk])
    }
    if len(pair) != 2:
        raise PermissionDenied
    keep, duplicate = pair[keep.pk], pair[duplicate.pk]
    errors: dict[str, str] = {}
    if not (reason or "").strip():
        errors["reason"] = "Enter why these records are the same person"
    if keep.merged_into_id or duplicate.merged_into_id:
        errors["duplicate"] = "One of these records has already been merged"
    if errors:
        raise ValidationError(errors)

    kept = {(i.incident_id, i.role): i for i in Involvement.objects.filter(person=keep)}
    moved, folded, touched_incidents = [], [], set()
    for involvement in Involvement.objects.filter(person=duplicate).order_by("id"):
        touched_incidents.add(involvement.incident_id)
        into = kept.get((involvement.incident_id, involvement.role))
        if into is None:
            involvement.person = keep
            _save(involvement, by, ["person"])
            moved.append(involvement.pk)
            continue
        folded.append(_fold(involvement, into, by))
    consents = list(Consent.objects.filter(person=duplicate).order_by("id"))
    for consent in consents:
        consent.person = keep
        _save(consent, by, ["person"])
    duplicate.merged_into = keep
    _save(duplicate, by, ["merged_into", "updated_at"])
    why = MergeReason.objects.create(
        action=MergeReason.Action.MERGE,
        duplicate=duplicate,
        keep=keep,
        reason=reason.strip(),
        recorded_by=by,
    )
    event = record_event(
        AuditEvent.Type.PEOPLE_MERGED,
        actor=by,
        target=("person", duplicate.pk),
        details={
            "action": "merge",
            "reason": why.pk,
            "keep": keep.pk,
            "duplicate": duplicate.pk,
            "involvements": moved,
            "folded": folded,
            "consents": [consent.pk for consent in consents],
        },
    )
    for incident in Incident.objects.filter(pk__in=touched_incidents):
        refresh_repeat_flags(incident)
    return event


def _fold(involvement: Involvement, into: Involvement, by: User) -> dict:
    """Move what hangs off `involvement` to `into` and delete it; return what undo needs:
    identifiers and the names of the notes it filled in, never the notes themselves."""
    record = {
        "involvement": involvement.pk,
        "into": into.pk,
        "incident": involvement.incident_id,
        "role": involvement.role,
        "dependant_of": involvement.dependant_of_id,
        "created_by": involvement.created_by_id,
        "filled": [],
    }
    for name, model, attribute in _HANGING_OFF:
        rows = list(model.objects.filter(**{attribute: involvement}).order_by("id"))
        for row in rows:
            setattr(row, attribute, into)
            _save(row, by, [attribute])
        record[name] = [row.pk for row in rows]
    # Keep's notes win; the duplicate's fill only what keep left blank.
    for field in NOTES:
        if not getattr(into, field) and getattr(involvement, field):
            setattr(into, field, getattr(involvement, field))
            record["filled"].append(field)
    if record["filled"]:
        _save(into, by, record["filled"])
    involvement._history_user = by
    involvement.delete()
    return record


# Rows that point at an involvement, by the name used in the merge event's details.
_HANGING_OFF = (
    ("statements", Statement, "involvement"),
    ("interventions", Intervention, "involvement"),
    ("dependants", Involvement, "dependant_of"),
    ("entries", WorkingSheetEntry, "involvement"),
    ("assessments", RiskAssessment, "involvement"),
)


def latest_merge(duplicate: Person) -> AuditEvent | None:
    """The PEOPLE_MERGED event that merged `duplicate`, if it is still merged."""
    if duplicate.merged_into_id is None:
        return None
    return (
        AuditEvent.objects.filter(
            event_type=AuditEvent.Type.PEOPLE_MERGED,
            target_type="person",
            target_id=str(duplicate.pk),
            details__action="merge",
        )
        .order_by("-occurred_at", "-id")
        .first()
    )


@transaction.atomic
def undo_merge(duplicate: Person, *, by: User, reason: str) -> AuditEvent:
    """Put back exactly what the latest merge of `duplicate` moved (administrators only;
    the person it was merged into must be visible to them). Returns the undo event."""
    if not policy.may_merge_people(by):
        raise PermissionDenied
    duplicate = Person.objects.select_for_update(of=("self",)).get(pk=duplicate.pk)
    if duplicate.merged_into_id is None:
        raise ValidationError({"duplicate": "This record has not been merged"})
    keep = (
        policy.visible_people(by)
        .select_for_update(of=("self",))
        .filter(pk=duplicate.merged_into_id)
        .first()
    )
    if keep is None:
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": "Enter why the merge is being undone"})
    merge = latest_merge(duplicate)
    if merge is None:
        raise ValidationError({"duplicate": "There is no record of this merge to undo"})
    details = merge.details
    touched_incidents = set()
    moved_back = []
    for involvement in Involvement.objects.filter(pk__in=details["involvements"], person=keep):
        involvement.person = duplicate
        _save(involvement, by, ["person"])
        moved_back.append(involvement.pk)
        touched_incidents.add(involvement.incident_id)
    recreated: dict[int, int] = {}
    for record in details["folded"]:
        if not Incident.objects.filter(pk=record["incident"]).exists():
            continue  # the incident has been erased since, and everything of it
        recreated[record["involvement"]] = _unfold(record, duplicate, by, recreated)
        touched_incidents.add(record["incident"])
    consents = list(Consent.objects.filter(pk__in=details["consents"], person=keep))
    for consent in consents:
        consent.person = duplicate
        _save(consent, by, ["person"])
    duplicate.merged_into = None
    _save(duplicate, by, ["merged_into", "updated_at"])
    why = MergeReason.objects.create(
        action=MergeReason.Action.UNDO,
        duplicate=duplicate,
        keep=keep,
        reason=reason.strip(),
        recorded_by=by,
    )
    event = record_event(
        AuditEvent.Type.PEOPLE_MERGE_UNDONE,
        actor=by,
        target=("person", duplicate.pk),
        details={
            "action": "undo",
            "reason": why.pk,
            "merge_event": merge.pk,
            "keep": keep.pk,
            "duplicate": duplicate.pk,
            "involvements": moved_back,
            "recreated": [{"was": old, "now": new} for old, new in recreated.items()],
            "consents": [consent.pk for consent in consents],
        },
    )
    for incident in Incident.objects.filter(pk__in=touched_incidents):
        refresh_repeat_flags(incident)
    return event


def _unfold(record: dict, duplicate: Person, by: User, recreated: dict[int, int]) -> int:
    """Recreate a folded involvement for `duplicate` and move its rows back to it.
    `recreated` maps involvements folded by the merge to the ones recreated so far (a
    dependant may have depended on one of them)."""
    into = Involvement.objects.filter(pk=record["into"]).first()
    dependant_of = record["dependant_of"]
    dependant_of = recreated.get(dependant_of, dependant_of)
    if dependant_of and not Involvement.objects.filter(pk=dependant_of).exists():
        dependant_of = record["into"] if into else None
    notes = _folded_notes(record)
    involvement = Involvement(
        incident_id=record["incident"],
        person=duplicate,
        role=record["role"],
        dependant_of_id=dependant_of,
        created_by_id=record["created_by"],
        **notes,
    )
    involvement._history_user = by
    involvement.save()
    if into is None:
        return involvement.pk
    for name, model, attribute in _HANGING_OFF:
        for row in model.objects.filter(pk__in=record.get(name, []), **{attribute: into}):
            setattr(row, attribute, involvement)
            _save(row, by, [attribute])
    # Take back notes the merge filled in, unless someone has changed them since.
    restored = [field for field in record["filled"] if getattr(into, field) == notes[field]]
    for field in restored:
        setattr(into, field, "")
    if restored:
        _save(into, by, restored)
    return involvement.pk


def _folded_notes(record: dict) -> dict[str, str]:
    """A folded involvement's notes as they were when the merge deleted it: from its last
    history row (merges recorded before the notes were kept out of the audit log carry them
    in the event)."""
    if all(field in record for field in NOTES):
        return {field: record[field] for field in NOTES}
    last = (
        Involvement.history.filter(id=record["involvement"])
        .order_by("-history_date", "-history_id")
        .first()
    )
    return {field: getattr(last, field) if last else "" for field in NOTES}


def merge_reasons(events) -> dict[int, str]:
    """{event id: the reason given} for PEOPLE_MERGED and PEOPLE_MERGE_UNDONE events, in one
    query: the `MergeReason` each names (gone when the people were erased), or the event's
    justification for merges recorded before reasons were kept with the people."""
    events = list(events)
    kept = dict(
        MergeReason.objects.filter(
            pk__in=[e.details["reason"] for e in events if "reason" in e.details]
        ).values_list("pk", "reason")
    )
    return {
        event.pk: kept.get(event.details["reason"], "")
        if "reason" in event.details
        else event.justification
        for event in events
    }
