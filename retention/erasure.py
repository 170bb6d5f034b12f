"""Erasing an incident so that nothing of it remains (SPEC D2, §17 erasure logs).

`erase_incidents` erases a batch in one transaction: either every incident of it goes, with
everything of it, or nothing does.

1. The incident rows are locked; a case someone is working on right now is left for the next
   run, not waited for. Each is then checked again: still closed, not on legal hold, and not
   changed since it was selected (`unchanged_since`: the incident, any part of it, its
   retention state and its people) - a record updated after selection is never erased (D5).
2. Django's deletion collector finds everything that goes with the incident, by following
   every cascading foreign key: involvements, statements, interventions, consent, working
   sheet, tasks, alerts, documents, risk assessments, closure requests, shares, retention
   state and decisions, and the many-to-many rows. Nothing is listed by hand, so a part
   added later goes too. Its people who are left with no incident (and records merged into
   them) are collected the same way.
3. Everything collected is deleted, then every history row of every collected record
   (django-simple-history writes a "deleted" row on deletion; those go too), the form
   drafts typed on the erased pages, and the tombstone and the audit event are written:
   URN, dates, rule, who or what decided, counts. No names, no free text.
4. Document files are removed after the commit. Their random storage names are written to
   `PendingFileDeletion` inside the transaction, so a process killed between the commit and
   the file removal leaves a list that the next sweep finishes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.files.storage import storages
from django.db import router, transaction
from django.db.models import Q
from django.db.models.deletion import Collector
from django.utils import timezone

from access.models import FormDraft
from audit.models import AuditEvent
from audit.services import record_event
from incidents.models import Document, Incident
from people.models import Involvement, Person

from .models import ErasedIncident, IncidentRetention, PendingFileDeletion
from .rules import active_rules, due_condition, rule_for, with_retention


@dataclass
class Skipped:
    urn: str
    reason: str


def _history_model(model):
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, attribute).model if attribute else None


def _collect(objects) -> tuple[Collector, dict]:
    """Everything Django would delete with `objects`, as {model: set of primary keys}."""
    using = router.db_for_write(type(objects[0]))
    collector = Collector(using=using, origin=objects[0])
    collector.collect(objects)
    pks = defaultdict(set)
    for model, instances in collector.data.items():
        pks[model].update(instance.pk for instance in instances)
    for queryset in collector.fast_deletes:
        pks[queryset.model].update(queryset.values_list("pk", flat=True))
    return collector, pks


def _delete_history(collected: dict) -> int:
    erased = 0
    for model, pks in collected.items():
        history = _history_model(model)
        if history is None or not pks:
            continue
        key = f"{model._meta.pk.attname}__in"
        erased += (
            history.objects.filter(**{key: list(pks)}).delete()[1].get(history._meta.label, 0)
        )
    return erased


def _orphaned_people(person_ids: set[int]) -> list[Person]:
    """People of the erased incident who now have no incident, and the records that were
    merged into them (which hold the same person's details and have no incidents either)."""
    if not person_ids:
        return []
    still_involved = set(
        Involvement.objects.filter(person_id__in=person_ids).values_list("person_id", flat=True)
    )
    orphans = set(person_ids) - still_involved
    frontier = set(orphans)
    while frontier:
        merged = set(
            Person.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=orphans)
            .exclude(involvements__isnull=False)
            .values_list("pk", flat=True)
        )
        orphans |= merged
        frontier = merged
    # A record can only go once no other record is merged into it (PROTECT): order them
    # so that every merged record comes before the one it was merged into.
    remaining = {person.pk: person for person in Person.objects.filter(pk__in=orphans)}
    ordered = []
    while remaining:
        targets = {person.merged_into_id for person in remaining.values()}
        leaves = [person for pk, person in remaining.items() if pk not in targets]
        for person in leaves:
            ordered.append(remaining.pop(person.pk))
    return ordered


def _changed_since(incidents: list[Incident], since: datetime) -> set[int]:
    """The ids among `incidents` changed after `since`: the incident, a part of it (its
    `last_activity_at`), its retention state, or one of its people."""
    changed = {
        incident.pk
        for incident in incidents
        if incident.last_activity_at > since or incident.updated_at > since
    }
    ids = [incident.pk for incident in incidents]
    changed |= set(
        IncidentRetention.objects.filter(incident_id__in=ids, updated_at__gt=since).values_list(
            "incident_id", flat=True
        )
    )
    changed |= set(
        Involvement.objects.filter(incident_id__in=ids, person__updated_at__gt=since).values_list(
            "incident_id", flat=True
        )
    )
    return changed


def _delete_files_now(names: list[str]) -> None:
    storage = storages["documents"]
    for name in names:
        storage.delete(name)  # no error when already gone
        PendingFileDeletion.objects.filter(storage_name=name).delete()


def finish_file_deletions() -> int:
    """Remove the files of erased documents that a killed run left behind."""
    names = list(PendingFileDeletion.objects.values_list("storage_name", flat=True))
    _delete_files_now(names)
    return len(names)


