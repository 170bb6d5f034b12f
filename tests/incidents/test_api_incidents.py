"""The incidents API: create, versioned update, police skeleton records, field errors."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from access.models import UserGroup
from incidents.models import Incident
from tests.access.scenario import GROUPS, RECORDS, expect

URL = "/api/v1/incidents/"


@pytest.fixture
def api():
    return APIClient()


def test_an_officer_logs_a_complaint_through_the_api(api, scenario):
    officer = scenario.user(UserGroup.OPERATIONAL)
    api.force_authenticate(officer)
    response = api.post(
        URL,
        {
            "area": "Blaby",
            "description": "Motorbikes on the recreation ground.",
            "marking": "restricted",
            "category": "nuisance",
            "aggravating_factors": ["alcohol"],
            "postcode": "le19 2ab",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(urn=response.json()["urn"])
    assert (incident.lead_officer, incident.postcode) == (officer, "LE19 2AB")
    assert list(incident.aggravating_factors.values_list("code", flat=True)) == ["alcohol"]


def test_errors_name_the_field(api, scenario):
    api.force_authenticate(scenario.user(UserGroup.OPERATIONAL))
    response = api.post(
        URL, {"area": "Leicestershire", "description": "", "postcode": "XX"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"area", "description"}


def test_a_group_that_may_not_log_gets_403(api, scenario):
    api.force_authenticate(scenario.user(UserGroup.ANALYST))
    response = api.post(URL, {"area": "Blaby", "description": "x"}, format="json")
    assert response.status_code == 403


def test_the_police_add_a_skeleton_record_with_a_token(client, make_user):
    make_user("Leicestershire Police", UserGroup.OPERATIONAL, username="crime.system")
    from io import StringIO

    out = StringIO()
    call_command("issue_api_token", "crime.system", stdout=out)
    token = out.getvalue().strip()

    response = client.post(
        URL,
        {"area": "Melton", "description": "Criminal damage to bus shelter", "crime_reference":
         "LP/12345/26"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )  # fmt: skip

    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(urn=response.json()["urn"])
    assert incident.is_police_skeleton
    assert incident.crime_reference == "LP/12345/26"


def test_a_stale_update_gets_409_with_the_changes(api, scenario):
    incident = scenario.incidents["in_area"]
    api.force_authenticate(scenario.user(UserGroup.OPERATIONAL))
    url = f"{URL}{incident.urn}/"

    first = api.patch(url, {"version": 1, "address": "3 Station Road"}, format="json")
    stale = api.patch(url, {"version": 1, "address": "4 Station Road"}, format="json")
    missing = api.patch(url, {"address": "5 Station Road"}, format="json")

    assert first.status_code == 200 and first.json()["version"] == 2
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert [(c["field"], c["new"]) for c in stale.json()["changes"]] == [
        ("address", "3 Station Road")
    ]
    assert missing.status_code == 400 and "version" in missing.json()
    incident.refresh_from_db()
    assert incident.address == "3 Station Road"


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("record", RECORDS)
def test_who_may_read_and_change_through_the_api(api, scenario, group, record):
    incident = scenario.incidents[record]
    api.force_authenticate(scenario.user(group))
    url = f"{URL}{incident.urn}/"
    read = api.get(url)
    change = api.patch(
        url, {"version": incident.version, "address": "1 New Street"}, format="json"
    )
    assert read.status_code == (200 if expect(group, record, "view") else 404)
    assert change.status_code == (200 if expect(group, record, "edit") else 404)


def test_the_openapi_schema_describes_the_api(api, scenario):
    assert api.get("/api/v1/schema/").status_code in (401, 403)
    api.force_authenticate(scenario.user(UserGroup.OPERATIONAL))
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/api/v1/incidents/{urn}/" in schema["paths"]
