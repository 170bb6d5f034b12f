"""Subject access (SPEC D4, P6): a person planted in incidents of three organisations (Blaby,
Rutland, Leicester City) among other people; the export holds every incident and item of
theirs with its originating organisation, and about everyone else only flagged, name-less
role entries - checked in the JSON and in the PDF's text. Consent given then withdrawn
appears in order. Downloads are audited with the request reference; a missing reference is
a field error and no file. Administrators of any organisation may answer (D4);
everyone else gets 404. The person page costs the same queries for one incident or three.
"""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from access.models import UserGroup
from audit.models import AuditEvent, Disclosure
from audit.registers import record_disclosure
from incidents.models import Document, Incident, RiskQuestion, WorkingSheetEntry
from incidents.services import log_complaint
from incidents.services.documents import upload_document
from incidents.services.risk import record_assessment
from incidents.services.worksheet import add_entry
from people.merging import merge_people
from people.models import Consent, Intervention, InterventionType, Involvement
from people.services import involve, record_consent, record_intervention, record_statement
from retention import subject_access
from tests.access.scenario import GROUPS, RECORDS

from .planting import pdf_bytes, person_fields, unique

BLABY = "Blaby District Council"
RUTLAND = "Rutland County Council"
CITY = "Leicester City Council"
POLICE = "Leicestershire Police"
REFERENCE = "SAR-2026-0042"
Type = AuditEvent.Type
TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


# --- The world -------------------------------------------------------------------------------


class World:
    """The subject, their three incidents, and what must (and must not) be in the export."""

    def __init__(self):
        self.subject = None
        self.duplicate = None
        self.incidents: dict[str, Incident] = {}
        self.subject_secrets: list[str] = []
        self.others_secrets: list[str] = []  # other people's details and unlinked free text
        self.statement_document = None
        self.other_document = None
        # Disclosure-register entries about their incidents, by the incident's name.
        self.disclosures: dict[str, Disclosure] = {}


def disclose(by, incident, recipient_organisation: str) -> Disclosure:
    """A disclosure outside the partnership, recorded in the register (A5)."""
    return record_disclosure(
        by=by,
        incident=incident,
        disclosed_on=days_ago(4),
        information=unique("Dates of the incidents and the victim's phone number"),
        subject=unique("The victim"),
        recipient=unique("Sam Carter, caseworker"),
        recipient_organisation=recipient_organisation,
        reason=Disclosure.Reason.SAFEGUARDING,
        legal_gateway=Disclosure.Gateway.CDA_S115,
        justification=unique("Safeguarding referral after the second incident"),
        authorised_by=unique("Jo Bloggs, data protection officer"),
    )


def other_person(world: World, incident, by, role, **extra) -> Involvement:
    fields, secrets = person_fields()
    world.others_secrets += secrets
    return involve(incident, by=by, role=role, person_fields=fields, **extra)


@pytest.fixture
def users(make_user):
    return {
        "blaby": make_user(BLABY, UserGroup.OPERATIONAL, username="sar.blaby"),
        "rutland": make_user(RUTLAND, UserGroup.OPERATIONAL, username="sar.rutland"),
        "city": make_user(CITY, UserGroup.OPERATIONAL, username="sar.city"),
        "police": make_user(POLICE, UserGroup.OPERATIONAL, username="sar.police"),
        "police_admin": make_user(POLICE, UserGroup.ADMINISTRATOR, username="sar.police.admin"),
        "blaby_admin": make_user(BLABY, UserGroup.ADMINISTRATOR, username="sar.blaby.admin"),
        # Rutland leads the Confidential case: its administrators see all three incidents.
        "rutland_admin": make_user(RUTLAND, UserGroup.ADMINISTRATOR, username="sar.rutland.admin"),
        "melton_admin": make_user(
            "Melton Borough Council", UserGroup.ADMINISTRATOR, username="sar.melton.admin"
        ),
    }


