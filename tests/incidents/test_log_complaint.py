"""Logging a complaint: who may, what it records, and what a basic user sees afterwards."""

import re

import pytest
from django.urls import reverse

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import ComplaintDraft, Incident
from incidents.services import log_complaint


def _log_through_the_pages(client, area) -> Incident:
    client.post(reverse("log-complaint"))
    draft = ComplaintDraft.objects.latest("pk")
    client.post(
        reverse("complaint-section", args=[draft.pk, "details"]),
        {"description": "Ball games against the shop shutters", "area": area.pk,
         "marking": "restricted"},
    )  # fmt: skip
    client.post(reverse("complaint-submit", args=[draft.pk]))
    return Incident.objects.latest("pk")


def test_the_logger_leads_it_and_it_is_recorded(client, make_user, partnership):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    client.force_login(officer)

    incident = _log_through_the_pages(client, partnership.areas["Blaby"])

    assert re.fullmatch(r"ASB-\d{4}-\d{6}", incident.urn)
    assert (incident.created_by, incident.lead_officer, incident.received_by) == (
        officer,
        officer,
        officer,
    )
    assert incident.lead_organisation == officer.organisation
    assert incident.history.get().history_user == officer
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.INCIDENT_CREATED, target_id=incident.urn, actor=officer
    ).exists()


def test_references_are_unique_and_sequential(make_user, partnership):
    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    urns = [
        log_complaint(by=officer, area=partnership.areas["Blaby"], description="x").urn
        for _ in range(3)
    ]
    numbers = [int(urn[-6:]) for urn in urns]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_a_basic_user_never_sees_the_record_again(client, make_user, partnership):
    clerk = make_user("Blaby District Council", UserGroup.BASIC)
    client.force_login(clerk)

    incident = _log_through_the_pages(client, partnership.areas["Blaby"])

    shown = client.get(reverse("complaint-logged"))
    assert incident.urn in shown.content.decode()  # once, to give to the complainant
    assert incident.lead_officer is None
    assert client.get(reverse("incident-detail", args=[incident.urn])).status_code == 404
    assert client.get(f"/api/v1/incidents/{incident.urn}/").status_code == 404
    assert incident.urn not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("complaint-logged")).status_code == 302


def test_an_analyst_with_add_rights_may_log(client, make_user, partnership):
    analyst = make_user(
        "Blaby District Council", UserGroup.ANALYST, analyst_can_add_and_amend=True
    )
    client.force_login(analyst)
    assert _log_through_the_pages(client, partnership.areas["Blaby"]).created_by == analyst


@pytest.mark.parametrize(
    ("group", "status"),
    [
        (UserGroup.BASIC, 200),
        (UserGroup.OPERATIONAL, 200),
        (UserGroup.ENHANCED, 200),
        (UserGroup.ANALYST, 404),
        (UserGroup.ADMINISTRATOR, 200),
    ],
)
def test_who_may_start_a_complaint(client, make_user, group, status):
    client.force_login(make_user("Leicestershire Police", group))
    assert client.get(reverse("log-complaint")).status_code == status
    assert client.post(reverse("log-complaint")).status_code == (302 if status == 200 else 404)
    assert ComplaintDraft.objects.exists() is (status == 200)


def test_coordinates_come_in_pairs_and_in_range(make_user, partnership):
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    officer = make_user("Blaby District Council", UserGroup.OPERATIONAL)
    area = partnership.areas["Blaby"]
    with pytest.raises(ValidationError) as only_one:
        log_complaint(by=officer, area=area, description="Noise", latitude=Decimal("52.57"))
    assert only_one.value.message_dict == {
        "longitude": ["Give both the latitude and the longitude, or neither."]
    }
    with pytest.raises(ValidationError) as out_of_range:
        log_complaint(by=officer, area=area, description="Noise", latitude=Decimal("95"),
                      longitude=Decimal("-1.16"))  # fmt: skip
    assert list(out_of_range.value.message_dict) == ["latitude"]
    placed = log_complaint(by=officer, area=area, description="Noise",
                           latitude=Decimal("52.575"), longitude=Decimal("-1.165"))  # fmt: skip
    assert (placed.latitude, placed.longitude) == (Decimal("52.575"), Decimal("-1.165"))
