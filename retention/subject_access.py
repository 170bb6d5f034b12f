"""Subject access (SPEC D4, P6): everything the partnership holds about one person, for a
subject-access request, as a machine-readable export (JSON) and a PDF.

Who answers: an administrator of any partner organisation. A request is answered by the
organisation that received it, which co-ordinates the reply for its own partnership, so its
administrators may find anyone held in the partnership's records - including a person known
only from other partners' incidents - and gather it (`policy.subject_access_incidents`).
Other partners' Confidential records are never shown: the export and the search name only
the partner that holds them, for that partner to decide (`withheld`, `referrals`). Nothing
of another partnership is reached, unless shared with the administrator. Everyone else gets
404. Every search is audited (SEARCH, kind "subject_access"), and so is every
export produced (SUBJECT_ACCESS, with the request's reference as the justification).

What is gathered, for the person and every record merged into theirs (`Person.merged_from`,
at any depth):

- their details (every field of the person record, and of the merged records);
- every incident in which they appear (URN, dates, status, category, area, lead
  organisation, description, address);
- their involvements (role, risk notes, support needs, dependants), statements,
  interventions, risk assessments about them, and consent decisions - all of them, given,
  withheld and withdrawn, oldest first: the consent history (P6);
- the documents of those incidents: those linked from their statements in full, every other
  one as metadata only (no name, no description);
- the working-sheet entries that refer to their involvement (referrals, and corrections of
  those) in full, every other entry of those incidents as metadata only (no text);
- the history (django-simple-history rows) of their person records and involvements;
- the disclosure-register entries about those incidents (A5: to whom, when, why, under which
  gateway, what), recorded by any organisation of the partnership
  (`policy.subject_access_disclosures`): who received their data is part of the answer.

Every item names its **originating organisation**: an incident's lead organisation; the
organisation of whoever created an involvement, took a statement, recorded a consent decision,
uploaded a document, wrote an entry, assessed risk or made a change; an intervention's issuing
organisation. Staff names are not included (only organisations).

**Third-party data.** Free text (an incident's description and address, entries, statement
notes, breaches, consent and risk notes, disclosures) may mention other people: it is
included, flagged `"redaction_review": true` with a reason, for the reviewer to redact before
disclosure. A disclosure about one of their incidents may have been about someone else in it
("about whom" says): it is flagged too.
Other people involved in the same incidents appear only as `{"role": ..., "third_party":
true, "redaction_review": true}` - no name, no details, no identifier. Nothing else about
anyone else is included: history rows of an involvement from a time it named someone else are
left out, and so is the "before" value of a change made while it did.

Gathering costs a fixed number of queries whatever the person holds (about a dozen; one more
per level of merged records).
"""

from __future__ import annotations

import json
from collections import defaultdict

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from access import policy
from audit.models import AuditEvent
from audit.services import record_event
from common.exports import marking_label
from incidents.models import Document, Incident, RiskAssessment, WorkingSheetEntry
from people.models import Consent, Intervention, Involvement, Person, Statement
from people.services import PERSON_FIELDS

# The kinds of item an export holds, in the order the pages and the PDF show them.
KINDS = [
    ("incidents", "Incidents"),
    ("involvements", "Their part in each incident"),
    ("statements", "Statements"),
    ("interventions", "Interventions and disposals"),
    ("risk_assessments", "Risk assessments"),
    ("consents", "Consent decisions"),
    ("documents", "Documents"),
    ("working_sheet_entries", "Working-sheet entries"),
    ("disclosures", "Disclosures outside the partnership"),
    ("history", "Changes to their records"),
    ("merged_records", "Records merged into theirs"),
]
FORMATS = {"pdf": "PDF", "json": "JSON"}
SEARCH_LIMIT = 50

