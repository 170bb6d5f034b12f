"""The audit review withholds what an event is about from a reviewer who may not see it
(access/policy/audit_visibility.py): the record (an incident's URN, a person's number), the
justification and the details of each event are shown, on the page and in the CSV export,
only to a reviewer who may see the record; the time, actor, type and outcome always are.
A reviewer's own events are always shown in full, and narrowing the review to one record
does not tell a reviewer whether a record they may not see exists."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from access.policy import audit_visibility
from audit import registers
from audit.models import AuditEvent, Breach, Disclosure
from audit.queries import WITHHELD
from audit.services import record_event
from incidents.models import Incident
from people.models import Involvement, Person
from retention.models import ErasedIncident
from tests.incidents.factories import IncidentFactory

from .review_support import BLABY, RUTLAND, review, signed_in

Type = AuditEvent.Type
POLICE = "Leicestershire Police"


def export(client, **data) -> tuple[list[str], list[list[str]]]:
    response = review(client, reverse("audit-export"), **data)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return rows[1], rows[2:]


def exported(client, **data) -> dict[str, dict[str, str]]:
    """The CSV export as {sequence: {column label: value}}."""
    header, body = export(client, **data)
    return {row[header.index("Sequence")]: dict(zip(header, row, strict=True)) for row in body}


def rows_by_event(response) -> dict[int, dict]:
    return {row["event"].pk: row for row in response.context["rows"]}


def disclose(by, incident=None, **fields) -> Disclosure:
    values = {
        "disclosed_on": timezone.localdate(),
        "information": "Address history of the complainant",
        "subject": "Pat Example",
        "recipient": "Jo Recipient, housing officer",
        "recipient_organisation": "Longhouse Housing Association",
        "reason": Disclosure.Reason.SAFEGUARDING,
        "legal_gateway": Disclosure.Gateway.CDA_S115,
        "justification": "Pat Example is at risk at 12 Mill Lane",
        "authorised_by": "Jo Bloggs, data protection officer",
        **fields,
    }
    return registers.record_disclosure(by=by, incident=incident, **values)


@pytest.fixture
def people(make_user):
    return {
        "blaby_officer": make_user(BLABY, UserGroup.OPERATIONAL, username="blaby.officer"),
        "blaby_admin": make_user(BLABY, UserGroup.ADMINISTRATOR, username="blaby.admin"),
        "blaby_analyst": make_user(BLABY, UserGroup.ANALYST, username="blaby.analyst"),
        "rutland_officer": make_user(RUTLAND, UserGroup.OPERATIONAL, username="rutland.officer"),
        "police_admin": make_user(
            POLICE,
            UserGroup.ADMINISTRATOR,
            username="police.administrator",
            manages_all_organisations=True,
        ),
    }


@pytest.fixture
def cases(people, partnership):
    """A Blaby Confidential incident, an ordinary Blaby incident and a Rutland incident."""
    officer = people["blaby_officer"]
    return {
        "secret": IncidentFactory(
            created_by=officer,
            area=partnership.areas["Blaby"],
            marking=Incident.Marking.CONFIDENTIAL,
        ),
        "blaby": IncidentFactory(created_by=officer, area=partnership.areas["Blaby"]),
        "rutland": IncidentFactory(
            created_by=people["rutland_officer"], area=partnership.areas["Rutland"]
        ),
    }


# --- A deployment-wide administrator and another organisation's Confidential incident -------


@pytest.fixture
def confidential_trail(client, people, cases):
    """What Blaby did about its Confidential incident, and about an ordinary one."""
    officer, admin = people["blaby_officer"], people["blaby_admin"]
    secret, ordinary = cases["secret"], cases["blaby"]
    events = {
        "viewed": record_event(
            Type.INCIDENT_VIEWED,
            actor=officer,
            target=("incident", secret.urn),
            justification="Checking on the Mill Lane family",
            details={"path": f"/incidents/{secret.urn}/", "note": "secret-note"},
        ),
        # A part of the incident, named by its own number, with the URN in its details.
        "document": record_event(
            Type.ACCESS_DENIED,
            actor=officer,
            target=("document", 7),
            outcome=AuditEvent.Outcome.DENIED,
            details={"action": "view", "exists": True, "incident": secret.urn},
        ),
        "printed": record_event(
            Type.PRINTED,
            actor=officer,
            target=("incident", secret.urn),
            justification="Case conference at 12 Mill Lane",
        ),
        "ordinary": record_event(
            Type.INCIDENT_VIEWED,
            actor=officer,
            target=("incident", ordinary.urn),
            justification="Ordinary visit note",
            details={"path": f"/incidents/{ordinary.urn}/"},
        ),
    }
    # The Blaby administrator discloses from it and reviews the trail of its URN: both
    # events name the URN in their details.
    events["disclosure"] = AuditEvent.objects.get(
        target_type="disclosure", target_id=str(disclose(admin, incident=secret).pk)
    )
    signed_in(client, admin)
    assert review(client, target_type="incident", target_id=secret.urn).status_code == 200
    events["review"] = AuditEvent.objects.get(event_type=Type.AUDIT_REVIEWED, actor=admin)
    client.logout()
    return events


SECRETS = [
    "Checking on the Mill Lane family",
    "secret-note",
    "Case conference at 12 Mill Lane",
    "Pat Example is at risk at 12 Mill Lane",
    "Jo Recipient",
]


def test_a_deployment_wide_administrator_sees_no_urn_or_free_text_of_a_confidential_incident(
    client, people, cases, confidential_trail
):
    signed_in(client, people["police_admin"])
    response = review(client)

    page = response.content.decode()
    assert cases["secret"].urn not in page
    for secret in SECRETS:
        assert secret not in page
    # Each event is still listed, with its time, actor, type and outcome ...
    rows = rows_by_event(response)
    withheld = ["viewed", "document", "printed", "disclosure", "review"]
    for name in withheld:
        assert confidential_trail[name].pk in rows, name
        assert rows[confidential_trail[name].pk]["withheld"] == WITHHELD
    assert rows[confidential_trail["viewed"].pk]["record"] == "Incident (withheld)"
    assert rows[confidential_trail["document"].pk]["record"] == "Document (withheld)"
    assert "Incident viewed" in page and "blaby.officer" in page
    assert page.count(WITHHELD) == len(withheld)
    # ... and what is about an incident they may view is shown in full.
    assert cases["blaby"].urn in page
    assert "Ordinary visit note" in page
    assert rows[confidential_trail["ordinary"].pk]["withheld"] == ""


def test_the_export_withholds_the_same_from_a_deployment_wide_administrator(
    client, people, cases, confidential_trail
):
    signed_in(client, people["police_admin"])
    _header, body = export(client)

    text = "\n".join(",".join(row) for row in body)
    assert cases["secret"].urn not in text
    for secret in SECRETS:
        assert secret not in text
    rows = exported(client)
    viewed = rows[str(confidential_trail["viewed"].sequence)]
    assert viewed["Username"] == "blaby.officer"
    assert viewed["Event"] == "Incident viewed"
    assert viewed["Record kind"] == "incident"
    assert viewed["Record"] == viewed["Justification"] == viewed["Details"] == WITHHELD
    for name in ("document", "printed", "disclosure", "review"):
        assert rows[str(confidential_trail[name].sequence)]["Details"] == WITHHELD, name
    ordinary = rows[str(confidential_trail["ordinary"].sequence)]
    assert ordinary["Record"] == cases["blaby"].urn
    assert ordinary["Justification"] == "Ordinary visit note"
    assert cases["blaby"].urn in ordinary["Details"]


def test_a_deployment_wide_administrator_sees_their_own_events_in_full(
    client, people, cases, confidential_trail
):
    police = people["police_admin"]
    own = record_event(
        Type.ACCESS_DENIED,
        actor=police,
        target=("incident", cases["secret"].urn),
        outcome=AuditEvent.Outcome.DENIED,
        justification="Tried the reference from a phone call",
    )
    signed_in(client, police)

    row = rows_by_event(review(client))[own.pk]
    csv_row = exported(client)[str(own.sequence)]

    assert row["record"] == f"Incident {cases['secret'].urn}"
    assert row["justification"] == "Tried the reference from a phone call"
    assert csv_row["Record"] == cases["secret"].urn
    assert csv_row["Justification"] == "Tried the reference from a phone call"


def test_an_administrator_who_may_see_the_record_sees_everything(
    client, people, cases, confidential_trail
):
    signed_in(client, people["blaby_admin"])
    response = review(client)
    page = response.content.decode()

    assert cases["secret"].urn in page
    for secret in SECRETS[:3]:  # the officer's events
        assert secret in page
    rows = rows_by_event(response)
    for name in ("viewed", "document", "printed", "ordinary"):
        assert rows[confidential_trail[name].pk]["withheld"] == "", name
    assert rows[confidential_trail["viewed"].pk]["record"] == f"Incident {cases['secret'].urn}"
    csv_rows = exported(client)
    disclosure = csv_rows[str(confidential_trail["disclosure"].sequence)]
    # The disclosure's reason and gateway (what was typed stays in the register entry).
    assert disclosure["Justification"] == (
        "Safeguarding a child or vulnerable adult; Crime and Disorder Act 1998, section 115"
    )
    assert cases["secret"].urn in disclosure["Details"]
    viewed = csv_rows[str(confidential_trail["viewed"].sequence)]
    assert viewed["Record"] == cases["secret"].urn
    assert "secret-note" in viewed["Details"]


# --- Narrowing the review to one record --------------------------------------------------------


def test_narrowing_to_a_record_does_not_tell_whether_it_exists(
    client, people, cases, confidential_trail
):
    signed_in(client, people["police_admin"])

    secret = review(client, target_type="incident", target_id=cases["secret"].urn)
    missing = review(client, target_type="incident", target_id="ASB-1999-999999")
    visible = review(client, target_type="incident", target_id=cases["blaby"].urn)
    _header, secret_export = export(client, target_type="incident", target_id=cases["secret"].urn)

    # Events about the Confidential incident exist, but the answer is that of a missing one.
    assert secret.context["page"].paginator.count == 0
    assert missing.context["page"].paginator.count == 0
    assert secret.context["summary"] == missing.context["summary"] == []
    assert secret_export == []
    assert visible.context["page"].paginator.count == 1


def test_narrowing_to_a_record_still_shows_the_reviewers_own_events(client, people, cases):
    police = people["police_admin"]
    own = record_event(Type.ACCESS_DENIED, actor=police, target=("incident", cases["secret"].urn))
    signed_in(client, police)
    response = review(client, target_type="incident", target_id=cases["secret"].urn)
    assert [row["event"] for row in response.context["rows"]] == [own]


# --- An analyst and their colleagues' events -----------------------------------------------------


def test_an_analyst_sees_no_free_text_about_records_they_may_not_see_but_sees_their_own(
    client, people, cases
):
    analyst, officer = people["blaby_analyst"], people["blaby_officer"]
    # The Blaby administrator records a disclosure (the register is administrators' only).
    disclosure = AuditEvent.objects.get(
        target_type="disclosure", target_id=str(disclose(people["blaby_admin"]).pk)
    )
    # A Blaby officer looks at a Rutland case, and at a Blaby one.
    rutland = record_event(
        Type.INCIDENT_VIEWED,
        actor=officer,
        target=("incident", cases["rutland"].urn),
        justification="Neighbour dispute at 3 Oak Road",
    )
    blaby = record_event(
        Type.INCIDENT_VIEWED,
        actor=officer,
        target=("incident", cases["blaby"].urn),
        justification="Blaby follow-up call",
    )
    # The analyst's own events, one about a record they may not see.
    own_search = record_event(Type.SEARCH, actor=analyst, justification="Monthly hotspot review")
    own_denied = record_event(
        Type.ACCESS_DENIED,
        actor=analyst,
        target=("incident", cases["rutland"].urn),
        outcome=AuditEvent.Outcome.DENIED,
        justification="Followed a link from an e-mail",
    )
    signed_in(client, analyst)

    response = review(client)
    page = response.content.decode()
    rows = rows_by_event(response)
    csv_rows = exported(client)

    for text in ("Pat Example is at risk", "Jo Recipient", "Neighbour dispute at 3 Oak Road"):
        assert text not in page
        assert not any(text in value for row in csv_rows.values() for value in row.values())
    assert rows[disclosure.pk]["record"] == "Disclosure (withheld)"
    assert rows[rutland.pk]["record"] == "Incident (withheld)"
    assert csv_rows[str(disclosure.sequence)]["Justification"] == WITHHELD
    assert csv_rows[str(rutland.sequence)]["Record"] == WITHHELD
    # What they may see, and what they did themselves, in full.
    assert "Blaby follow-up call" in page
    assert "Monthly hotspot review" in page
    assert "Followed a link from an e-mail" in page
    assert rows[own_denied.pk]["record"] == f"Incident {cases['rutland'].urn}"
    assert csv_rows[str(own_denied.sequence)]["Record"] == cases["rutland"].urn
    assert csv_rows[str(own_search.sequence)]["Justification"] == "Monthly hotspot review"
    assert csv_rows[str(blaby.sequence)]["Justification"] == "Blaby follow-up call"


# --- The rule, kind by kind ----------------------------------------------------------------------


def test_the_rule_for_each_kind_of_record(people, cases, partnership, make_user):
    officer, analyst = people["blaby_officer"], people["blaby_analyst"]
    admin, police = people["blaby_admin"], people["police_admin"]
    seen = Person.objects.create(given_name="Sam", family_name="Hill", created_by=officer)
    Involvement.objects.create(
        incident=cases["blaby"], person=seen, role=Involvement.Role.VICTIM, created_by=officer
    )
    unseen = Person.objects.create(given_name="Lee", family_name="Dale", created_by=officer)
    Involvement.objects.create(
        incident=cases["rutland"], person=unseen, role=Involvement.Role.VICTIM, created_by=officer
    )
    merged = Person.objects.create(
        given_name="Sam", family_name="Hill", created_by=officer, merged_into=seen
    )
    breach = Breach.objects.create(
        organisation=admin.organisation,
        category=Breach.Category.UNAUTHORISED_USE,
        discovered_on=timezone.localdate(),
        description="A shared password",
        recorded_by=admin,
    )
    rutland_user = people["rutland_officer"]
    erased = ErasedIncident.objects.create(
        urn="ASB-2020-000001",
        lead_organisation=admin.organisation,
        created_at=timezone.now(),
        decided=ErasedIncident.DecidedBy.SWEEP,
        erased_at=timezone.now(),
    )

    def event(target=None, **details):
        return record_event(Type.INCIDENT_UPDATED, actor=officer, target=target, details=details)

    expected = {  # event -> does the Blaby analyst see its record?
        event(): True,
        event(("person", "")): True,  # a search of people names no record
        event(("audit", "")): True,
        event(("report", 12)): True,
        event(("organisation", admin.organisation_id)): True,
        event(("pen-codes", 3)): True,  # reference data
        event(("incident", cases["blaby"].urn)): True,
        event(("incident", cases["secret"].urn)): True,  # Blaby leads it
        event(("incident", cases["rutland"].urn)): False,
        event(("incident", "ASB-1999-000001")): False,  # no such incident
        event(("incident", erased.urn)): True,  # erased, led by Blaby
        event(("person", seen.pk)): True,
        event(("person", merged.pk)): True,  # merged into someone they see
        event(("person", unseen.pk)): False,
        event(("person", "Smith")): False,
        event(("person", seen.pk), incident=cases["rutland"].urn): False,
        # A subject-access export lists the incidents it covered.
        event(("person", seen.pk), incidents=[cases["blaby"].urn, cases["secret"].urn]): True,
        event(("person", seen.pk), incidents=[cases["blaby"].urn, cases["rutland"].urn]): False,
        event(("user", officer.pk)): True,
        event(("user", analyst.pk)): True,
        event(("user", rutland_user.pk)): False,
        event(("breach", breach.pk)): False,  # the registers are administrators'
        event(("document", 7), incident=cases["blaby"].urn): True,
        event(("document", 7), incident=cases["rutland"].urn): False,
        event(("task", 7)): False,  # names no incident
        event(("something_new", 1)): False,
        event(("audit", ""), filters={"target_type": "incident", "target_id": ""}): True,
        event(("audit", ""), filters={"target_type": "person", "target_id": str(seen.pk)}): True,
        event(
            ("audit", ""), filters={"target_type": "person", "target_id": str(unseen.pk)}
        ): False,
    }
    own = record_event(Type.INCIDENT_VIEWED, actor=analyst, target=("person", unseen.pk))

    visible = audit_visibility.visible_event_targets(analyst, [*expected, own])

    assert {e.pk: e.pk in visible for e in expected} == {e.pk: v for e, v in expected.items()}
    assert own.pk in visible
    # The administrator keeps the breach register; the deployment-wide administrator sees
    # every user and the Rutland case, but not Blaby's Confidential one.
    breach_event = next(e for e in expected if e.target_type == "breach")
    assert breach_event.pk in audit_visibility.visible_event_targets(admin, [breach_event])
    by_target = {(e.target_type, e.target_id): e for e in expected if not e.details}
    police_sees = audit_visibility.visible_event_targets(police, list(by_target.values()))
    assert by_target[("user", str(rutland_user.pk))].pk in police_sees
    assert by_target[("incident", cases["rutland"].urn)].pk in police_sees
    assert by_target[("incident", cases["secret"].urn)].pk not in police_sees
    assert by_target[("incident", erased.urn)].pk not in police_sees
    listing = [e for e in expected if "incidents" in e.details]
    assert audit_visibility.visible_event_targets(police, listing) == {listing[1].pk}
    assert audit_visibility.visible_event_targets(analyst, []) == set()


# --- Query counts --------------------------------------------------------------------------------


def _mixed_events(people, cases, count: int) -> None:
    officer, admin = people["blaby_officer"], people["blaby_admin"]
    kinds = [
        lambda i: {"target": ("incident", cases["secret"].urn), "justification": f"s{i}"},
        lambda i: {"target": ("incident", cases["blaby"].urn), "justification": f"b{i}"},
        lambda i: {"target": ("person", 1000 + i)},
        lambda i: {"target": ("document", i), "details": {"incident": cases["secret"].urn}},
        lambda i: {"target": ("user", officer.pk)},
        lambda i: {"target": ("disclosure", i)},
        lambda i: {"details": {"filters": {"target_type": "incident", "target_id": "X"}}},
    ]
    for index in range(count):
        actor = admin if index % 2 else officer
        record_event(Type.INCIDENT_VIEWED, actor=actor, **kinds[index % len(kinds)](index))


def _queries(do) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = do()
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("reviewer", ["police_admin", "blaby_analyst", "blaby_admin"])
def test_the_page_and_export_make_the_same_queries_for_5_events_or_25(
    client, people, cases, reviewer
):
    signed_in(client, people[reviewer])
    filters = {"event_types": [Type.INCIDENT_VIEWED]}
    _mixed_events(people, cases, 5)
    page_5 = _queries(lambda: review(client, **filters))
    export_5 = _queries(lambda: review(client, reverse("audit-export"), **filters))
    _mixed_events(people, cases, 20)
    page_25 = _queries(lambda: review(client, **filters))
    export_25 = _queries(lambda: review(client, reverse("audit-export"), **filters))

    response = review(client, **filters)
    assert len(response.context["rows"]) == 25
    shown = [bool(row["withheld"]) for row in response.context["rows"]]
    assert any(shown) and not all(shown)
    assert page_5 == page_25
    assert export_5 == export_25


def test_the_export_decides_a_batch_at_a_time(client, people, cases, monkeypatch):
    from audit.views import review as review_views

    monkeypatch.setattr(review_views, "EXPORT_BATCH", 10)
    decided = []
    original = audit_visibility.visible_event_targets

    def counting(reviewer, events):
        decided.append(len(events))
        return original(reviewer, events)

    monkeypatch.setattr(audit_visibility, "visible_event_targets", counting)
    _mixed_events(people, cases, 25)
    signed_in(client, people["police_admin"])

    _header, body = export(client, event_types=[Type.INCIDENT_VIEWED])

    assert len(body) == 25
    assert decided == [10, 10, 5]
    assert sum(row.count(WITHHELD) for row in body) > 0