@pytest.fixture
def world(partnership, users) -> World:
    world = World()
    areas = partnership.areas
    blaby, rutland, city, police = (users[k] for k in ("blaby", "rutland", "city", "police"))

    # Blaby: the subject is the victim; a perpetrator and the subject's dependant are there too.
    a = log_complaint(
        by=blaby,
        area=areas["Blaby"],
        description=unique("Stones thrown at the windows"),
        address=unique("1 Mill Lane"),
    )
    world.incidents["blaby"] = a
    fields, secrets = person_fields()
    world.subject_secrets += secrets
    victim = involve(
        a,
        by=blaby,
        role=Involvement.Role.VICTIM,
        person_fields=fields,
        risk_notes=unique("Afraid to go out"),
        support_needs=unique("Needs large print"),
    )
    world.subject = victim.person
    other_person(world, a, blaby, Involvement.Role.PERPETRATOR)
    other_person(world, a, blaby, Involvement.Role.DEPENDANT, dependant_of=victim)
    world.statement_document = upload_document(
        a,
        by=blaby,
        uploaded_file=SimpleUploadedFile("statement.pdf", pdf_bytes()),
        kind=Document.Kind.STATEMENT,
        description=unique("Signed statement"),
    )
    record_statement(
        victim,
        by=blaby,
        taken=True,
        taken_on=days_ago(20),
        taken_by=blaby,
        document=world.statement_document,
        notes=unique("Taken at home"),
    )
    perpetrator_name = world.others_secrets[1]
    world.other_document = upload_document(
        a,
        by=police,
        uploaded_file=SimpleUploadedFile(f"{perpetrator_name}.pdf", pdf_bytes()),
        kind=Document.Kind.OTHER,
        description=(photo := unique(f"Letter from {perpetrator_name}")),
    )
    world.others_secrets.append(photo)
    record_consent(
        world.subject,
        a,
        by=blaby,
        scope=Consent.Scope.VICTIM_SUPPORT,
        status=Consent.Status.GIVEN,
        decided_on=days_ago(10),
        notes=unique("Agreed on the phone"),
    )
    add_entry(
        a,
        by=blaby,
        kind=WorkingSheetEntry.Kind.REFERRAL,
        referral_to=WorkingSheetEntry.ReferralTo.VICTIM_SUPPORT,
        involvement=victim,
        text=unique("Referred to Victim Support"),
        occurred_at=timezone.now() - datetime.timedelta(days=9),
    )
    record_consent(
        world.subject,
        a,
        by=blaby,
        scope=Consent.Scope.VICTIM_SUPPORT,
        status=Consent.Status.WITHDRAWN,
        decided_on=days_ago(2),
    )
    unlinked = add_entry(
        a,
        by=police,
        kind=WorkingSheetEntry.Kind.NOTE,
        text=unique(f"Spoke to {perpetrator_name} at the door"),
        occurred_at=timezone.now() - datetime.timedelta(days=1),
    )
    world.others_secrets.append(unlinked.text)
    record_assessment(
        a,
        by=blaby,
        answers={q.pk: False for q in RiskQuestion.objects.filter(active=True)},
        involvement=victim,
        notes=unique("Copes well"),
    )

    # Rutland (Confidential): the subject is the alleged perpetrator; the police issued the
    # intervention that a Rutland officer recorded.
    b = log_complaint(
        by=rutland,
        area=areas["Rutland"],
        description=unique("Shouting in the street"),
        marking=Incident.Marking.CONFIDENTIAL,
    )
    world.incidents["rutland"] = b
    other_person(world, b, rutland, Involvement.Role.VICTIM)
    alleged = involve(b, by=rutland, role=Involvement.Role.PERPETRATOR, person=world.subject)
    record_intervention(
        alleged,
        by=rutland,
        type=InterventionType.objects.filter(active=True).first(),
        issuing_organisation=partnership.organisations[POLICE],
        status=Intervention.Status.ISSUED,
        issued_on=days_ago(5),
        breaches=unique("Breached once"),
    )

    # Leicester City: the subject was recorded again as a witness, then merged.
    c = log_complaint(by=city, area=areas[CITY.removesuffix(" Council")], description="Graffiti")
    world.incidents["city"] = c
    other_person(world, c, city, Involvement.Role.COMPLAINANT)
    duplicate_fields = {**fields, "address": unique("9 Old Road")}
    witness = involve(c, by=city, role=Involvement.Role.WITNESS, person_fields=duplicate_fields)
    world.duplicate = witness.person
    record_statement(witness, by=city, taken=True, taken_on=days_ago(3), taken_by=city)
    merge_people(world.subject, world.duplicate, by=users["police_admin"], reason="Same person")
    world.duplicate.refresh_from_db()
    world.subject.refresh_from_db()

    # Disclosures outside the partnership recorded in the register: Blaby's about its case,
    # Rutland's about its Confidential case, and one about a case the subject is not in.
    world.disclosures["blaby"] = disclose(users["blaby_admin"], a, "Longhouse Housing")
    world.disclosures["rutland"] = disclose(users["rutland_admin"], b, "Rutland Refuge")
    elsewhere = log_complaint(by=blaby, area=areas["Blaby"], description="Someone else's case")
    world.disclosures["elsewhere"] = disclose(users["blaby_admin"], elsewhere, "Unrelated Trust")
    return world