FREE_TEXT = "Free text written by staff: it may mention other people."
INCIDENT_TEXT = (
    "The description and address of the incident are free text: they may mention or "
    "identify other people."
)
THIRD_PARTY = (
    "Someone else involved in the same incident: nothing about them is included, only that "
    "they exist."
)
STATEMENT_DOCUMENT = (
    "The document holds this person's statement: its contents may mention other people. "
    "Review the file before disclosing it."
)
OTHER_DOCUMENT = (
    "Attached to the incident, not linked to this person: listed without its name or "
    "description. Review whether it concerns them, and redact others, before disclosing it."
)
LINKED_ENTRY = "Refers to this person, but is free text: it may mention other people."
DISCLOSURE = (
    "A disclosure about an incident they are in, from the disclosure register: it may have "
    "been about someone else in it (see about whom), and its text may mention other people."
)
OTHER_ENTRY = (
    "An entry of the incident not linked to this person: its text is not included. Review "
    "whether it concerns them before disclosing it."
)

PERSON_HISTORY_HIDDEN = {"id", "created_at", "updated_at", "version", "created_by"}
INVOLVEMENT_HISTORY_FIELDS = ("role", "risk_notes", "support_needs")


# --- Finding the person ---------------------------------------------------------------------


@transaction.atomic
def find_people(
    user,
    *,
    family_name: str,
    given_name: str = "",
    date_of_birth=None,
    postcode: str = "",
) -> list[Person]:
    """People who may be the requester, within `policy.subject_access_people(user)` (anyone
    held, for an administrator; merged records excluded: they are found through the record
    they became). Names match in part (and, on PostgreSQL, by trigram similarity, so that a
    misspelling still finds them); a date of birth or postcode, when given, must match or be
    unrecorded. Each comes with `incident_count`. The search is audited with its terms."""
    family_name, given_name = family_name.strip(), (given_name or "").strip()
    people = _matching(
        policy.subject_access_people(user), family_name, given_name, date_of_birth, postcode
    )
    found = list(
        people.annotate(
            incident_count=Count(
                "involvements__incident",
                filter=Q(involvements__incident__in=policy.subject_access_incidents(user)),
                distinct=True,
            )
        ).order_by("family_name", "given_name", "date_of_birth", "id")[: SEARCH_LIMIT + 1]
    )
    from reports.services import record_search

    record_search(
        user,
        kind="subject_access",
        terms={
            "family_name": family_name,
            "given_name": given_name,
            "date_of_birth": date_of_birth.isoformat() if date_of_birth else None,
            "postcode": postcode,
        },
        results=len(found[:SEARCH_LIMIT]),
        purpose="Subject access request",
    )
    return found


def _matching(people, family_name: str, given_name: str, date_of_birth, postcode: str):
    people = people.filter(_name_matches("family_name", family_name))
    if given_name:
        people = people.filter(_name_matches("given_name", given_name))
    if date_of_birth:
        people = people.filter(Q(date_of_birth=date_of_birth) | Q(date_of_birth__isnull=True))
    if postcode:
        people = people.filter(Q(postcode=postcode) | Q(postcode=""))
    return people


def referrals(
    user, *, family_name: str, given_name: str = "", date_of_birth=None, postcode: str = ""
) -> list[str]:
    """The partners holding Confidential records, which `user` may not see, about someone
    matching the same terms: named so that the request is referred to them, with nothing
    about the records or the people (one query)."""
    matching = _matching(
        Person.objects.all(),
        family_name.strip(),
        (given_name or "").strip(),
        date_of_birth,
        postcode,
    )
    return list(
        policy.withheld_subject_access_incidents(user)
        .filter(involvements__person__in=matching.values("pk"))
        .order_by("lead_organisation__name")
        .values_list("lead_organisation__name", flat=True)
        .distinct()
    )


def _name_matches(field: str, typed: str) -> Q:
    condition = Q(**{f"{field}__icontains": typed}) | Q(other_names__icontains=typed)
    if connection.vendor == "postgresql":
        condition |= Q(**{f"{field}__trigram_similar": typed})
    return condition