def _tombstone(incident: Incident, rules, decided: str, by, now) -> ErasedIncident:
    rule = rule_for(incident, rules)
    return ErasedIncident(
        urn=incident.urn,
        lead_organisation=incident.lead_organisation,
        reported_at=incident.received_at,
        created_at=incident.created_at,
        closed_at=incident.closed_at,
        rule_name=rule.name if rule else "",
        retain_for_months=rule.retain_for_months if rule else None,
        decided=decided,
        decided_by=by,
        erased_at=now,
    )


def _eligible(incidents, since, require_flag) -> tuple[list[Incident], list[Skipped]]:
    skipped = []
    changed = _changed_since(incidents, since)
    still_due = None
    if require_flag:
        rules = active_rules()
        still_due = set(
            with_retention(Incident.objects.filter(pk__in=[i.pk for i in incidents]), rules)
            .filter(due_condition(timezone.localdate(), rules), deletion_flag=require_flag)
            .values_list("pk", flat=True)
        )
    eligible = []
    for incident in incidents:
        retention = getattr(incident, "retention", None)
        if incident.status != Incident.Status.CLOSED:
            skipped.append(Skipped(incident.urn, "not closed"))
        elif retention is not None and retention.legal_hold:
            skipped.append(Skipped(incident.urn, "on legal hold"))
        elif incident.pk in changed:
            skipped.append(Skipped(incident.urn, "changed since it was selected"))
        elif still_due is not None and incident.pk not in still_due:
            skipped.append(Skipped(incident.urn, "no longer due for automatic deletion"))
        else:
            eligible.append(incident)
    return eligible, skipped


def erase_incidents(
    incident_ids,
    *,
    unchanged_since: datetime,
    decided: str,
    by=None,
    request=None,
    require_flag: str = "",
) -> tuple[list[ErasedIncident], list[Skipped]]:
    """Erase these incidents and everything of them in one transaction (see the module), or
    skip each that is locked, open, on hold, changed since `unchanged_since`, or - when
    `require_flag` is given (the sweep) - no longer due with that deletion flag."""
    with transaction.atomic():
        incidents = list(
            Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=list(incident_ids))
            .select_related("retention", "lead_organisation")
            .order_by("pk")
        )
        incidents, skipped = _eligible(incidents, unchanged_since, require_flag)
        if not incidents:
            return [], skipped
        rules = active_rules()
        involved = defaultdict(set)  # person id -> incident ids
        for incident_id, person_id in Involvement.objects.filter(
            incident__in=incidents, person__isnull=False
        ).values_list("incident_id", "person_id"):
            involved[person_id].add(incident_id)

        collector, collected = _collect(incidents)
        documents = collector.data.get(Document, [])
        files = [document.file.name for document in documents if document.file.name]
        now = timezone.now()
        # Written before the deletion, which sets each deleted instance's pk to None.
        tombstones = {
            incident.pk: _tombstone(incident, rules, decided, by, now) for incident in incidents
        }
        for document in documents:
            tombstones[document.incident_id].documents_erased += 1
        PendingFileDeletion.objects.bulk_create(
            [PendingFileDeletion(storage_name=name) for name in files], ignore_conflicts=True
        )
        collector.delete()

        people = _orphaned_people(set(involved))
        erased_people = {person.pk for person in people}
        for person_id in erased_people & set(involved):
            # Counted against the first of the erased incidents the person was in (records
            # merged into them are the same person, not counted again).
            tombstones[min(involved[person_id])].people_erased += 1
        for person in people:
            person_collector, person_pks = _collect([person])
            person_collector.delete()
            for model, pks in person_pks.items():
                collected[model].update(pks)
        history_rows = _delete_history(collected)

        drafts = Q(pk__in=[])
        for tombstone in tombstones.values():
            drafts |= Q(path__startswith=f"/incidents/{tombstone.urn}/")
        for person_id in erased_people:
            drafts |= Q(path__startswith=f"/people/{person_id}/")
        FormDraft.objects.filter(drafts).delete()

        for tombstone in tombstones.values():
            record_event(
                AuditEvent.Type.INCIDENT_ERASED,
                actor=by,
                actor_label="" if by else "retention sweep",
                request=request,
                # The lead organisation's administrators see it in their audit review.
                organisation=tombstone.lead_organisation,
                target=("incident", tombstone.urn),
                details={
                    "decided": decided,
                    "rule": tombstone.rule_name,
                    "people_erased": tombstone.people_erased,
                    "documents_erased": tombstone.documents_erased,
                    "history_rows_erased_in_batch": history_rows,
                },
            )
        tombstones = list(tombstones.values())
        ErasedIncident.objects.bulk_create(tombstones)
        transaction.on_commit(lambda: _delete_files_now(files))
    return tombstones, skipped


def erase_incident(incident_id: int, **options) -> ErasedIncident | Skipped:
    """Erase one incident (see `erase_incidents`)."""
    erased, skipped = erase_incidents([incident_id], **options)
    if erased:
        return erased[0]
    return skipped[0] if skipped else Skipped(str(incident_id), "gone or being worked on")
