"""Which audit events a reviewer may read in full (SPEC A4; V4, V5).

The audit review (its pages and its CSV export) always shows an event's id, time, actor,
type and outcome. What the event is *about* - the record it names (an incident's URN, a
person's number), its justification (free text) and its details (JSON: search terms,
recipients, the incident a disclosure came from) - is shown only to a reviewer who may see
that record. Otherwise a deployment-wide administrator would read the URNs of other
organisations' Confidential incidents, and an analyst the reasons and recipients of their
colleagues' disclosures.

"May see the record" is the policy's own answer, per kind of record:

incident     `Incident.objects.for_user(reviewer, "view")`; an erased incident (its tombstone)
             by reviewers of the organisation that led it
person       `persons.visible_people(reviewer)`, or a person merged into one of those
user         `auditing.audit_subjects_for(reviewer)`, or the reviewer themself
disclosure   `auditing.disclosures_for(reviewer)`
breach       `auditing.breaches_for(reviewer)`
document, risk_assessment, task, involvement, entry, alert, ...
             parts of an incident: through the incident URN the event's details carry
             (details["incident"]); without one, not visible
audit, report, organisation, reference data, ...
             not personal records: visible
any other kind naming a record: not visible (a new kind is withheld until it is placed here)

and an event with no record at all (no target, or a kind without an id, such as a search)
is visible. An event may name more than one record; it is visible only if the reviewer may
see all of them:

- its target (target_type, target_id);
- details["incident"], the incident a disclosure, a document or a person's consent is about;
- details["filters"]["target_type" / "target_id"], the record an audit review was narrowed to
  (reviewing the trail of a URN must not show that URN to the next reviewer);
- details["incidents"], the incidents a subject-access export covered (checked by
  `visible_event_targets` only: a list inside JSON is not a database condition here).

The reviewer's own events (actor == reviewer) are always visible in full.

The rule is a database condition on audit events (`record_visible`), so a page of events is
decided in one query whatever its length (`visible_event_targets`, with a second when some
events list incidents), and a list can be narrowed by the same condition.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import BigIntegerField, Case, Exists, OuterRef, Q, TextField, Value, When
from django.db.models.fields.json import KT, KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Exact, In, Regex

from access.models import User, UserGroup
from audit.models import AuditEvent
from incidents.models import Incident
from incidents.reference_lists import LISTS
from people.models import Person
from retention.models import ErasedIncident

from . import auditing, capabilities, cases, persons

# Records that belong to an incident and are named by their own number in events (mostly
# refusals: a document, risk assessment, task ... that is missing or out of scope). They are
# seen through the incident their event names in details["incident"], if it names one.
INCIDENT_PARTS = frozenset(
    {
        "document",
        "risk_assessment",
        "task",
        "involvement",
        "entry",
        "alert",
        "intervention",
        "statement",
        "consent",
    }
)

# Kinds that are not personal records: the audit trail itself, saved report definitions (a
# user's own filters), partner organisations, registers' reports, reference data.
NOT_PERSONAL = frozenset(
    {
        "audit",
        "report",
        "organisation",
        "disclosure_report",
        "inactive_records",
        "statistics",
        "case-rules",
    }
)

# A record number: digits that fit a PostgreSQL bigint (anything else names no record).
_NUMBER = r"^[0-9]{1,18}$"


def reference_data_kinds() -> frozenset[str]:
    """The kinds under which reference data changes are recorded (their list's slug)."""
    return frozenset(LISTS)


def not_personal_kinds() -> frozenset[str]:
    return NOT_PERSONAL | reference_data_kinds()


def _number(identifier):
    """The record number in `identifier` (an expression of text), or NULL."""
    return Case(
        When(Regex(identifier, _NUMBER), then=Cast(identifier, BigIntegerField())),
        default=Value(None),
        output_field=BigIntegerField(),
    )


def _incident_visible(reviewer, urn) -> Q:
    """The incident with reference `urn` (an expression) is one the reviewer may view."""

    condition = Q(Exists(Incident.objects.for_user(reviewer, cases.Action.VIEW).filter(urn=urn)))
    if capabilities.may_use_system(reviewer) and reviewer.group != UserGroup.BASIC:
        # An erased incident is gone, but its URN stays in the trail: its lead organisation,
        # which saw it whatever its marking, still sees its events.
        condition |= Q(
            Exists(
                ErasedIncident.objects.filter(
                    urn=urn, lead_organisation_id=reviewer.organisation_id
                )
            )
        )
    return condition


def _record_conditions(reviewer, identifier) -> dict[str, Q]:
    """For each kind of personal record, the condition that the record numbered or named by
    `identifier` (an expression of text) is one the reviewer may see."""

    number = _number(identifier)
    people = persons.visible_people(reviewer)
    return {
        "incident": _incident_visible(reviewer, identifier),
        "person": Q(Exists(people.filter(pk=number)))
        | Q(Exists(Person.objects.filter(pk=number, merged_into__in=people.values("pk")))),
        "user": Q(
            Exists(
                User.objects.filter(pk=number).filter(
                    Q(pk=reviewer.pk)
                    | Q(pk__in=auditing.audit_subjects_for(reviewer).values("pk"))
                )
            )
        ),
        "disclosure": Q(Exists(auditing.disclosures_for(reviewer).filter(pk=number))),
        "breach": Q(Exists(auditing.breaches_for(reviewer).filter(pk=number))),
    }


def _blank(expression) -> Q:
    return Q(Exact(Coalesce(expression, Value(""), output_field=TextField()), ""))


def _target_visible(reviewer) -> Q:
    records = _record_conditions(reviewer, OuterRef("target_id"))
    condition = Q(target_id="") | Q(target_type__in=not_personal_kinds())
    for kind, visible in records.items():
        condition |= Q(target_type=kind) & visible
    # A part of an incident: seen through the incident in its details (checked below).
    condition |= Q(target_type__in=INCIDENT_PARTS) & ~_blank(KT("details__incident"))
    return condition


def _detail_incident_visible(reviewer) -> Q:
    urn = KeyTextTransform("incident", OuterRef("details"))
    return _blank(KT("details__incident")) | _incident_visible(reviewer, urn)


def _filtered_record_visible(reviewer) -> Q:
    """An audit review narrowed to one record names that record in its filters."""
    kind = KT("details__filters__target_type")
    identifier = KeyTextTransform("target_id", KeyTransform("filters", OuterRef("details")))
    records = _record_conditions(reviewer, identifier)
    condition = _blank(KT("details__filters__target_id")) | Q(
        In(kind, sorted(not_personal_kinds()))
    )
    for name, visible in records.items():
        condition |= Q(Exact(kind, name)) & visible
    return condition


def record_visible(reviewer) -> Q:
    """The condition an audit event meets when `reviewer` may see the record it is about,
    and so its target, justification and details."""
    own = Q(actor_id=reviewer.pk) if reviewer.pk is not None else cases.NOTHING
    return own | (
        _target_visible(reviewer)
        & _detail_incident_visible(reviewer)
        & _filtered_record_visible(reviewer)
    )


def visible_event_targets(reviewer, events: Iterable) -> set[int]:
    """The ids of those `events` (audit events, e.g. a page of the review) whose record
    `reviewer` may see: `record_visible`, and every incident listed in details["incidents"]
    (a subject-access export lists the incidents it covered). One query, and a second only
    when some of the events list incidents - however many events."""

    events = list(events)
    if not events:
        return set()
    visible = set(
        AuditEvent.objects.filter(pk__in={event.pk for event in events})
        .filter(record_visible(reviewer))
        .order_by()
        .values_list("pk", flat=True)
    )
    listing = {
        event.pk: urns
        for event in events
        if event.pk in visible
        and event.actor_id != reviewer.pk
        and (urns := _listed_incidents(event.details))
    }
    if listing:
        seen = _visible_urns(reviewer, set().union(*listing.values()))
        visible -= {pk for pk, urns in listing.items() if not urns <= seen}
    return visible


def _listed_incidents(details) -> set[str]:
    listed = details.get("incidents") if isinstance(details, dict) else None
    if not isinstance(listed, list):
        return set()
    return {str(urn) for urn in listed if urn not in (None, "")}


def _visible_urns(reviewer, urns: set[str]) -> set[str]:
    """Which of these incident references the reviewer may see (one query)."""

    viewable = (
        Incident.objects.for_user(reviewer, cases.Action.VIEW)
        .filter(urn__in=urns)
        .order_by()
        .values_list("urn", flat=True)
    )
    if capabilities.may_use_system(reviewer) and reviewer.group != UserGroup.BASIC:
        viewable = viewable.union(
            ErasedIncident.objects.filter(
                urn__in=urns, lead_organisation_id=reviewer.organisation_id
            )
            .order_by()
            .values_list("urn", flat=True)
        )
    return set(viewable)