# --- Helpers -------------------------------------------------------------------------------


def signed_in(client, user):
    client.force_login(user)
    return client


def download(client, person, *, file_format="json", reference=REFERENCE):
    return client.post(
        reverse("subject-access-person", args=[person.pk]),
        {"reference": reference, "file_format": file_format},
    )


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    """Without any whitespace: a value wrapped over two lines of a PDF is still found."""
    return "".join(str(text).split())


def as_printed(secret: str) -> str:
    """A secret as the PDF prints it: a date of birth as "7 Mar 1990"."""
    try:
        day = datetime.date.fromisoformat(secret)
    except ValueError:
        return squeezed(secret)
    return squeezed(f"{day.day} {day:%b %Y}")


def walk(value):
    """Every dict in a JSON document."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


# --- The export ----------------------------------------------------------------------------


def test_the_export_holds_every_incident_and_item_with_its_originating_organisation(
    client, users, world
):
    signed_in(client, users["rutland_admin"])
    response = download(client, world.subject)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    export = json.loads(response.content)
    urns = {name: incident.urn for name, incident in world.incidents.items()}
    assert export["protective_marking"] == "CONFIDENTIAL"  # the Rutland case's marking
    assert export["request_reference"] == REFERENCE
    assert export["generated_by"]["username"] == "sar.rutland.admin"
    assert datetime.datetime.fromisoformat(export["generated_at"])

    incidents = {i["urn"]: i for i in export["incidents"]}
    assert set(incidents) == set(urns.values())
    assert {urn: i["originating_organisation"] for urn, i in incidents.items()} == {
        urns["blaby"]: BLABY,
        urns["rutland"]: RUTLAND,
        urns["city"]: CITY,
    }
    assert all(i["redaction_review"] for i in incidents.values())  # free text

    assert sorted(
        (i["incident"], i["role"], i["originating_organisation"]) for i in export["involvements"]
    ) == sorted(
        [
            (urns["blaby"], "victim", BLABY),
            (urns["rutland"], "perpetrator", RUTLAND),
            (urns["city"], "witness", CITY),
        ]
    )
    assert sorted(
        (s["incident"], s["originating_organisation"]) for s in export["statements"]
    ) == (sorted([(urns["blaby"], BLABY), (urns["city"], CITY)]))
    assert [(i["incident"], i["originating_organisation"]) for i in export["interventions"]] == [
        (urns["rutland"], POLICE)
    ]
    assert [
        (r["incident"], r["originating_organisation"]) for r in export["risk_assessments"]
    ] == [(urns["blaby"], BLABY)]

    documents = {d["id"]: d for d in export["documents"]}
    mine = documents[world.statement_document.pk]
    assert mine["concerns_subject"] and mine["originating_organisation"] == BLABY
    assert mine["description"] == world.statement_document.description
    theirs = documents[world.other_document.pk]
    assert not theirs["concerns_subject"] and theirs["redaction_review"]
    assert theirs["originating_organisation"] == POLICE
    assert "original_name" not in theirs and "description" not in theirs

    entries = export["working_sheet_entries"]
    linked = [e for e in entries if e["concerns_subject"]]
    assert [(e["kind"], e["originating_organisation"]) for e in linked] == [("referral", BLABY)]
    assert linked[0]["redaction_review"] and linked[0]["text"].startswith("Referred")
    unlinked = [e for e in entries if not e["concerns_subject"]]
    assert unlinked and all("text" not in e and e["redaction_review"] for e in unlinked)
    assert POLICE in {e["originating_organisation"] for e in unlinked}

    # The subject's own details, and the record merged into theirs, with its history.
    assert export["subject"]["id"] == world.subject.pk
    assert export["subject"]["originating_organisation"] == BLABY
    assert [r["id"] for r in export["merged_records"]] == [world.duplicate.pk]
    assert export["merged_records"][0]["originating_organisation"] == CITY
    recorded = {(h["record"], h["record_id"]) for h in export["history"]}
    assert ("person", world.subject.pk) in recorded and ("person", world.duplicate.pk) in recorded
    assert {h["incident"] for h in export["history"] if h["record"] == "involvement"} == set(
        urns.values()
    )
    text = response.content.decode()
    for secret in world.subject_secrets:
        assert json.dumps(secret)[1:-1] in text, secret
    assert export["counts"]["incidents"] == 3 and export["counts"]["consents"] == 2


def _disclosure_texts(disclosure: Disclosure) -> list[str]:
    return [disclosure.information, disclosure.justification, disclosure.recipient]


def test_disclosures_about_their_incidents_are_in_the_export(client, users, world):
    """Who received their data is part of the answer (D4, A5): every register entry about an
    incident they are in, with the organisation that recorded it, flagged for review (it may
    be about someone else in the incident); never one about an incident they are not in."""
    signed_in(client, users["rutland_admin"])
    response = download(client, world.subject)
    export = json.loads(response.content)

    found = {item["id"]: item for item in export["disclosures"]}
    ours, theirs = world.disclosures["blaby"], world.disclosures["rutland"]
    assert set(found) == {ours.pk, theirs.pk}
    item = found[ours.pk]
    assert item["incident"] == world.incidents["blaby"].urn
    assert item["originating_organisation"] == BLABY
    assert found[theirs.pk]["originating_organisation"] == RUTLAND
    assert (item["recipient_organisation"], item["recipient"]) == (
        "Longhouse Housing",
        ours.recipient,
    )
    assert item["disclosed_on"] == days_ago(4).isoformat()
    assert (item["information"], item["about_whom"], item["justification"]) == (
        ours.information,
        ours.subject,
        ours.justification,
    )
    assert item["reason_label"] == Disclosure.Reason.SAFEGUARDING.label
    assert item["legal_gateway_label"] == Disclosure.Gateway.CDA_S115.label
    assert item["redaction_review"] is True
    assert "authorised_by" not in item  # staff are named by their organisation only
    assert export["counts"]["disclosures"] == 2
    elsewhere = world.disclosures["elsewhere"]
    for text in [*_disclosure_texts(elsewhere), "Unrelated Trust"]:
        assert json.dumps(text)[1:-1] not in response.content.decode()

    flat = squeezed(pdf_text(download(client, world.subject, file_format="pdf").content))
    for disclosure in (ours, theirs):
        for text in _disclosure_texts(disclosure):
            assert squeezed(text) in flat, text
    assert squeezed("Longhouse Housing") in flat and squeezed("Rutland Refuge") in flat
    assert squeezed("Unrelated Trust") not in flat

    page = client.get(reverse("subject-access-person", args=[world.subject.pk]))
    assert dict(page.context["kinds"])["Disclosures outside the partnership"] == 2
    assert "Longhouse Housing" in page.content.decode()
    assert "Unrelated Trust" not in page.content.decode()


def test_consent_given_then_withdrawn_appears_in_order(client, users, world):
    signed_in(client, users["rutland_admin"])
    export = json.loads(download(client, world.subject).content)

    consents = export["consents"]
    assert [(c["status"], c["decided_on"]) for c in consents] == [
        ("given", days_ago(10).isoformat()),
        ("withdrawn", days_ago(2).isoformat()),
    ]
    assert {c["originating_organisation"] for c in consents} == {BLABY}
    assert {c["scope"] for c in consents} == {"victim_support"}


def test_nothing_about_anyone_else_beyond_flagged_nameless_roles(client, users, world):
    signed_in(client, users["rutland_admin"])
    response = download(client, world.subject)
    export = json.loads(response.content)
    text = response.content.decode()

    for secret in world.others_secrets:
        assert json.dumps(secret)[1:-1] not in text, secret
    others = [other for incident in export["incidents"] for other in incident["other_people"]]
    assert sorted(other["role"] for other in others) == [
        "complainant",
        "dependant",
        "perpetrator",
        "victim",
    ]
    for other in others:
        assert set(other) == {
            "role",
            "role_label",
            "third_party",
            "redaction_review",
            "redaction_review_reason",
        }
        assert other["third_party"] is True and other["redaction_review"] is True
    (victim,) = [i for i in export["involvements"] if i["role"] == "victim"]
    assert [d["role"] for d in victim["dependants"]] == ["dependant"]
    assert victim["dependants"][0]["third_party"] is True
    # Every person id anywhere in the export is the subject's or their merged record's.
    own = {world.subject.pk, world.duplicate.pk}
    assert {d["person"] for d in walk(export) if "person" in d} <= own


def test_the_pdf_is_marked_readable_and_holds_nothing_about_anyone_else(client, users, world):
    signed_in(client, users["rutland_admin"])
    response = download(client, world.subject, file_format="pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = pdf_text(response.content)
    flat = squeezed(text)
    assert text.count("CONFIDENTIAL") >= 2  # at the top and the bottom of the page
    assert REFERENCE in text
    assert "Reviewforredactionbeforedisclosure" in flat
    for urn in (incident.urn for incident in world.incidents.values()):
        assert urn in flat
    for organisation in (BLABY, RUTLAND, CITY, POLICE):
        assert squeezed(organisation) in flat
    for secret in world.subject_secrets:
        assert as_printed(secret) in flat, secret
    for secret in world.others_secrets:
        assert squeezed(secret) not in flat, secret
        assert as_printed(secret) not in flat, secret
    assert flat.index("Given") < flat.index("Withdrawn")


def test_every_download_is_audited_with_the_request_reference(client, users, world):
    signed_in(client, users["rutland_admin"])
    download(client, world.subject, file_format="json")
    download(client, world.subject, file_format="pdf", reference="SAR-2026-0043")

    events = list(AuditEvent.objects.filter(event_type=Type.SUBJECT_ACCESS).order_by("sequence"))
    assert [(e.justification, e.details["format"]) for e in events] == [
        (REFERENCE, "json"),
        ("SAR-2026-0043", "pdf"),
    ]
    for event in events:
        assert (event.target_type, event.target_id) == ("person", str(world.subject.pk))
        assert event.actor == users["rutland_admin"]
        assert sorted(event.details["incidents"]) == sorted(
            i.urn for i in world.incidents.values()
        )
        assert event.details["counts"]["incidents"] == 3
        assert event.details["counts"]["consents"] == 2


def test_a_missing_reference_is_a_field_error_and_no_file(client, users, world):
    signed_in(client, users["rutland_admin"])
    response = download(client, world.subject, file_format="pdf", reference="  ")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Enter the reference of the subject access request" in page
    assert 'id="id_reference-error"' in page
    assert 'value="pdf" checked' in page  # what was chosen is kept
    assert not AuditEvent.objects.filter(event_type=Type.SUBJECT_ACCESS).exists()

    response = client.post(
        reverse("subject-access-person", args=[world.subject.pk]), {"reference": REFERENCE}
    )
    page = response.content.decode()
    assert "Choose the format of the export" in page
    assert f'value="{REFERENCE}"' in page
    assert not AuditEvent.objects.filter(event_type=Type.SUBJECT_ACCESS).exists()


# --- The pages -----------------------------------------------------------------------------


def test_finding_the_person_lists_them_with_their_incidents_and_is_audited(client, users, world):
    signed_in(client, users["melton_admin"])
    response = client.post(
        reverse("subject-access"),
        {"family_name": world.subject.family_name, "given_name": "", "date_of_birth": ""},
    )

    assert response.status_code == 200
    assert "data-no-autosave" in response.content.decode()
    people = response.context["people"]
    assert [p.pk for p in people] == [world.subject.pk]  # the merged record is not listed
    # Rutland's Confidential case is not counted: Rutland is named for a referral instead.
    assert people[0].incident_count == 2
    assert response.context["referrals"] == [RUTLAND]
    assert reverse("subject-access-person", args=[world.subject.pk]) in response.content.decode()
    event = AuditEvent.objects.get(event_type=Type.SEARCH)
    assert event.details["kind"] == "subject_access"
    assert event.details["terms"]["family_name"] == world.subject.family_name
    assert event.actor == users["melton_admin"]


def test_search_by_date_of_birth_and_bad_input(client, users, world):
    signed_in(client, users["rutland_admin"])
    found = client.post(
        reverse("subject-access"),
        {
            "family_name": world.subject.family_name[:5],
            "date_of_birth": world.subject.date_of_birth.strftime("%d/%m/%Y"),
        },
    )
    assert [p.pk for p in found.context["people"]] == [world.subject.pk]
    searches = AuditEvent.objects.filter(event_type=Type.SEARCH).count()

    response = client.post(
        reverse("subject-access"),
        {"family_name": "", "given_name": "Sam", "date_of_birth": "31/02/1990"},
    )
    page = response.content.decode()
    assert "Enter their last name" in page
    assert "Date of birth must be a real date" in page
    assert 'value="Sam"' in page and 'value="31/02/1990"' in page
    assert response.context["people"] is None
    assert AuditEvent.objects.filter(event_type=Type.SEARCH).count() == searches


def test_the_person_page_summarises_the_export(client, users, world):
    signed_in(client, users["rutland_admin"])
    response = client.get(reverse("subject-access-person", args=[world.subject.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    for incident in world.incidents.values():
        assert incident.urn in page
    for organisation in (BLABY, RUTLAND, CITY, POLICE):
        assert organisation in page
    assert dict(response.context["kinds"])["Consent decisions"] == 2
    assert 'data-marking="confidential"' in page
    event = AuditEvent.objects.filter(event_type=Type.PERSON_VIEWED).latest("sequence")
    assert (event.target_id, event.details["purpose"]) == (str(world.subject.pk), "subject access")


@pytest.fixture
def scenario_people(scenario):
    """A person in each of the scenario's incidents (in area, out of area, shared)."""
    people = {}
    for record in RECORDS:
        incident = scenario.incidents[record]
        fields, _secrets = person_fields()
        people[record] = involve(
            incident, by=incident.created_by, role=Involvement.Role.VICTIM, person_fields=fields
        ).person
    return people


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_only_administrators_may_answer_subject_access(
    client, scenario, scenario_people, group, record
):
    person = scenario_people[record]
    signed_in(client, scenario.user(group))
    expected = 200 if group == UserGroup.ADMINISTRATOR else 404

    assert client.get(reverse("subject-access")).status_code == expected
    found = client.post(reverse("subject-access"), {"family_name": person.family_name})
    assert found.status_code == expected
    page = reverse("subject-access-person", args=[person.pk])
    assert client.get(page).status_code == expected
    response = download(client, person)
    assert response.status_code == expected
    if expected == 200:
        assert [p.pk for p in found.context["people"]] == [person.pk]
        assert response["Content-Type"] == "application/json"
    else:
        assert not AuditEvent.objects.filter(event_type=Type.SUBJECT_ACCESS).exists()