def people_marking(people) -> str:
    """The highest marking among the incidents of the people listed (one query)."""
    markings = (
        Incident.objects.filter(involvements__person__in=[p.pk for p in people])
        .order_by()
        .values_list("marking", flat=True)
        .distinct()
        if people
        else []
    )
    return Incident.Marking.highest(markings)


# --- Gathering --------------------------------------------------------------------------------


def _organisation(user) -> str | None:
    return user.organisation.name if user is not None else None


def held_records(person: Person) -> list[Person]:
    """The person and every record merged into theirs, at any depth; theirs first."""
    related = ("created_by__organisation",)
    records = list(
        Person.objects.select_related(*related)
        .filter(Q(pk=person.pk) | Q(merged_into_id=person.pk))
        .order_by("id")
    )
    records.sort(key=lambda record: record.pk != person.pk)
    seen = {record.pk for record in records}
    frontier = [record.pk for record in records if record.pk != person.pk]
    while frontier:
        found = [
            record
            for record in Person.objects.select_related(*related)
            .filter(merged_into_id__in=frontier)
            .order_by("id")
            if record.pk not in seen
        ]
        records += found
        seen.update(record.pk for record in found)
        frontier = [record.pk for record in found]
    return records


def _person(record: Person) -> dict:
    data: dict = {"id": record.pk}
    for name in PERSON_FIELDS:
        data[name] = getattr(record, name)
    data["gender_label"] = record.get_gender_display()
    data["ethnicity_label"] = record.get_ethnicity_display()
    data.update(
        merged_into=record.merged_into_id,
        created_at=record.created_at,
        updated_at=record.updated_at,
        originating_organisation=_organisation(record.created_by),
        redaction_review=False,
    )
    return data


def _third_party(role: str) -> dict:
    return {
        "role": role,
        "role_label": Involvement.Role(role).label,
        "third_party": True,
        "redaction_review": True,
        "redaction_review_reason": THIRD_PARTY,
    }


def _flagged(item: dict, flagged: bool, reason: str) -> dict:
    item["redaction_review"] = bool(flagged)
    item["redaction_review_reason"] = reason if flagged else ""
    return item


