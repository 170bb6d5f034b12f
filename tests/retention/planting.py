"""Plant a complete case the way users build one - through the services - with invented,
distinctive personal data, then close it at a chosen time in the past.

`PlantedCase.secrets` lists every string that must be gone after the case is erased: the
people's names, dates of birth, addresses, phone numbers and e-mail addresses, and every piece
of free text typed into the case (description, address, working sheet, tasks, statements,
interventions, consent notes, risk notes, closure summary and note, document description).
Each is made unique with a random suffix, so finding one anywhere means it leaked.

Optionally the case is also worked the longer way: sent back at closure and reopened, each
with a reason (`rework`), and a duplicate record of the victim, added to the same incident
with notes of its own, merged into theirs by an administrator (`merged_by`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from faker import Faker

from incidents.models import Document, Incident, RiskQuestion, WorkingSheetEntry
from incidents.services import log_complaint
from incidents.services.closure import (
    approve_closure,
    reopen_case,
    return_case,
    submit_for_closure,
)
from incidents.services.documents import upload_document
from incidents.services.risk import record_assessment
from incidents.services.tasks import complete_task, raise_task
from incidents.services.worksheet import add_entry
from people.models import Consent, Intervention, InterventionType, Involvement, Person
from people.services import (
    involve,
    merge_people,
    record_consent,
    record_intervention,
    record_statement,
)

faker = Faker("en_GB")


# Every random suffix handed out: a case's markers are the ones handed out while planting it.
_suffixes: list[str] = []


def unique(text: str) -> str:
    suffix = faker.unique.lexify("??????????").title()
    _suffixes.append(suffix)
    return f"{text} {suffix}"


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class PlantedCase:
    incident: Incident
    people: list[Person]
    secrets: list[str] = field(default_factory=list)
    document_paths: list = field(default_factory=list)
    # The first seven letters of each random suffix: found even where the text is stored
    # transformed (a full-text search vector keeps lower-cased, stemmed words).
    markers: list[str] = field(default_factory=list)

    def typed(self, *beginnings: str) -> list[str]:
        """The secrets that start with these texts (each was made unique when planted)."""
        return [secret for secret in self.secrets if secret.startswith(beginnings)]


def person_fields() -> tuple[dict, list[str]]:
    dob = faker.date_of_birth(minimum_age=25, maximum_age=80)
    fields = {
        "given_name": unique(faker.first_name()).replace(" ", ""),
        "family_name": unique(faker.last_name()).replace(" ", "-"),
        "date_of_birth": dob,
        "address": unique(faker.street_address()),
        "phone": f"07700 9{faker.numerify('#####')}",
        "email": f"{faker.lexify('??????????')}@example.org",
        "vulnerability": unique("Lives alone, hearing loss"),
    }
    secrets = [
        fields["given_name"],
        fields["family_name"],
        dob.isoformat(),
        fields["address"],
        fields["phone"],
        fields["email"],
        fields["vulnerability"],
    ]
    return fields, secrets


def plant_case(
    *,
    officer,
    manager,
    area,
    closed_on: datetime.date,
    category: str = Incident.Category.NUISANCE,
    outcome: str = "resolved",
    also_involve: Person | None = None,
    rework: bool = False,
    merged_by=None,
    merge_into_witness: bool = False,
) -> PlantedCase:
    """A case logged and worked a month before `closed_on`, closed on `closed_on`; with
    `rework`, returned at closure and reopened first; with `merged_by` (an administrator), a
    duplicate of the victim (or of the witness `also_involve`) merged into them."""
    secrets: list[str] = []
    first_suffix = len(_suffixes)
    worked_at = timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time(10)))
    with time_machine.travel(worked_at - datetime.timedelta(days=30), tick=True):
        description = unique(faker.paragraph())
        address = unique(faker.street_address())
        incident = log_complaint(
            by=officer, area=area, description=description, address=address, category=category
        )
        secrets += [description, address]

        victim_fields, victim_secrets = person_fields()
        victim = involve(
            incident,
            by=officer,
            role=Involvement.Role.VICTIM,
            person_fields=victim_fields,
            risk_notes=(risk_notes := unique("Afraid to leave the house")),
            support_needs=(support := unique("Needs a Polish interpreter")),
        )
        secrets += [*victim_secrets, risk_notes, support]
        perpetrator_fields, perpetrator_secrets = person_fields()
        perpetrator = involve(
            incident,
            by=officer,
            role=Involvement.Role.PERPETRATOR,
            person_fields=perpetrator_fields,
        )
        secrets += perpetrator_secrets
        people = [victim.person, perpetrator.person]
        witness = None
        if also_involve is not None:
            witness = involve(
                incident, by=officer, role=Involvement.Role.WITNESS, person=also_involve
            )
        if merged_by is not None:
            secrets += merge_a_duplicate(
                witness if merge_into_witness else victim, officer=officer, administrator=merged_by
            )

        document = upload_document(
            incident,
            by=officer,
            uploaded_file=SimpleUploadedFile("statement.pdf", pdf_bytes()),
            kind=Document.Kind.STATEMENT,
            description=(document_text := unique("Signed statement of the victim")),
        )
        secrets.append(document_text)
        record_statement(
            victim,
            by=officer,
            taken=True,
            taken_on=timezone.localdate(),
            taken_by=officer,
            document=document,
            notes=(statement_notes := unique("Statement taken at home")),
        )
        record_intervention(
            perpetrator,
            by=officer,
            type=InterventionType.objects.filter(active=True).first(),
            issuing_organisation=officer.organisation,
            status=Intervention.Status.ISSUED,
            issued_on=timezone.localdate(),
            breaches=(breaches := unique("Breached twice in March")),
        )
        record_consent(
            victim.person,
            incident,
            by=officer,
            scope=Consent.Scope.PARTNER_SHARING,
            status=Consent.Status.GIVEN,
            decided_on=timezone.localdate(),
            notes=(consent_notes := unique("Agreed on the phone")),
        )
        entry = add_entry(
            incident,
            by=officer,
            kind=WorkingSheetEntry.Kind.NOTE,
            text=(entry_text := unique(faker.sentence())),
            occurred_at=timezone.now(),
        )
        task = raise_task(
            incident,
            by=officer,
            assigned_to=officer,
            title=(task_title := unique("Visit the victim")),
            due_on=timezone.localdate() + datetime.timedelta(days=3),
            details=(task_details := unique(faker.sentence())),
        )
        complete_task(task, by=officer, note=(task_note := unique("Visited, all calm")))
        record_assessment(
            incident,
            by=officer,
            answers={question.pk: False for question in RiskQuestion.objects.filter(active=True)},
            involvement=victim,
            notes=(risk_assessment := unique("Victim copes well")),
        )
        secrets += [
            statement_notes,
            breaches,
            consent_notes,
            entry.text,
            entry_text,
            task_title,
            task_details,
            task_note,
            risk_assessment,
        ]
    with time_machine.travel(worked_at, tick=True):
        if rework:
            secrets += return_and_reopen(incident, officer=officer, manager=manager)
        submit_for_closure(
            incident, by=officer, summary=(summary := unique("It stopped")), outcome=outcome
        )
        approve_closure(incident, by=manager, note=(note := unique("Agreed to close")))
        secrets += [summary, note]
    incident.refresh_from_db()
    return PlantedCase(
        incident=incident,
        people=people,
        secrets=secrets,
        document_paths=[document.file.path],
        markers=[suffix[:7].lower() for suffix in _suffixes[first_suffix:]],
    )


def merge_a_duplicate(victim: Involvement, *, officer, administrator) -> list[str]:
    """The victim recorded a second time in the same incident and role, with notes of their
    own, then merged into the first record: the duplicate's involvement is folded into the
    victim's (their notes win, so the duplicate's are kept only by the merge)."""
    fields, secrets = person_fields()
    duplicate = involve(
        victim.incident,
        by=officer,
        role=victim.role,
        person_fields=fields,
        risk_notes=(risk_notes := unique("Partner controls her phone")),
        support_needs=(support := unique("Needs a female officer")),
    )
    merge_people(
        victim.person,
        duplicate.person,
        by=administrator,
        reason=(reason := unique("Same woman, maiden name on the second record")),
    )
    return [*secrets, risk_notes, support, reason]


def return_and_reopen(incident: Incident, *, officer, manager) -> list[str]:
    """Submitted for closure and sent back with a reason, then closed and reopened with a
    reason: the case is open again afterwards."""
    submit_for_closure(
        incident, by=officer, summary=(first := unique("Quiet now")), outcome="resolved"
    )
    return_case(incident, by=manager, reason=(returned := unique("Victim not yet told")))
    submit_for_closure(
        incident, by=officer, summary=(second := unique("Told her")), outcome="resolved"
    )
    approve_closure(incident, by=manager)
    reopen_case(incident, by=manager, reason=(reopened := unique("She rang again at night")))
    return [first, returned, second, reopened]
