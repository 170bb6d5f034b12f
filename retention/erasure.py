"""Erasing an incident so that nothing of it remains (SPEC D2, §17 erasure logs).

`erase_incidents` erases a batch in one transaction: either every incident of it goes, with
everything of it, or nothing does. It works on sets of rows, so a batch of a thousand
incidents takes the same few dozen queries as a batch of two.

1. The incident rows are locked; a case someone is working on right now is left for the next
   run, not waited for. Each is then checked again: still closed, not on legal hold, and not
   changed since it was selected (`unchanged_since`: the incident, any part of it, its
   retention state and its people) - a record updated after selection is never erased (D5).
2. A collector of primary keys (`_Collection`) finds everything that goes with the
   incidents by following every relation Django's deletion collector would follow:
   involvements, statements, interventions, consent, working sheet, tasks, alerts,
   documents, risk assessments, closure requests, shares, retention state and decisions,
   and the many-to-many rows. Nothing is listed by hand, so a part added later goes too.
   It asks one query per relation and level and loads no record. Its people who are left
   with no incident (and records merged into them) are collected the same way.
3. Everything collected is deleted, one DELETE per table and no signals (so no "deleted"
   history row is written only to be deleted again), then every history row of every
   collected record - and of records removed before, which would have been collected had
   they still existed (an involvement folded away by a merge of people still names its
   incident in its history) - and the form drafts typed on the erased pages; and the
   tombstones and the audit events (one per incident, appended to the chain in one INSERT)
   are written: URN, dates, rule, who or what decided, counts. No names, no free text.
   A disclosure-register entry about an erased incident stays (A5: the register reports
   how many disclosures were made and why), reduced to what says nothing about the case:
   its date, organisation, reason, legal gateway, URN and who recorded it; its free text,
   in the entry and its history, is erased (`_erase_disclosure_text`).
4. Document files are removed after the commit. Their random storage names are written to
   `PendingFileDeletion` inside the transaction, so a process killed between the commit and
   the file removal leaves a list that the next sweep finishes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.files.storage import storages
from django.db import connections, router, transaction
from django.db.models import (
    CASCADE,
    DO_NOTHING,
    PROTECT,
    RESTRICT,
    SET_NULL,
    F,
    ProtectedError,
    Q,
    RestrictedError,
    Value,
)
from django.db.models.deletion import get_candidate_relations_to_delete
from django.db.models.functions import StrIndex, Substr
from django.db.models.lookups import In
from django.utils import timezone

from access.models import FormDraft
from audit.models import AuditEvent, Disclosure
from audit.services import new_event, record_events
from incidents.models import Document, Incident, Task
from people.models import Involvement, Person

from .models import ErasedIncident, IncidentRetention, PendingFileDeletion
from .rules import active_rules, due_condition, rule_for, with_retention

# Primary keys per query. A batch of a thousand incidents stays within one query per table;
# far more (a thousand long-running cases) is split, well inside SQLite's 32,766 variables.
IDS_PER_QUERY = 10_000


@dataclass
class Skipped:
    urn: str
    reason: str


def _chunks(pks):
    pks = sorted(pks)
    for start in range(0, len(pks), IDS_PER_QUERY):
        yield pks[start : start + IDS_PER_QUERY]


class _AnyOf(In):
    """`IN (...)`, written `= ANY(%s)` on PostgreSQL: the values as one array parameter
    instead of thousands of parameters, which cost more to build (Django), to bind
    (psycopg binds client-side) and to parse than the query takes to run."""

    def as_postgresql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if all(type(value) is int for value in values):
            # Keys as an array literal: cheaper to write than psycopg's list adaptation.
            array_type = self.lhs.output_field.cast_db_type(connection)
            array = "{" + ",".join(map(str, values)) + "}"
            return f"{lhs} = ANY(%s::{array_type}[])", (*params, array)
        return f"{lhs} = ANY(%s)", (*params, values)


def _among(column, values) -> _AnyOf:
    """A filter: `column` (a field, a path like "incident__pk", or an expression) is one of
    `values`."""
    return _AnyOf(F(column) if isinstance(column, str) else column, list(values))


def _values(model, pks, *fields):
    """`fields` of the rows of `model` with these primary keys."""
    for chunk in _chunks(pks):
        yield from model._base_manager.filter(_among("pk", chunk)).order_by().values_list(*fields)


def _history_model(model):
    attribute = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, attribute).model if attribute else None


class _Collection:
    """The primary keys of everything deleted with some rows, by model: what Django's
    deletion `Collector` would delete, without its cost.

    The `Collector` loads every instance of a model that has deletion signals - and
    simple-history listens to every model it tracks, and incidents/signals_worksheet.py to
    working-sheet entries - then deletes them sending signals, so simple-history writes a
    "deleted" history row per record, which erasure would only delete again. This follows
    the same relations (`get_candidate_relations_to_delete`, so a relation added later is
    followed too) with one `values_list` query per relation and level, honours each
    relation's `on_delete`, and deletes with one DELETE per table and no signals.
    """

    def __init__(self, using: str):
        self.using = using
        self.pks: dict = defaultdict(set)
        # Rows that stay but refer to a deleted row through SET_NULL: {(model, field): pks}.
        self.set_null: dict = defaultdict(set)
        # Rows referring to a deleted row through PROTECT or RESTRICT: {(model, field): pks}.
        # The deletion is refused unless each of them is deleted too.
        self.refusing: dict = defaultdict(set)
        # {model: the models whose rows refer to its rows}, to delete children first.
        self.children: dict = defaultdict(set)
        # The CASCADE links followed, {(child model, its field): parent pks}: the history
        # rows of a child that no longer exists still name its parent through that field.
        self.cascades: dict = defaultdict(set)

    def add(self, model, pks) -> None:
        """Collect these rows and everything that cascades from them, level by level."""
        level = {model: set(pks)}
        while level:
            next_level: dict = defaultdict(set)
            for level_model, level_pks in level.items():
                new = level_pks - self.pks[level_model]
                if new:
                    self.pks[level_model] |= new
                    self._follow(level_model, new, next_level)
            level = next_level

    def _referring(self, model, field, pks) -> set:
        rows = set()
        for chunk in _chunks(pks):
            rows.update(
                model._base_manager.using(self.using)
                .filter(_among(f"{field.name}__pk", chunk))
                .order_by()
                .values_list("pk", flat=True)
            )
        return rows

    def _follow(self, model, pks: set, next_level: dict) -> None:
        if model._meta.parents:
            # Django's collector also deletes the parent rows of multi-table inheritance;
            # nothing erased uses it, so rather than leave rows behind, refuse.
            raise NotImplementedError(f"Erasure does not follow {model.__name__}'s parents.")
        for relation in get_candidate_relations_to_delete(model._meta):
            field = relation.field
            on_delete = field.remote_field.on_delete
            if on_delete is DO_NOTHING:  # e.g. history rows: `_delete_history` removes those
                continue
            related = relation.related_model._meta.concrete_model
            if on_delete is CASCADE:
                self.cascades[related, field] |= pks
            rows = self._referring(related, field, pks)
            if not rows:
                continue
            self.children[model].add(related)
            if on_delete is CASCADE:
                next_level[related] |= rows
            elif on_delete is SET_NULL:
                self.set_null[related, field] |= rows
            elif on_delete in (PROTECT, RESTRICT):
                self.refusing[related, field] |= rows
            else:
                raise NotImplementedError(
                    f"Erasure does not handle on_delete={on_delete.__name__} ({field})."
                )
        for field in model._meta.private_fields:
            if hasattr(field, "bulk_related_objects"):  # a GenericRelation: as the Collector
                related = field.related_model._meta.concrete_model
                objects = field.bulk_related_objects([model(pk=pk) for pk in pks], self.using)
                next_level[related] |= set(objects.order_by().values_list("pk", flat=True))
                self.children[model].add(related)

    def _refuse_protected(self) -> None:
        for (model, field), pks in self.refusing.items():
            outside = pks - self.pks[model]
            if outside:
                on_delete = field.remote_field.on_delete
                error = ProtectedError if on_delete is PROTECT else RestrictedError
                raise error(
                    f"Cannot erase: {len(outside)} {model._meta.verbose_name_plural} that "
                    f"are not erased refer to erased records through {model.__name__}."
                    f"{field.name} ({on_delete.__name__}).",
                    set(model._base_manager.using(self.using).filter(pk__in=outside)),
                )

    def _children_first(self) -> list:
        remaining = sorted((m for m, pks in self.pks.items() if pks), key=str)
        ordered = []
        while remaining:
            left = set(remaining)
            leaves = [m for m in remaining if not (self.children[m] - {m}) & left]
            # A cycle between tables (there is none) would still be deleted: Django creates
            # its foreign keys DEFERRABLE INITIALLY DEFERRED, checked at the commit, on
            # PostgreSQL and SQLite. So would a self-reference (a correction of an entry, a
            # record merged into another) inside one DELETE.
            leaves = leaves or remaining[:1]
            ordered += leaves
            remaining = [m for m in remaining if m not in leaves]
        return ordered

    def delete(self) -> None:
        """Refuse if a PROTECT or RESTRICT reference would be left dangling; set NULL the
        SET_NULL references of rows that stay; delete everything, children first."""
        self._refuse_protected()
        for (model, field), pks in self.set_null.items():
            for chunk in _chunks(pks - self.pks[model]):
                manager = model._base_manager.using(self.using)
                manager.filter(_among("pk", chunk)).update(**{field.name: None})
        for model in self._children_first():
            for chunk in _chunks(self.pks[model]):
                manager = model._base_manager.using(self.using)
                manager.filter(_among("pk", chunk))._raw_delete(self.using)


def _delete_history_rows(history, column: str, pks) -> int:
    """Delete the rows of a history table whose `column` is one of `pks`, with the rows
    simple-history keeps for their many-to-many fields. Returns the count."""
    erased = 0
    using = router.db_for_write(history)
    for chunk in _chunks(pks):
        rows = history._base_manager.using(using).filter(_among(column, chunk))
        # Rows referring to a history row are simple-history's own: the many-to-many
        # fields' history, tied to it without a constraint (DO_NOTHING), which deleting
        # the history row through the ORM left behind.
        for relation in get_candidate_relations_to_delete(history._meta):
            referring = relation.related_model._base_manager.using(using)
            erased += referring.filter(
                **{f"{relation.field.name}__in": rows.values("pk")}
            )._raw_delete(using)
        erased += rows._raw_delete(using)
    return erased


def _delete_history(collection: _Collection) -> int:
    """Delete every history row of every collected record, one DELETE per history table;
    then, one DELETE per CASCADE link followed, the history rows that name an erased
    record as their parent: those of records removed before the erasure (an involvement
    folded away by a merge), which would have been collected had they still existed.
    Returns the count."""
    erased = 0
    for model, pks in collection.pks.items():
        history = _history_model(model)
        if history is not None and pks:
            erased += _delete_history_rows(history, model._meta.pk.attname, pks)
    for (model, field), parents in collection.cascades.items():
        history = _history_model(model)
        if history is not None and parents:
            erased += _delete_history_rows(history, field.attname, parents)
    return erased


# What a disclosure-register entry about an erased incident loses: everything typed into it.
DISCLOSURE_TEXT = (
    "information",
    "subject",
    "recipient",
    "recipient_organisation",
    "justification",
    "authorised_by",
)
ERASED_TEXT = "Erased with the incident"


def _erase_disclosure_text(collection: _Collection) -> None:
    """Erase the free text of the disclosure-register entries about the erased incidents
    (those whose link to one was just set to NULL), in the entries and in their history,
    one UPDATE each per chunk."""
    ids = set()
    for (model, _field), pks in collection.set_null.items():
        if model is Disclosure:
            ids |= pks
    erased = dict.fromkeys(DISCLOSURE_TEXT, ERASED_TEXT)
    for chunk in _chunks(ids):
        Disclosure.objects.filter(_among("pk", chunk)).update(**erased)
        Disclosure.history.filter(_among("id", chunk)).update(**erased)


def _check_foreign_keys_now(using: str) -> None:
    """Run now the foreign-key checks of the deletion, which PostgreSQL would run at the
    commit (Django's constraints are DEFERRABLE INITIALLY DEFERRED): tens of thousands of
    row checks for a batch. The audit chain's lock, taken by the audit events' INSERT, is
    held until the commit, and every audited action in the system waits for it; so the
    checks run before that INSERT. A dangling reference fails the batch here, as it would
    at the commit."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # runs the pending checks
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as they were (none is otherwise)


def _still_involved(person_ids: set, erased_involvements: set) -> set:
    """Those of these people with an involvement that is not being erased."""
    still = set()
    for chunk in _chunks(person_ids):
        involvements = Involvement.objects.filter(_among("person_id", chunk)).order_by()
        still.update(
            person_id
            for pk, person_id in involvements.values_list("pk", "person_id")
            if pk not in erased_involvements
        )
    return still


def _orphaned_people(person_ids: set, erased_involvements: set) -> set:
    """People of the erased incidents who are in no other incident, and the records that
    were merged into them (which hold the same person's details and have no incidents
    either). They are deleted with one DELETE, so a record and the one it was merged into
    (PROTECT) go together, and no order among them is needed."""
    orphans = person_ids - _still_involved(person_ids, erased_involvements)
    frontier = set(orphans)
    while frontier:
        merged = set()
        for chunk in _chunks(frontier):
            people = Person.objects.filter(_among("merged_into_id", chunk)).order_by()
            merged.update(people.values_list("pk", flat=True))
        merged -= orphans
        if merged:
            merged -= _still_involved(merged, erased_involvements)
        orphans |= merged
        frontier = merged
    return orphans


def _page(head: str):
    """A form draft's path up to the "/" after its first segment past `head`:
    "/incidents/ASB-2026-000001/" of "/incidents/ASB-2026-000001/entries/add/" (just `head`
    when no "/" follows)."""
    return Substr("path", 1, StrIndex(Substr("path", len(head) + 1), Value("/")) + len(head))


# The pages whose address names an erased record after this head, by the kind of record: an
# incident (by URN), a person or a task (by id). Every page of a case is under one of them
# (tests/retention/test_erasure_leaves_nothing.py walks the URLs naming an incident).
PAGES = {
    "incident": ("/incidents/", "/retention/review/"),
    "person": ("/people/", "/retention/subject-access/"),
    "task": ("/tasks/",),
}


def _delete_drafts(urns, person_ids, task_ids) -> None:
    """Delete the form drafts typed on the erased incidents', people's and tasks' pages
    (PAGES): those whose path starts with "<head><URN or id>/". Each path's page is compared
    with the erased pages in one IN per head, which is exact (URNs and ids hold no "/"); an
    OR of a thousand `startswith`, or a regular expression of a thousand alternatives
    (seconds on PostgreSQL), costs far more."""
    keys = {"incident": urns, "person": person_ids, "task": task_ids}
    condition = Q()
    for kind, heads in PAGES.items():
        if keys[kind]:
            for head in heads:
                condition |= Q(_among(_page(head), [f"{head}{key}/" for key in keys[kind]]))
    if condition:
        FormDraft.objects.filter(condition).delete()


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
        IncidentRetention.objects.filter(
            _among("incident_id", ids), updated_at__gt=since
        ).values_list("incident_id", flat=True)
    )
    changed |= set(
        Involvement.objects.filter(
            _among("incident_id", ids), person__updated_at__gt=since
        ).values_list("incident_id", flat=True)
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
            with_retention(Incident.objects.filter(_among("pk", [i.pk for i in incidents])), rules)
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
    require_flag: str = "",
) -> tuple[list[ErasedIncident], list[Skipped]]:
    """Erase these incidents and everything of them in one transaction (see the module), or
    skip each that is locked, open, on hold, changed since `unchanged_since`, or - when
    `require_flag` is given (the sweep) - no longer due with that deletion flag."""
    with transaction.atomic():
        incidents = list(
            Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_among("pk", incident_ids))
            .select_related("retention", "lead_organisation")
            .order_by("pk")
        )
        incidents, skipped = _eligible(incidents, unchanged_since, require_flag)
        if not incidents:
            return [], skipped
        rules = active_rules()
        now = timezone.now()
        tombstones = {
            incident.pk: _tombstone(incident, rules, decided, by, now) for incident in incidents
        }

        # Deleting without signals also passes by the working sheet's refusal to delete an
        # entry (incidents/signals_worksheet.py), which allows it only when the deletion
        # starts at the incident: this one always does.
        collection = _Collection(router.db_for_write(Incident))
        collection.add(Incident, tombstones.keys())
        erased_involvements = collection.pks[Involvement]
        involved = defaultdict(set)  # person id -> the erased incidents they were in
        for incident_id, person_id in _values(
            Involvement, erased_involvements, "incident_id", "person_id"
        ):
            if person_id is not None:
                involved[person_id].add(incident_id)
        people = _orphaned_people(set(involved), erased_involvements)
        if people:
            collection.add(Person, people)
        for person_id in people & set(involved):
            # Counted against the first of the erased incidents the person was in (records
            # merged into them are the same person, not counted again).
            first = min(involved[person_id] & tombstones.keys(), default=None)
            if first is not None:
                tombstones[first].people_erased += 1

        files, documents = [], Counter()
        for incident_id, name in _values(
            Document, collection.pks[Document], "incident_id", "file"
        ):
            documents[incident_id] += 1
            if name:
                files.append(name)
        for incident_id, count in documents.items():
            tombstones[incident_id].documents_erased = count
        PendingFileDeletion.objects.bulk_create(
            [PendingFileDeletion(storage_name=name) for name in files], ignore_conflicts=True
        )

        collection.delete()
        _erase_disclosure_text(collection)
        history_rows = _delete_history(collection)
        _check_foreign_keys_now(collection.using)
        _delete_drafts(
            [tombstone.urn for tombstone in tombstones.values()], people, collection.pks[Task]
        )

        record_events(
            [
                new_event(
                    AuditEvent.Type.INCIDENT_ERASED,
                    actor=by,
                    actor_label="" if by else "retention sweep",
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
                for tombstone in tombstones.values()
            ]
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