def gather(person: Person, *, user) -> dict:
    """Everything held about `person` (see the module docstring) that `user` may gather
    (`policy.subject_access_incidents`), as a dict of plain values (dates and times as such;
    `as_json` writes them in ISO 8601). Top-level keys: "subject", "merged_records", one
    list per kind of KINDS, "withheld" (other partners' Confidential records: only who holds
    how many), "counts", "protective_marking" (the key of the highest marking among the
    incidents) and "protective_marking_label"."""
    records = held_records(person)
    ids = [record.pk for record in records]
    in_scope = policy.subject_access_incidents(user).values("pk")

    involvements = list(
        Involvement.objects.filter(person_id__in=ids, incident__in=in_scope)
        .select_related(
            "incident__area", "incident__lead_organisation", "created_by__organisation"
        )
        .prefetch_related(
            Prefetch(
                "statements",
                queryset=Statement.objects.select_related("taken_by__organisation").order_by(
                    "taken_on", "id"
                ),
            ),
            Prefetch(
                "interventions",
                queryset=Intervention.objects.select_related("type", "issuing_organisation"),
            ),
        )
        .order_by("incident__created_at", "incident_id", "id")
    )
    mine = {involvement.pk for involvement in involvements}
    incidents: dict[int, Incident] = {}
    for involvement in involvements:
        incidents.setdefault(involvement.incident_id, involvement.incident)
    incident_ids = list(incidents)
    urns = {pk: incident.urn for pk, incident in incidents.items()}

    # Everyone else in those incidents: only their role and whose dependant they are.
    others = list(
        Involvement.objects.filter(incident_id__in=incident_ids)
        .exclude(pk__in=mine)
        .values("pk", "incident_id", "role", "dependant_of_id")
        .order_by("incident_id", "role", "pk")
    )
    roles = {other["pk"]: other["role"] for other in others}
    others_by_incident = defaultdict(list)
    dependants_of = defaultdict(list)
    for other in others:
        others_by_incident[other["incident_id"]].append(_third_party(other["role"]))
        if other["dependant_of_id"] in mine:
            dependants_of[other["dependant_of_id"]].append(_third_party(other["role"]))

    export: dict = {
        "subject": _person(records[0]),
        "merged_records": [_person(record) for record in records[1:]],
    }
    export["incidents"] = [
        _flagged(
            {
                "urn": incident.urn,
                "crime_reference": incident.crime_reference,
                "status": incident.status,
                "status_label": incident.get_status_display(),
                "category": incident.category,
                "category_label": incident.get_category_display(),
                "marking": incident.marking,
                "marking_label": marking_label(incident.marking),
                "area": incident.area.name,
                "lead_organisation": incident.lead_organisation.name,
                "originating_organisation": incident.lead_organisation.name,
                "received_at": incident.received_at,
                "first_occurred_at": incident.first_occurred_at,
                "last_occurred_at": incident.last_occurred_at,
                "created_at": incident.created_at,
                "closed_at": incident.closed_at,
                "description": incident.description,
                "address": incident.address,
                "postcode": incident.postcode,
                "other_people": others_by_incident[incident.pk],
            },
            True,
            INCIDENT_TEXT,
        )
        for incident in incidents.values()
    ]

    export["involvements"] = []
    export["statements"] = []
    export["interventions"] = []
    statement_documents: dict[int, int] = {}
    for involvement in involvements:
        parent = involvement.dependant_of_id
        export["involvements"].append(
            _flagged(
                {
                    "id": involvement.pk,
                    "incident": involvement.incident.urn,
                    "person": involvement.person_id,
                    "role": involvement.role,
                    "role_label": involvement.get_role_display(),
                    "dependant_of": (
                        None
                        if parent is None
                        else {"involvement": parent, "self": True}
                        if parent in mine
                        else _third_party(roles[parent])
                    ),
                    "dependants": dependants_of[involvement.pk],
                    "risk_notes": involvement.risk_notes,
                    "support_needs": involvement.support_needs,
                    "created_at": involvement.created_at,
                    "originating_organisation": _organisation(involvement.created_by),
                },
                False,
                "",
            )
        )
        for statement in involvement.statements.all():
            if statement.document_id:
                statement_documents[statement.document_id] = statement.pk
            export["statements"].append(
                _flagged(
                    {
                        "id": statement.pk,
                        "incident": involvement.incident.urn,
                        "involvement": involvement.pk,
                        "taken": statement.taken,
                        "taken_on": statement.taken_on,
                        "document": statement.document_id,
                        "notes": statement.notes,
                        "originating_organisation": _organisation(statement.taken_by),
                    },
                    statement.notes,
                    FREE_TEXT,
                )
            )
        for intervention in involvement.interventions.all():
            export["interventions"].append(
                _flagged(
                    {
                        "id": intervention.pk,
                        "incident": involvement.incident.urn,
                        "involvement": involvement.pk,
                        "type": intervention.type.label,
                        "issued_on": intervention.issued_on,
                        "status": intervention.status,
                        "status_label": intervention.get_status_display(),
                        "review_on": intervention.review_on,
                        "expires_on": intervention.expires_on,
                        "breaches": intervention.breaches,
                        "recorded_at": intervention.recorded_at,
                        "originating_organisation": intervention.issuing_organisation.name,
                    },
                    intervention.breaches,
                    FREE_TEXT,
                )
            )

    export["risk_assessments"] = [
        _flagged(
            {
                "id": assessment.pk,
                "incident": urns[assessment.incident_id],
                "involvement": assessment.involvement_id,
                "assessed_at": assessment.assessed_at,
                "level": assessment.level,
                "level_label": assessment.get_level_display(),
                "score": assessment.score,
                "answers": [
                    {"question": answer.question_text, "answer": answer.answer}
                    for answer in assessment.answers.all()
                ],
                "notes": assessment.notes,
                "originating_organisation": _organisation(assessment.assessed_by),
            },
            assessment.notes,
            FREE_TEXT,
        )
        for assessment in RiskAssessment.objects.filter(involvement_id__in=mine)
        .select_related("assessed_by__organisation")
        .prefetch_related("answers")
        .order_by("assessed_at", "id")
    ]

    # Oldest first: the consent history as it happened (P6).
    export["consents"] = [
        _flagged(
            {
                "id": consent.pk,
                "incident": consent.incident.urn,
                "person": consent.person_id,
                "scope": consent.scope,
                "scope_label": consent.get_scope_display(),
                "status": consent.status,
                "status_label": consent.get_status_display(),
                "decided_on": consent.decided_on,
                "recorded_at": consent.recorded_at,
                "notes": consent.notes,
                "originating_organisation": _organisation(consent.recorded_by),
            },
            consent.notes,
            FREE_TEXT,
        )
        for consent in Consent.objects.filter(person_id__in=ids, incident_id__in=incident_ids)
        .select_related("incident", "recorded_by__organisation")
        .order_by("decided_on", "recorded_at", "id")
    ]

    export["documents"] = []
    for document in (
        Document.objects.filter(Q(incident_id__in=incident_ids) | Q(pk__in=statement_documents))
        .select_related("incident", "uploaded_by__organisation")
        .order_by("uploaded_at", "id")
    ):
        item = {
            "id": document.pk,
            "incident": document.incident.urn,
            "kind": document.kind,
            "kind_label": document.get_kind_display(),
            "uploaded_at": document.uploaded_at,
            "content_type": document.content_type,
            "size": document.size,
            "originating_organisation": _organisation(document.uploaded_by),
            "concerns_subject": document.pk in statement_documents,
        }
        if item["concerns_subject"]:
            item.update(
                statement=statement_documents[document.pk],
                original_name=document.original_name,
                description=document.description,
                sha256=document.sha256,
            )
        export["documents"].append(
            _flagged(
                item, True, STATEMENT_DOCUMENT if item["concerns_subject"] else OTHER_DOCUMENT
            )
        )

    export["working_sheet_entries"] = []
    linked: set[int] = set()
    for entry in (
        WorkingSheetEntry.objects.filter(incident_id__in=incident_ids)
        .select_related("author__organisation")
        .order_by("occurred_at", "id")
    ):
        item = {
            "id": entry.pk,
            "incident": urns[entry.incident_id],
            "kind": entry.kind,
            "kind_label": entry.get_kind_display(),
            "occurred_at": entry.occurred_at,
            "originating_organisation": _organisation(entry.author),
        }
        # A correction of an entry about them is about them too (corrections come later).
        if entry.involvement_id in mine or entry.corrects_id in linked:
            linked.add(entry.pk)
            item.update(
                concerns_subject=True,
                created_at=entry.created_at,
                text=entry.text,
                referral_to=entry.referral_to,
                referral_to_label=entry.get_referral_to_display() if entry.referral_to else "",
                involvement=entry.involvement_id,
                corrects=entry.corrects_id,
            )
            _flagged(item, True, LINKED_ENTRY)
        else:
            item["concerns_subject"] = False
            _flagged(item, True, OTHER_ENTRY)
        export["working_sheet_entries"].append(item)

    export["disclosures"] = _disclosures(user, urns)
    export["history"] = _history(ids, urns, in_scope)
    export["withheld"] = withheld(ids, user)

    markings = [incident.marking for incident in incidents.values()]
    export["protective_marking"] = Incident.Marking.highest(markings)
    export["protective_marking_label"] = marking_label(export["protective_marking"])
    export["counts"] = counts(export)
    return export


