"""Erasure leaves nothing (issue #24; decision 0016): a case is worked the way users work one,
with one unique marker typed into every free-text field, person, history row, form draft,
reason, merge, disclosure and document (its file name and its contents), and is then erased
by the nightly sweep. A full `pg_dump` of the database - every table, history, search
columns, JSON, the audit log - must not hold the marker anywhere afterwards; before, it
does, in every place it was typed. Only the tombstone is left (URN, dates, rule, counts),
and the document's file is gone.

PostgreSQL only (pg_dump reads the test database from another process, so the test commits
its data: a transactional test). In CI a missing PostgreSQL or pg_dump is a failure.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from access.drafts import save_draft
from audit.models import AuditEvent, Disclosure
from audit.registers import record_disclosure
from complaints.services import add_person, save_section, start_draft
from incidents.models import Document, Incident, RiskQuestion, WorkingSheetEntry
from incidents.services import log_complaint
from incidents.services.closure import (
    approve_closure,
    reopen_case,
    return_case,
    submit_for_closure,
)
from incidents.services.documents import record_download, upload_document
from incidents.services.incident import update_incident
from incidents.services.risk import record_assessment
from incidents.services.tasks import cancel_task, complete_task, raise_task, send_alert
from incidents.services.worksheet import add_entry
from people.models import Consent, Intervention, InterventionType, Involvement, Person
from people.services import (
    involve,
    merge_people,
    record_consent,
    record_intervention,
    record_statement,
    update_person,
)
from retention.models import DeletionFlag, ErasedIncident
from retention.services import set_deletion_flag, set_legal_hold
from retention.tasks import retention_sweep
from tests.conftest import skip_or_fail

from .conftest import years_ago

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

faker = Faker("en_GB")
DAY = datetime.timedelta(days=1)


def pg_dump() -> str:
    """The whole test database as SQL text (schema and data), lower-cased."""
    settings = connection.settings_dict
    command = [
        shutil.which("pg_dump") or "pg_dump",
        "--no-owner",
        "--no-privileges",
        f"--host={settings.get('HOST') or '127.0.0.1'}",
        f"--port={settings.get('PORT') or 5432}",
        f"--username={settings['USER']}",
        settings["NAME"],
    ]
    environment = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    dumped = subprocess.run(command, capture_output=True, check=True, env=environment, text=True)
    return dumped.stdout.lower()


def tables_holding(dump: str, marker: str) -> set[str]:
    """The tables whose rows (COPY blocks of the dump) hold the marker."""
    found = set()
    for table, rows in re.findall(
        r"^copy public\.(\S+) .*? from stdin;\n(.*?)^\\\.$", dump, re.M | re.S
    ):
        if marker in rows:
            found.add(table.strip('"'))
    return found


@pytest.fixture
def dumpable(transactional_db):
    if connection.vendor != "postgresql":
        skip_or_fail("pg_dump needs the PostgreSQL test database")
    if shutil.which("pg_dump") is None:
        skip_or_fail("pg_dump is not installed")


class Typed:
    """Text as a user types it, every piece holding the marker (a random word that no
    stemmer changes and no other data can hold)."""

    def __init__(self):
        self.marker = "zq" + faker.lexify("??????????", letters="bcdfghjklmnpqrstvwxz")

    def __call__(self, text: str) -> str:
        return f"{text} {self.marker}"

    def name(self, name: str) -> str:
        return f"{name}{self.marker}"

    def person(self) -> dict:
        return {
            "given_name": self.name(faker.first_name()),
            "family_name": self.name(faker.last_name()),
            "other_names": self("Known as"),
            "date_of_birth": faker.date_of_birth(minimum_age=25, maximum_age=80),
            "address": self(faker.street_address()),
            "email": f"{self.marker}@example.org",
            "language": self.name("Polish"),
            "disability": self("Uses a wheelchair"),
            "vulnerability": self("Lives alone"),
            "support_needs": self("Needs an interpreter"),
        }


def work_the_case(typed: Typed, *, officer, manager, administrator, area) -> Incident:
    """A complaint logged and worked a month before it closed three years ago, by the
    services, every free text holding the marker."""
    closed_at = timezone.make_aware(datetime.datetime.combine(years_ago(3), datetime.time(10)))
    with time_machine.travel(closed_at - 30 * DAY, tick=True):
        incident = log_complaint(
            by=officer,
            area=area,
            description=typed("Youths shouting outside the flats"),
            address=typed(faker.street_address()),
            category=Incident.Category.PERSONAL,
            crime_reference=typed("CR"),
        )
        incident = update_incident(
            incident,
            by=officer,
            expected_version=incident.version,
            description=typed("Youths shouting and throwing stones"),
        )
        victim = involve(
            incident,
            by=officer,
            role=Involvement.Role.VICTIM,
            person_fields=typed.person(),
            risk_notes=typed("Afraid to leave the house"),
            support_needs=typed("Needs large print"),
        )
        update_person(
            victim.person,
            by=officer,
            expected_version=victim.person.version,
            vulnerability=typed("Lives alone since March"),
        )
        perpetrator = involve(
            incident,
            by=officer,
            role=Involvement.Role.PERPETRATOR,
            person_fields=typed.person(),
        )
        # The victim recorded twice; the duplicate's involvement is folded into theirs.
        duplicate = involve(
            incident,
            by=officer,
            role=Involvement.Role.VICTIM,
            person_fields=typed.person(),
            risk_notes=typed("Partner reads her messages"),
            support_needs=typed("Needs a female officer"),
        )
        merge_people(
            victim.person,
            duplicate.person,
            by=administrator,
            reason=typed("Same woman, maiden name on the second record"),
        )
        document = upload_document(
            incident,
            by=officer,
            uploaded_file=SimpleUploadedFile(
                typed("Statement of the victim") + ".txt",
                typed("I was at home when the stones hit the window.").encode(),
            ),
            kind=Document.Kind.STATEMENT,
            description=typed("Signed statement"),
        )
        record_download(document, by=manager)
        record_statement(
            victim,
            by=officer,
            taken=True,
            taken_on=timezone.localdate(),
            taken_by=officer,
            document=document,
            notes=typed("Taken at home"),
        )
        record_intervention(
            perpetrator,
            by=officer,
            type=InterventionType.objects.filter(active=True).first(),
            issuing_organisation=officer.organisation,
            status=Intervention.Status.ISSUED,
            issued_on=timezone.localdate(),
            breaches=typed("Breached twice"),
        )
        record_consent(
            victim.person,
            incident,
            by=officer,
            scope=Consent.Scope.PARTNER_SHARING,
            status=Consent.Status.GIVEN,
            decided_on=timezone.localdate(),
            notes=typed("Agreed on the phone"),
        )
        entry = add_entry(
            incident,
            by=officer,
            kind=WorkingSheetEntry.Kind.NOTE,
            text=typed("Visited the victim"),
            occurred_at=timezone.now() - DAY,
        )
        add_entry(
            incident,
            by=officer,
            kind=WorkingSheetEntry.Kind.CORRECTION,
            text=typed("Visited the victim and her mother"),
            occurred_at=timezone.now(),
            corrects=entry,
        )
        task = raise_task(
            incident,
            by=officer,
            assigned_to=manager,
            title=typed("Visit the victim"),
            due_on=timezone.localdate() + 3 * DAY,
            details=typed("Take the leaflet"),
        )
        complete_task(task, by=manager, note=typed("Visited, all calm"))
        other_task = raise_task(
            incident,
            by=officer,
            assigned_to=officer,
            title=typed("Call the school"),
            due_on=timezone.localdate() + 3 * DAY,
        )
        cancel_task(other_task, by=officer, reason=typed("The family moved"))
        send_alert(incident, by=officer, recipient=manager, message=typed("Please look today"))
        record_assessment(
            incident,
            by=officer,
            answers={question.pk: False for question in RiskQuestion.objects.filter(active=True)},
            involvement=victim,
            notes=typed("Copes well"),
        )
        record_disclosure(
            by=administrator,
            incident=incident,
            disclosed_on=timezone.localdate(),
            information=typed("Dates of the incidents"),
            subject=typed("The victim"),
            recipient=typed("Sam Carter, tenancy officer"),
            recipient_organisation=typed("Longhouse Housing"),
            reason=Disclosure.Reason.SAFEGUARDING,
            legal_gateway=Disclosure.Gateway.CDA_S115,
            justification=typed("Safeguarding referral"),
            authorised_by=typed("Jo Bloggs, information manager"),
        )
        # What was typed into a task's and a person's pages when the session timed out.
        save_draft(
            manager,
            path=reverse("task-detail", args=[task.pk]),
            form_key="complete",
            data={"note": [typed("Half-written note")]},
        )
        save_draft(
            officer,
            path=reverse("person-edit", args=[victim.person.pk]),
            form_key="person",
            data={"phone": [typed("New number")]},
        )
    with time_machine.travel(closed_at, tick=True):
        submit_for_closure(incident, by=officer, summary=typed("Quiet now"), outcome="resolved")
        return_case(incident, by=manager, reason=typed("Victim not yet told"))
        submit_for_closure(incident, by=officer, summary=typed("Told her"), outcome="resolved")
        approve_closure(incident, by=manager, note=typed("Agreed"))
        reopen_case(incident, by=manager, reason=typed("She rang again at night"))
        submit_for_closure(incident, by=officer, summary=typed("Stopped"), outcome="withdrawn")
        approve_closure(incident, by=manager, note=typed("Agreed to close"))
    # Since then: the deletion flag and a legal hold, with their reasons, and the review
    # page's form typed into and left when the session timed out.
    set_deletion_flag(
        incident, by=manager, flag=DeletionFlag.AUTOMATIC, reason=typed("Nothing outstanding")
    )
    set_legal_hold(incident, by=manager, hold=True, reason=typed("Civil claim pending"))
    set_legal_hold(incident, by=manager, hold=False, reason=typed("Claim withdrawn"))
    save_draft(
        administrator,
        path=reverse("retention-decide", args=[incident.urn]),
        form_key="keep",
        data={"keep-reason": [typed("Keep while the claim")]},
    )
    incident.refresh_from_db()
    return incident


def an_abandoned_complaint(typed: Typed, officer) -> None:
    """A complaint started six weeks ago and never logged."""
    with time_machine.travel(timezone.now() - 42 * DAY, tick=True):
        draft = start_draft(by=officer)
        save_section(
            draft, "details", {"description": typed("Neighbour threatened me")}, complete=False
        )
        person = {**typed.person(), "date_of_birth": "1980-05-17"}  # as the browser sent it
        add_person(draft, {"role": "victim", "new": person, "risk_notes": typed("Scared")})


# Where the marker must be before the erasure: each place it was typed into.
PLANTED_IN = {
    "incidents_incident",
    "incidents_historicalincident",
    "people_person",
    "people_historicalperson",
    "people_involvement",
    "people_historicalinvolvement",
    "people_mergereason",
    "people_statement",
    "people_intervention",
    "people_consent",
    "incidents_document",
    "incidents_workingsheetentry",
    "incidents_historicalworkingsheetentry",
    "incidents_historicaltask",
    "retention_historicalincidentretention",
    "incidents_task",
    "incidents_alert",
    "incidents_riskassessment",
    "incidents_closurerequest",
    "retention_incidentretention",
    "audit_disclosure",
    "audit_historicaldisclosure",
    "access_formdraft",
    "incidents_complaintdraft",
}


def test_an_erased_case_leaves_its_marker_nowhere_in_a_full_dump(
    dumpable, officer, manager, administrator, partnership, documents_root
):
    typed = Typed()
    incident = work_the_case(
        typed,
        officer=officer,
        manager=manager,
        administrator=administrator,
        area=partnership.areas["Blaby"],
    )
    an_abandoned_complaint(typed, officer)
    files = [Path(document.file.path) for document in incident.documents.all()]
    assert files and all(typed.marker in path.read_text() for path in files)

    before = pg_dump()
    found = tables_holding(before, typed.marker)
    assert found >= PLANTED_IN, sorted(PLANTED_IN - found)

    outcome = retention_sweep.delay().get()  # the nightly task

    assert (outcome["erased"], outcome["complaint_drafts_purged"]) == (1, 1)
    after = pg_dump()
    assert tables_holding(after, typed.marker) == set()
    assert after.count(typed.marker) == 0  # nor anywhere else in the dump
    assert not any(path.exists() for path in files)
    # What is left: the tombstone, the audit trail (names of records, never their text),
    # and the disclosure's entry in the register, without its text.
    tombstone = ErasedIncident.objects.get(urn=incident.urn)
    # The victim (with the record merged into theirs, the same person) and the perpetrator.
    assert (tombstone.people_erased, tombstone.documents_erased) == (2, 1)
    assert not Person.objects.exists() and not Incident.objects.exists()
    assert AuditEvent.objects.filter(target_id=incident.urn).count() > 20
    disclosure = Disclosure.objects.get()
    assert (disclosure.incident_urn, disclosure.reason) == (incident.urn, "safeguarding")
