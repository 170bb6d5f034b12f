"""The disclosure (SPEC A5) and breach (A6) registers: administrators only, their own
organisation's entries (every organisation's for a deployment-wide administrator), recorded
and updated through services with their audit events, field-level errors that keep what was
typed, a stale breach update refused, and the disclosure report's counts."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from faker import Faker

from access.models import UserGroup
from audit import registers
from audit.models import AuditEvent, Breach, Disclosure
from incidents.models import Incident
from incidents.services import log_complaint

from .review_support import BLABY, GROUP_IDS, GROUPS, HOST, RUTLAND, make_group_user, signed_in

Type = AuditEvent.Type
Reason = Disclosure.Reason
Gateway = Disclosure.Gateway
fake = Faker("en_GB")
TODAY = timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def disclose(by, *, on=None, reason=Reason.CRIME, gateway=Gateway.CDA_S115, incident=None):
    return registers.record_disclosure(
        by=by,
        incident=incident,
        disclosed_on=on or days_ago(3),
        information=fake.sentence(),
        subject=fake.name(),
        recipient=f"{fake.name()}, case worker",
        recipient_organisation=fake.company(),
        reason=reason,
        legal_gateway=gateway,
        justification=fake.sentence(),
        authorised_by=f"{fake.name()}, information manager",
    )


def breach(by, organisation=None, **fields):
    values = {
        "category": Breach.Category.UNAUTHORISED_ACCESS,
        "discovered_on": days_ago(5),
        "description": fake.paragraph(),
        **fields,
    }
    return registers.record_breach(by=by, organisation=organisation or by.organisation, **values)


@pytest.fixture
def people(make_user):
    return {
        "blaby_admin": make_user(BLABY, UserGroup.ADMINISTRATOR, username="blaby.admin"),
        "blaby_officer": make_user(BLABY, UserGroup.OPERATIONAL, username="blaby.officer"),
        "rutland_admin": make_user(RUTLAND, UserGroup.ADMINISTRATOR, username="rutland.admin"),
        "host_admin": make_user(
            HOST, UserGroup.ADMINISTRATOR, username="host.admin", manages_all_organisations=True
        ),
    }


def disclosure_form(**changes) -> dict:
    return {
        "disclosed_on": days_ago(2).isoformat(),
        "information": "Address and dates of three incidents",
        "incident_urn": "",
        "subject": "Alex Example",
        "recipient": "Sam Carter, tenancy officer",
        "recipient_organisation": "Longhouse Housing Association",
        "reason": Reason.SAFEGUARDING,
        "legal_gateway": Gateway.CDA_S115,
        "justification": "Needed to protect a vulnerable tenant from repeated harassment",
        "authorised_by": "Jo Bloggs, data protection officer",
        **changes,
    }


def breach_form(**changes) -> dict:
    return {
        "organisation": "",
        "category": Breach.Category.LOSS_OR_THEFT,
        "occurred_on": days_ago(4).isoformat(),
        "discovered_on": days_ago(3).isoformat(),
        "description": "A printed case summary was left on a train",
        "records_affected": "One case summary",
        "reported_to": "The chair of the control group",
        "commissioner_notified_on": "",
        **changes,
    }


# --- Who may use the pages -----------------------------------------------------------------------


@pytest.mark.parametrize(("label", "group", "everywhere"), GROUPS, ids=GROUP_IDS)
def test_every_group_gets_the_register_pages_or_not_found(
    client, make_user, people, label, group, everywhere
):
    disclosure = disclose(people["blaby_admin"])
    entry = breach(people["blaby_admin"])
    user = make_group_user(make_user, BLABY, group, everywhere)
    signed_in(client, user)
    expected = 200 if label in {"administrator", "deployment-wide administrator"} else 404

    for url in (
        reverse("disclosures"),
        reverse("disclosure-add"),
        reverse("disclosure-detail", args=[disclosure.pk]),
        reverse("disclosure-report"),
        reverse("disclosure-report-csv"),
        reverse("breaches"),
        reverse("breach-add"),
        reverse("breach-detail", args=[entry.pk]),
        reverse("breach-edit", args=[entry.pk]),
    ):
        assert client.get(url).status_code == expected, url
    # Nothing can be recorded by those who may not keep the registers.
    posted = client.post(reverse("disclosure-add"), disclosure_form())
    assert posted.status_code == (302 if expected == 200 else 404)
    assert Disclosure.objects.count() == (2 if expected == 200 else 1)


def test_an_administrator_cannot_see_another_organisations_entries(client, people):
    ours, theirs = disclose(people["blaby_admin"]), disclose(people["rutland_admin"])
    our_breach, their_breach = breach(people["blaby_admin"]), breach(people["rutland_admin"])
    signed_in(client, people["blaby_admin"])

    for name, pk in (
        ("disclosure-detail", theirs.pk),
        ("breach-detail", their_breach.pk),
        ("breach-edit", their_breach.pk),
        ("disclosure-detail", 999999),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404
    listed = client.get(reverse("disclosures")).context["page"].object_list
    assert list(listed) == [ours]
    assert list(client.get(reverse("breaches")).context["page"].object_list) == [our_breach]
    # A forged update of another organisation's breach changes nothing.
    response = client.post(
        reverse("breach-edit", args=[their_breach.pk]),
        {"version": "1", "status": Breach.Status.CLOSED, "outcome": "Closed by someone else"},
    )
    assert response.status_code == 404
    their_breach.refresh_from_db()
    assert their_breach.status == Breach.Status.OPEN
    denied = AuditEvent.objects.filter(event_type=Type.ACCESS_DENIED).order_by("id")
    assert [(e.target_type, e.target_id) for e in denied] == [
        ("disclosure", str(theirs.pk)),
        ("breach", str(their_breach.pk)),
        ("breach", str(their_breach.pk)),
        ("disclosure", "999999"),
        ("breach", str(their_breach.pk)),
    ]


def test_a_deployment_wide_administrator_sees_every_organisations_entries(client, people):
    ours, theirs = disclose(people["blaby_admin"]), disclose(people["rutland_admin"])
    their_breach = breach(people["rutland_admin"])
    signed_in(client, people["host_admin"])

    assert set(client.get(reverse("disclosures")).context["page"].object_list) == {ours, theirs}
    detail = client.get(reverse("disclosure-detail", args=[theirs.pk]))
    assert detail.status_code == 200
    assert "Rutland County Council" in detail.content.decode()
    assert client.get(reverse("breach-detail", args=[their_breach.pk])).status_code == 200


# --- Disclosures ---------------------------------------------------------------------------------


def test_an_administrator_records_a_disclosure(client, people, partnership):
    admin = people["blaby_admin"]
    incident = log_complaint(
        by=people["blaby_officer"],
        area=partnership.areas["Blaby"],
        description="Repeated harassment of a tenant",
        received_at=timezone.now(),
    )
    signed_in(client, admin)

    response = client.post(
        reverse("disclosure-add"),
        disclosure_form(incident_urn=f" {incident.urn.lower()} "),
        REMOTE_ADDR="192.0.2.44",
    )

    disclosure = Disclosure.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("disclosure-detail", args=[disclosure.pk])
    assert disclosure.organisation == admin.organisation
    assert disclosure.recorded_by == admin
    assert disclosure.incident == incident and disclosure.incident_urn == incident.urn
    assert disclosure.reason == Reason.SAFEGUARDING
    assert disclosure.recipient_organisation == "Longhouse Housing Association"
    assert disclosure.history.get().history_user == admin
    event = AuditEvent.objects.get(event_type=Type.DISCLOSURE_RECORDED)
    assert event.actor == admin and event.organisation == admin.organisation
    assert (event.target_type, event.target_id) == ("disclosure", str(disclosure.pk))
    # The reason and gateway chosen, never the text typed: the audit log outlives the entry.
    assert event.justification == (
        "Safeguarding a child or vulnerable adult; Crime and Disorder Act 1998, section 115"
    )
    assert event.ip_address == "192.0.2.44"
    assert "Sam Carter" not in str(event.details) and "Longhouse" not in str(event.details)
    assert event.details["incident"] == incident.urn
    assert (event.details["reason"], event.details["legal_gateway"]) == (
        "safeguarding",
        "cda_s115",
    )
    # Linking the incident is not reading it.
    assert not AuditEvent.objects.filter(
        event_type__in=[Type.INCIDENT_VIEWED, Type.ACCESS_DENIED]
    ).exists()

    page = client.get(response["Location"])
    assert "Longhouse Housing Association" in page.content.decode()
    viewed = AuditEvent.objects.get(event_type=Type.REGISTER_VIEWED, target_id=str(disclosure.pk))
    assert viewed.target_type == "disclosure" and viewed.actor == admin


def test_an_incident_the_administrator_cannot_see_is_refused(
    client, people, partnership, make_user
):
    rutland_officer = make_user(RUTLAND, UserGroup.OPERATIONAL)
    elsewhere = log_complaint(
        by=rutland_officer,
        area=partnership.areas["Rutland"],
        description="Elsewhere",
        received_at=timezone.now(),
        marking=Incident.Marking.CONFIDENTIAL,
    )
    signed_in(client, people["blaby_admin"])

    for reference in (elsewhere.urn, "ASB-1999-000000"):
        response = client.post(reverse("disclosure-add"), disclosure_form(incident_urn=reference))
        assert response.status_code == 200
        assert response.context["form"].errors["incident_urn"] == [
            "Enter the reference of an incident you can see."
        ]
        page = response.content.decode()
        assert f'value="{reference}"' in page
        assert "Longhouse Housing Association" in page  # everything typed is kept
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(
        event_type__in=[Type.DISCLOSURE_RECORDED, Type.ACCESS_DENIED, Type.INCIDENT_VIEWED]
    ).exists()


def test_missing_and_wrong_disclosure_fields_are_shown_field_by_field(client, people):
    signed_in(client, people["blaby_admin"])
    response = client.post(
        reverse("disclosure-add"),
        disclosure_form(
            disclosed_on=(TODAY + datetime.timedelta(days=2)).isoformat(),
            recipient="",
            reason="",
            legal_gateway="not-a-gateway",
            justification="",
        ),
    )
    errors = response.context["form"].errors
    assert errors["disclosed_on"] == ["The date disclosed must be today or in the past."]
    assert errors["recipient"] == ["Enter who the information was disclosed to."]
    assert errors["reason"] == ["Choose the reason for the disclosure."]
    assert errors["legal_gateway"] == ["Choose the legal gateway for the disclosure."]
    assert errors["justification"] == ["Enter the justification for the disclosure."]
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Address and dates of three incidents" in page
    assert 'value="Jo Bloggs, data protection officer"' in page
    assert not Disclosure.objects.exists()


def test_a_disclosure_cannot_be_changed_once_recorded(client, people):
    disclosure = disclose(people["blaby_admin"])
    signed_in(client, people["blaby_admin"])
    response = client.post(
        reverse("disclosure-detail", args=[disclosure.pk]), {"recipient": "Someone else"}
    )
    assert response.status_code in (404, 405)
    page = client.get(reverse("disclosure-detail", args=[disclosure.pk])).content.decode()
    assert "Change" not in page and "Edit" not in page


def test_the_disclosure_list_is_filtered_by_period(client, people):
    admin = people["blaby_admin"]
    recent, older = disclose(admin, on=days_ago(5)), disclose(admin, on=days_ago(50))
    signed_in(client, admin)

    response = client.get(
        reverse("disclosures"),
        {"date_from": days_ago(10).isoformat(), "date_to": TODAY.isoformat()},
    )

    assert list(response.context["page"].object_list) == [recent]
    assert older not in response.context["page"].object_list
    event = AuditEvent.objects.get(event_type=Type.REGISTER_VIEWED)
    assert (event.target_type, event.target_id) == ("disclosure", "")
    assert event.details["from"] == days_ago(10).isoformat() and event.details["row_count"] == 1


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("viewer", ["blaby_admin", "host_admin"])
def test_register_lists_and_details_make_the_same_queries_for_one_row_or_many(
    client, people, viewer
):
    admin = people["blaby_admin"]
    signed_in(client, people[viewer])
    first_disclosure, first_breach = disclose(admin), breach(admin)
    counts = {
        "disclosures": _list_queries(client, reverse("disclosures")),
        "breaches": _list_queries(client, reverse("breaches")),
        "report": _list_queries(client, reverse("disclosure-report")),
        "breach": _list_queries(client, reverse("breach-detail", args=[first_breach.pk])),
        "disclosure": _list_queries(
            client, reverse("disclosure-detail", args=[first_disclosure.pk])
        ),
    }
    for index in range(12):
        disclose(people["rutland_admin"] if index % 2 else admin, reason=Reason.values[index % 7])
        breach(people["rutland_admin"] if index % 2 else admin)
    registers.update_breach(
        first_breach, by=admin, expected_version=1, status=Breach.Status.INVESTIGATING
    )
    assert counts == {
        "disclosures": _list_queries(client, reverse("disclosures")),
        "breaches": _list_queries(client, reverse("breaches")),
        "report": _list_queries(client, reverse("disclosure-report")),
        "breach": _list_queries(client, reverse("breach-detail", args=[first_breach.pk])),
        "disclosure": _list_queries(
            client, reverse("disclosure-detail", args=[first_disclosure.pk])
        ),
    }


# --- The disclosure report -----------------------------------------------------------------------


@pytest.fixture
def disclosures(people):
    """Hand-made: Blaby 3 crime (2 under s115, 1 DPA), 1 safeguarding; Rutland 2 crime;
    one Blaby disclosure outside the period."""
    blaby, rutland = people["blaby_admin"], people["rutland_admin"]
    disclose(blaby, reason=Reason.CRIME, gateway=Gateway.CDA_S115)
    disclose(blaby, reason=Reason.CRIME, gateway=Gateway.CDA_S115)
    disclose(blaby, reason=Reason.CRIME, gateway=Gateway.DPA_CRIME)
    disclose(blaby, reason=Reason.SAFEGUARDING, gateway=Gateway.CHILDREN_ACT)
    disclose(rutland, reason=Reason.CRIME, gateway=Gateway.CDA_S115)
    disclose(rutland, reason=Reason.CRIME, gateway=Gateway.COMMON_LAW_POLICING)
    disclose(blaby, reason=Reason.REGULATOR, gateway=Gateway.OTHER, on=days_ago(400))


PERIOD = {"date_from": days_ago(30).isoformat(), "date_to": TODAY.isoformat()}


def _row(table, label):
    return next(row for row in table.rows if row["label"] == label)


def test_the_report_counts_disclosures_by_organisation_and_reason(client, people, disclosures):
    signed_in(client, people["host_admin"])
    response = client.get(reverse("disclosure-report"), PERIOD)

    by_reason, by_gateway = response.context["tables"]
    assert by_reason.organisations == [BLABY, RUTLAND]
    assert _row(by_reason, Reason.CRIME.label)["counts"] == [3, 2]
    assert _row(by_reason, Reason.CRIME.label)["total"] == 5
    assert _row(by_reason, Reason.SAFEGUARDING.label)["counts"] == [1, 0]
    assert _row(by_reason, Reason.REGULATOR.label)["total"] == 0  # outside the period
    assert by_reason.totals == [4, 2] and by_reason.total == 6
    assert _row(by_gateway, Gateway.CDA_S115.label)["counts"] == [2, 1]
    assert _row(by_gateway, Gateway.COMMON_LAW_POLICING.label)["counts"] == [0, 1]
    assert by_gateway.total == 6
    assert "6 disclosures in the period." in response.content.decode()

    event = AuditEvent.objects.get(event_type=Type.DISCLOSURE_REPORTED)
    assert event.actor == people["host_admin"]
    assert event.organisation == people["host_admin"].organisation
    assert event.target_type == "disclosure_report"
    assert event.details == {
        "from": PERIOD["date_from"],
        "to": PERIOD["date_to"],
        "format": "page",
        "disclosures": 6,
        "organisations": 2,
    }


def test_an_administrator_of_one_organisation_reports_on_it_alone(client, people, disclosures):
    signed_in(client, people["rutland_admin"])
    by_reason, _by_gateway = client.get(reverse("disclosure-report"), PERIOD).context["tables"]
    assert by_reason.organisations == [RUTLAND]
    assert _row(by_reason, Reason.CRIME.label)["counts"] == [2]
    assert by_reason.total == 2


def test_the_report_defaults_to_the_last_twelve_months(client, people, disclosures):
    signed_in(client, people["blaby_admin"])
    by_reason, _ = client.get(reverse("disclosure-report")).context["tables"]
    assert by_reason.total == 4  # the disclosure of 400 days ago is left out


def test_the_report_downloads_as_csv(client, people, disclosures):
    signed_in(client, people["host_admin"])
    response = client.get(reverse("disclosure-report-csv"), PERIOD)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[1], rows[2:]
    assert header == ["Organisation", "Counted by", "Reason or legal gateway", "Disclosures"]
    assert [BLABY, "reason", Reason.CRIME.label, "3"] in body
    assert [RUTLAND, "reason", Reason.CRIME.label, "2"] in body
    assert ["All organisations", "reason", Reason.CRIME.label, "5"] in body
    assert [BLABY, "legal gateway", Gateway.CDA_S115.label, "2"] in body
    assert ["All organisations", "reason", "All", "6"] in body
    assert not any(row[2] == Reason.REGULATOR.label for row in body)
    event = AuditEvent.objects.get(event_type=Type.DISCLOSURE_REPORTED)
    assert event.details["format"] == "csv" and event.details["disclosures"] == 6


def test_a_bad_report_period_is_shown_on_the_report_page(client, people):
    signed_in(client, people["blaby_admin"])
    response = client.get(
        reverse("disclosure-report"), {"date_from": "2026-05-10", "date_to": "2026-05-01"}
    )
    assert response.context["form"].errors["date_to"] == [
        "The end date must be the same as or after the start."
    ]
    assert "tables" not in response.context
    download = client.get(reverse("disclosure-report-csv"), {"date_from": "soon"})
    assert download.status_code == 302
    assert not AuditEvent.objects.filter(event_type=Type.DISCLOSURE_REPORTED).exists()


# --- Breaches ------------------------------------------------------------------------------------


def test_an_administrator_records_a_breach_for_their_organisation(client, people):
    admin = people["blaby_admin"]
    signed_in(client, admin)

    response = client.post(reverse("breach-add"), breach_form())

    entry = Breach.objects.get()
    assert response["Location"] == reverse("breach-detail", args=[entry.pk])
    assert entry.organisation == admin.organisation and entry.recorded_by == admin
    assert entry.status == Breach.Status.OPEN and entry.version == 1
    event = AuditEvent.objects.get(event_type=Type.BREACH_RECORDED)
    assert event.actor == admin and event.organisation == admin.organisation
    assert (event.target_type, event.target_id) == ("breach", str(entry.pk))
    assert event.details["category"] == Breach.Category.LOSS_OR_THEFT
    assert event.details["organisation"] == admin.organisation_id


def test_an_administrator_of_one_organisation_cannot_record_for_another(
    client, people, partnership
):
    signed_in(client, people["blaby_admin"])
    rutland = partnership.organisations[RUTLAND]
    response = client.post(reverse("breach-add"), breach_form(organisation=str(rutland.pk)))
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Breach.objects.exists()


def test_a_deployment_wide_administrator_records_a_breach_for_any_partner(
    client, people, partnership
):
    signed_in(client, people["host_admin"])
    rutland = partnership.organisations[RUTLAND]
    missing = client.post(reverse("breach-add"), breach_form())
    assert missing.context["form"].errors["organisation"] == [
        "Choose the organisation the breach concerns."
    ]
    client.post(reverse("breach-add"), breach_form(organisation=str(rutland.pk)))
    assert Breach.objects.get().organisation == rutland


def test_breach_dates_are_checked_field_by_field(client, people):
    signed_in(client, people["blaby_admin"])
    response = client.post(
        reverse("breach-add"),
        breach_form(
            occurred_on=days_ago(1).isoformat(),
            discovered_on=days_ago(3).isoformat(),
            commissioner_notified_on=(TODAY + datetime.timedelta(days=1)).isoformat(),
            description="",
        ),
    )
    errors = response.context["form"].errors
    assert errors["occurred_on"] == [
        "The date it happened must be the same as or before the date it was discovered."
    ]
    assert errors["commissioner_notified_on"] == ["The date must be today or in the past."]
    assert errors["description"] == ["Enter what happened."]
    assert "One case summary" in response.content.decode()
    assert not Breach.objects.exists()


def edit_form(entry, **changes) -> dict:
    return {
        "version": str(entry.version),
        "status": entry.status,
        "investigation": entry.investigation,
        "outcome": entry.outcome,
        "commissioner_notified_on": "",
        "closed_on": "",
        **changes,
    }


def test_the_investigation_is_updated_and_its_history_shown(client, people):
    admin = people["blaby_admin"]
    entry = breach(admin)
    signed_in(client, admin)

    response = client.post(
        reverse("breach-edit", args=[entry.pk]),
        edit_form(
            entry,
            status=Breach.Status.INVESTIGATING,
            investigation="Interviewed the officer concerned",
        ),
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == Breach.Status.INVESTIGATING and entry.version == 2
    event = AuditEvent.objects.get(event_type=Type.BREACH_UPDATED)
    assert event.actor == admin and event.organisation == admin.organisation
    assert (event.target_type, event.target_id) == ("breach", str(entry.pk))
    assert event.details == {
        "fields": ["investigation", "status"],
        "status": "investigating",
        "version": 2,
    }
    page = client.get(reverse("breach-detail", args=[entry.pk])).content.decode()
    assert "Interviewed the officer concerned" in page
    history = client.get(reverse("breach-detail", args=[entry.pk])).context["entries"]
    assert history[0].action == "Changed" and history[0].who == str(admin)
    assert ("investigation", "(blank)", "Interviewed the officer concerned") in [
        (name, old, new) for name, old, new in history[0].changes
    ]
    assert history[-1].action == "Created"


def test_closing_a_breach_needs_an_outcome_and_dates_it_today(client, people):
    admin = people["blaby_admin"]
    entry = breach(admin)
    signed_in(client, admin)
    url = reverse("breach-edit", args=[entry.pk])

    refused = client.post(
        url, edit_form(entry, status=Breach.Status.CLOSED, investigation="Typed and kept")
    )
    assert refused.context["form"].errors["outcome"] == [
        "Enter the outcome before closing the breach."
    ]
    assert "Typed and kept" in refused.content.decode()
    dated_open = client.post(url, edit_form(entry, closed_on=TODAY.isoformat()))
    assert dated_open.context["form"].errors["closed_on"] == [
        "Leave the date closed blank unless the breach is closed."
    ]
    entry.refresh_from_db()
    assert entry.status == Breach.Status.OPEN and entry.version == 1

    client.post(url, edit_form(entry, status=Breach.Status.CLOSED, outcome="Retrained"))
    entry.refresh_from_db()
    assert entry.status == Breach.Status.CLOSED and entry.closed_on == TODAY


def test_a_stale_update_is_refused_with_what_changed_and_nothing_typed_lost(
    client, people, make_user
):
    admin = people["blaby_admin"]
    colleague = make_user(BLABY, UserGroup.ADMINISTRATOR, username="other.admin")
    entry = breach(admin)
    signed_in(client, admin)
    url = reverse("breach-edit", args=[entry.pk])
    opened = client.get(url).context["form"].initial["version"]

    # A colleague saves first.
    registers.update_breach(
        entry,
        by=colleague,
        expected_version=1,
        status=Breach.Status.INVESTIGATING,
        investigation="Logs requested from the supplier",
    )
    response = client.post(
        url,
        edit_form(
            entry,
            version=str(opened),
            status=Breach.Status.CLOSED,
            outcome="My outcome, typed before theirs",
        ),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else updated this breach while you were editing it" in page
    assert "Logs requested from the supplier" in page  # what they changed
    assert "My outcome, typed before theirs" in page  # what was typed
    assert response.context["form"].data["version"] == "2"
    entry.refresh_from_db()
    assert entry.status == Breach.Status.INVESTIGATING and entry.outcome == ""
    refused = AuditEvent.objects.get(event_type=Type.BREACH_UPDATED, actor=admin)
    assert refused.outcome == AuditEvent.Outcome.FAILURE
    assert refused.details["stale"] is True and refused.details["based_on_version"] == 1

    # Saving again, knowingly, goes over their changes.
    client.post(
        url,
        edit_form(
            entry,
            version="2",
            status=Breach.Status.CLOSED,
            investigation="Logs requested from the supplier",
            outcome="My outcome, typed before theirs",
        ),
    )
    entry.refresh_from_db()
    assert entry.status == Breach.Status.CLOSED and entry.version == 3


def test_the_breach_list_is_filtered_by_the_date_discovered(client, people):
    admin = people["blaby_admin"]
    recent = breach(admin, discovered_on=days_ago(2))
    breach(admin, discovered_on=days_ago(90))
    signed_in(client, admin)
    response = client.get(reverse("breaches"), {"date_from": days_ago(7).isoformat()})
    assert list(response.context["page"].object_list) == [recent]


def test_register_lists_page_with_the_period_kept(client, people):
    admin = people["blaby_admin"]
    for _ in range(51):
        disclose(admin, on=days_ago(1))
    signed_in(client, admin)
    response = client.get(reverse("disclosures"), {"date_from": days_ago(5).isoformat()})
    assert len(response.context["page"].object_list) == 50
    assert f"?date_from={days_ago(5).isoformat()}&amp;page=2" in response.content.decode()
    second = client.get(reverse("disclosures"), {"date_from": days_ago(5).isoformat(), "page": 2})
    assert len(second.context["page"].object_list) == 1