@pytest.mark.parametrize(
    "admin", ["police_admin", "melton_admin", "blaby_admin", "deployment_admin"]
)
def test_an_administrator_of_any_organisation_can_answer(client, make_user, users, world, admin):
    """The organisation that receives the request co-ordinates the reply for its partnership:
    its administrators gather what every partner holds, even with no incident of their own -
    except another partner's Confidential record, which is named by its holder only, for
    that partner's decision (none of its contents in the JSON or the PDF)."""
    user = (
        make_user(BLABY, UserGroup.ADMINISTRATOR, manages_all_organisations=True)
        if admin == "deployment_admin"
        else users[admin]
    )
    signed_in(client, user)
    response = download(client, world.subject)
    export = json.loads(response.content)
    assert {i["urn"] for i in export["incidents"]} == {
        world.incidents["blaby"].urn,
        world.incidents["city"].urn,
    }
    assert export["withheld"] == [
        {"originating_organisation": RUTLAND, "records": 1, "reason": subject_access.WITHHELD}
    ]
    confidential = world.incidents["rutland"]
    withheld_disclosure = world.disclosures["rutland"]
    assert [d["id"] for d in export["disclosures"]] == [world.disclosures["blaby"].pk]
    pdf = squeezed(pdf_text(download(client, world.subject, file_format="pdf").content))
    for text in (
        confidential.urn,
        confidential.description,
        "Breached once",
        *_disclosure_texts(withheld_disclosure),
        "Rutland Refuge",
    ):
        assert json.dumps(text)[1:-1] not in response.content.decode()
        assert squeezed(text) not in pdf
    assert squeezed(RUTLAND) in pdf
    page = client.get(reverse("subject-access-person", args=[world.subject.pk]))
    assert confidential.urn not in page.content.decode()
    assert "Rutland Refuge" not in page.content.decode()
    assert RUTLAND in page.content.decode()