def _disclosures(user, urns: dict[int, str]) -> list[dict]:
    """The disclosure-register entries about their incidents that `user` may gather, oldest
    first: to whom, when, why and what, with the organisation that recorded it (staff are
    named by their organisation only, so not who authorised it)."""
    return [
        _flagged(
            {
                "id": disclosure.pk,
                "incident": urns[disclosure.incident_id],
                "disclosed_on": disclosure.disclosed_on,
                "recipient": disclosure.recipient,
                "recipient_organisation": disclosure.recipient_organisation,
                "about_whom": disclosure.subject,
                "information": disclosure.information,
                "reason": disclosure.reason,
                "reason_label": disclosure.get_reason_display(),
                "legal_gateway": disclosure.legal_gateway,
                "legal_gateway_label": disclosure.get_legal_gateway_display(),
                "justification": disclosure.justification,
                "recorded_at": disclosure.recorded_at,
                "originating_organisation": disclosure.organisation.name,
            },
            True,
            DISCLOSURE,
        )
        for disclosure in policy.subject_access_disclosures(user)
        .filter(incident_id__in=list(urns))
        .select_related("organisation")
        .order_by("disclosed_on", "id")
    ]


def _history(ids: list[int], urns: dict[int, str], in_scope) -> list[dict]:
    """History rows of their person records and of their involvements, oldest first, each
    with the fields it changed. An involvement's rows from a time it named someone else are
    left out."""
    # The fields the history keeps (fields derived from others are not kept there).
    kept = {field.attname for field in Person.history.model._meta.concrete_fields}
    person_fields = [
        field
        for field in Person._meta.concrete_fields
        if field.name not in PERSON_HISTORY_HIDDEN and field.attname in kept
    ]
    involvement_fields = [Involvement._meta.get_field(name) for name in INVOLVEMENT_HISTORY_FIELDS]
    # Involvements only of incidents the export may draw on: never one of a record withheld.
    rows = [
        ("person", person_fields, row)
        for row in Person.history.filter(id__in=ids)
        .select_related("history_user__organisation")
        .order_by("history_date", "history_id")
    ] + [
        ("involvement", involvement_fields, row)
        for row in Involvement.history.filter(person_id__in=ids, incident_id__in=in_scope)
        .select_related("history_user__organisation")
        .order_by("history_date", "history_id")
    ]
    missing = {row.incident_id for kind, _f, row in rows if kind == "involvement"} - set(urns)
    if missing:
        urns = {**urns, **dict(Incident.objects.filter(pk__in=missing).values_list("pk", "urn"))}
    rows.sort(key=lambda item: (item[2].history_date, item[0], item[2].history_id))
    previous: dict[tuple[str, int], object] = {}
    entries = []
    for kind, fields, row in rows:
        older = previous.get((kind, row.id))
        previous[(kind, row.id)] = row
        changes = []
        if older is not None and row.history_type == "~":
            for field in fields:
                old, new = getattr(older, field.attname), getattr(row, field.attname)
                if old != new:
                    changes.append(
                        {
                            "field": str(field.verbose_name),
                            "old": _shown(field, old),
                            "new": _shown(field, new),
                        }
                    )
        entries.append(
            {
                "record": kind,
                "record_id": row.id,
                "incident": urns.get(row.incident_id) if kind == "involvement" else None,
                "when": row.history_date,
                "action": {"+": "Created", "~": "Changed", "-": "Deleted"}[row.history_type],
                "changes": changes,
                "originating_organisation": _organisation(row.history_user),
                "redaction_review": False,
                "redaction_review_reason": "",
            }
        )
    return entries


WITHHELD = (
    "A Confidential record of another partner: only the partner that holds it may decide "
    "what of it is disclosed. Refer the request to them."
)


def withheld(ids: list[int], user) -> list[dict]:
    """Other partners' Confidential records about the person that `user` may not see: the
    organisation that holds them and how many, nothing else (one query)."""
    rows = (
        Involvement.objects.filter(
            person_id__in=ids,
            incident__in=policy.withheld_subject_access_incidents(user).values("pk"),
        )
        .order_by()
        .values("incident__lead_organisation__name")
        .annotate(records=Count("incident_id", distinct=True))
        .order_by("incident__lead_organisation__name")
    )
    return [
        {
            "originating_organisation": row["incident__lead_organisation__name"],
            "records": row["records"],
            "reason": WITHHELD,
        }
        for row in rows
    ]


def _shown(field, value):
    if value is None or value == "":
        return None
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value


def counts(export: dict) -> dict:
    """How many items of each kind, how many are flagged for redaction review, and how many
    third-party entries (other people, by role only) the export lists."""
    found = {kind: len(export[kind]) for kind, _label in KINDS}
    found["documents_about_them"] = sum(1 for d in export["documents"] if d["concerns_subject"])
    found["entries_about_them"] = sum(
        1 for e in export["working_sheet_entries"] if e["concerns_subject"]
    )
    found["third_party"] = sum(len(i["other_people"]) for i in export["incidents"])
    found["redaction_review"] = sum(
        1 for kind, _label in KINDS for item in export[kind] if item.get("redaction_review")
    )
    return found