def test_a_person_only_in_anothers_confidential_record_is_referred_not_found(
    client, partnership, users
):
    """Someone known only from Rutland's Confidential case: Blaby's administrator does not
    find them (no name, number or date of birth), and is told to refer the request to
    Rutland; Rutland's administrator finds them."""
    fields, _secrets = person_fields()
    case = log_complaint(
        by=users["rutland"],
        area=partnership.areas["Rutland"],
        description="Confidential matter",
        marking=Incident.Marking.CONFIDENTIAL,
    )
    hidden = involve(case, by=users["rutland"], role=Involvement.Role.VICTIM, person_fields=fields)
    terms = {"family_name": fields["family_name"]}

    signed_in(client, users["blaby_admin"])
    page = client.post(reverse("subject-access"), terms)
    assert page.context["people"] == []
    assert page.context["referrals"] == [RUTLAND]
    assert str(hidden.person.pk) not in page.content.decode().replace(case.urn, "")
    assert client.get(reverse("subject-access-person", args=[hidden.person.pk])).status_code == 404

    signed_in(client, users["rutland_admin"])
    page = client.post(reverse("subject-access"), terms)
    assert [p.pk for p in page.context["people"]] == [hidden.person.pk]
    assert page.context["referrals"] == []


def test_missing_and_merged_records_are_not_found_and_logged(client, users, world):
    signed_in(client, users["rutland_admin"])
    for pk in (world.duplicate.pk, 999999):
        assert client.get(reverse("subject-access-person", args=[pk])).status_code == 404
        denied = AuditEvent.objects.filter(event_type=Type.ACCESS_DENIED, target_id=str(pk))
        assert denied.exists()
    assert download(client, world.duplicate).status_code == 404
    assert not AuditEvent.objects.filter(event_type=Type.SUBJECT_ACCESS).exists()