def person_rows(item: dict) -> list[tuple[str, object]]:
    """A person record of the export as (label, value) rows, every field, for the PDF."""
    shown = {"gender": item["gender_label"], "ethnicity": item["ethnicity_label"]}
    if item["date_of_birth"]:
        shown["date_of_birth"] = date_format(item["date_of_birth"], "j M Y")
    return [("Person number", item["id"])] + [
        (capfirst(Person._meta.get_field(name).verbose_name), shown.get(name, item[name]))
        for name in PERSON_FIELDS
    ]


def incident_summaries(export: dict) -> list[dict]:
    """Per incident: its lead organisation, the person's roles in it, and every organisation
    that originated an item of the export about it (for the summary page)."""
    summaries = {
        incident["urn"]: {
            "incident": incident,
            "roles": [],
            "organisations": {incident["originating_organisation"]},
        }
        for incident in export["incidents"]
    }
    for involvement in export["involvements"]:
        summaries[involvement["incident"]]["roles"].append(involvement["role_label"])
    for kind, _label in KINDS:
        for item in export[kind]:
            urn = item.get("incident") if kind != "incidents" else None
            if urn in summaries and item.get("originating_organisation"):
                summaries[urn]["organisations"].add(item["originating_organisation"])
    for summary in summaries.values():
        summary["organisations"] = sorted(summary["organisations"])
    return list(summaries.values())


# --- Producing the export -------------------------------------------------------------------


def stamped(export: dict, *, user, reference: str, when=None) -> dict:
    """The export as it is handed over: its marking, when, by whom and for which request
    first, then everything gathered."""
    when = when or timezone.now()
    head = {
        "protective_marking": export["protective_marking_label"],
        "protective_marking_key": export["protective_marking"],
        "generated_at": when,
        "generated_by": {
            "name": user.get_full_name() or user.username,
            "username": user.username,
            "organisation": user.organisation.name,
        },
        "request_reference": reference,
        "about": (
            "Everything held about one person across the partnership, for a subject access "
            "request. Items marked redaction_review must be reviewed, and other people's "
            "information redacted, before disclosure."
        ),
    }
    body = {
        key: value
        for key, value in export.items()
        if key not in ("protective_marking", "protective_marking_label")
    }
    return {**head, **body}


def as_json(document: dict) -> bytes:
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


@transaction.atomic
def record_export(
    user, person: Person, export: dict, *, reference: str, file_format: str
) -> AuditEvent:
    """Audit a subject-access export: who produced it, about whom, for which request (the
    justification), in which format, covering which incidents, with how many items."""
    return record_event(
        AuditEvent.Type.SUBJECT_ACCESS,
        actor=user,
        target=("person", person.pk),
        justification=reference,
        details={
            "format": file_format,
            "incidents": [incident["urn"] for incident in export["incidents"]],
            "merged_records": [record["id"] for record in export["merged_records"]],
            "counts": export["counts"],
            "marking": export["protective_marking"],
        },
    )