# --- Query counts --------------------------------------------------------------------------


def grow(partnership, users, count: int):
    """A person in `count` incidents of Blaby, each with a statement, an intervention, a
    consent decision, a document, an entry and someone else."""
    blaby = users["blaby"]
    fields, _secrets = person_fields()
    person = None
    for index in range(count):
        incident = log_complaint(
            by=blaby, area=partnership.areas["Blaby"], description=f"Case {index}"
        )
        if person is None:
            victim = involve(incident, by=blaby, role="victim", person_fields=fields)
            person = victim.person
        else:
            victim = involve(incident, by=blaby, role="victim", person=person)
        other_fields, _ = person_fields()
        perpetrator = involve(incident, by=blaby, role="perpetrator", person_fields=other_fields)
        record_intervention(
            perpetrator,
            by=blaby,
            type=InterventionType.objects.filter(active=True).first(),
            issuing_organisation=blaby.organisation,
            status=Intervention.Status.PROPOSED,
        )
        also = involve(incident, by=blaby, role="perpetrator", person=person)
        record_intervention(
            also,
            by=blaby,
            type=InterventionType.objects.filter(active=True).first(),
            issuing_organisation=blaby.organisation,
            status=Intervention.Status.PROPOSED,
        )
        document = upload_document(
            incident,
            by=blaby,
            uploaded_file=SimpleUploadedFile("s.pdf", pdf_bytes()),
            kind=Document.Kind.STATEMENT,
        )
        record_statement(victim, by=blaby, taken=True, taken_on=TODAY, document=document)
        record_consent(
            person,
            incident,
            by=blaby,
            scope=Consent.Scope.PARTNER_SHARING,
            status=Consent.Status.GIVEN,
            decided_on=TODAY,
        )
        add_entry(incident, by=blaby, kind="note", text="Visited", occurred_at=timezone.now())
        record_assessment(
            incident,
            by=blaby,
            answers={q.pk: False for q in RiskQuestion.objects.filter(active=True)},
            involvement=victim,
        )
    return person


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_person_page_costs_the_same_queries_for_one_incident_or_three(
    client, partnership, users
):
    one = grow(partnership, users, 1)
    three = grow(partnership, users, 3)
    signed_in(client, users["rutland_admin"])
    client.get(reverse("subject-access"))  # the session and two-factor state are settled

    assert _queries(client, reverse("subject-access-person", args=[one.pk])) == _queries(
        client, reverse("subject-access-person", args=[three.pk])
    )
