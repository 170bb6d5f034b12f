"""Bad input to the API is a 400 with a message on the field (or a 404 for a key that cannot
name a record), never a 500: the requests that used to break the server (#24 item 8)."""

import pytest
from rest_framework.test import APIClient

from access.models import UserGroup
from common.api import NOT_AN_OBJECT
from tests.people.conftest import people  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(scenario):
    client = APIClient()
    client.force_authenticate(scenario.user(UserGroup.OPERATIONAL))
    return client


def test_matching_without_a_given_name(api, scenario):
    response = api.post("/api/v1/people/matches/", {"family_name": "Okafor"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"results": []}


@pytest.mark.parametrize("path", ["tasks", "entries", "documents", "risk-assessments"])
def test_a_nul_byte_in_the_incident_filter(api, path):
    response = api.get(f"/api/v1/{path}/", {"incident": "\x00"})
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["incident"]


def test_a_nul_byte_as_an_incident_reference(api):
    response = api.get("/api/v1/incidents/%00/")
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("body", ["null", "true", "1", '"text"', "[]"])
def test_a_person_update_that_is_not_an_object(api, people, method, body):  # noqa: F811
    response = getattr(api, method)(
        f"/api/v1/people/{people.local.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"non_field_errors": [NOT_AN_OBJECT]}


# --- Found by the schema fuzzer (tests/api/test_schema_fuzz.py) ---------------------------------


def test_a_nul_byte_in_a_name_the_incident_refers_to(api, scenario):
    incident = scenario.incidents["in_area"]
    created = api.post(
        "/api/v1/incidents/", {"area": "Bla\x00by", "description": "Noise"}, format="json"
    )
    changed = api.patch(
        f"/api/v1/incidents/{incident.urn}/",
        {"version": incident.version, "qualifier_codes": ["\x00"]},
        format="json",
    )
    assert (created.status_code, list(created.json())) == (400, ["area"])
    assert (changed.status_code, list(changed.json())) == (400, ["qualifier_codes"])


def test_a_value_of_the_wrong_type_is_refused_on_its_field(api, scenario):
    urn = scenario.incidents["in_area"].urn
    alert = api.post(
        "/api/v1/alerts/",
        {"incident": urn, "recipient": scenario.user(UserGroup.ENHANCED).pk, "message": 0},
        format="json",
    )
    task = api.post(
        "/api/v1/tasks/",
        {"incident": urn, "assigned_to": "7", "title": "Visit", "due_on": "2030-01-01"},
        format="json",
    )
    search = api.post("/api/v1/search/", {"kind": "incidents", "text": 0}, format="json")
    assert (alert.status_code, alert.json()) == (400, {"message": ["Give text."]})
    assert (task.status_code, task.json()) == (400, {"assigned_to": ["Give a whole number."]})
    assert (search.status_code, search.json()) == (400, {"text": ["Give text."]})


def test_a_report_run_that_is_not_an_object(scenario):
    api = APIClient()
    api.force_authenticate(scenario.user(UserGroup.ANALYST))
    response = api.post("/api/v1/reports/run/", "[]", content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json() == {"non_field_errors": [NOT_AN_OBJECT]}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tasks/seven/",
        "/api/v1/alerts/-1/",
        "/api/v1/entries/%C2%84/",
        "/api/v1/people/-3.3e-183/",
        "/api/v1/incidents/ASB-2026-000001.PDF/",
    ],
)
def test_a_key_that_names_no_record_is_the_api_s_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_refused_download_is_json_whatever_the_client_takes(api):
    response = api.get("/api/v1/documents/123456789/download/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_the_list_filters_are_checked(api):
    assert api.get("/api/v1/tasks/", {"status": "finished"}).json() == {
        "status": ['"finished" is not a valid choice.']
    }
    assert api.get("/api/v1/tasks/", {"assigned_to": "them"}).status_code == 400
    assert api.get("/api/v1/alerts/", {"unread": "maybe"}).status_code == 400
    assert api.get("/api/v1/tasks/", {"status": ""}).status_code == 200
    assert api.get("/api/v1/people/", {"page": ""}).status_code == 404


def test_a_time_before_1900_is_refused_rather_than_answered_in_local_mean_time(api, scenario):
    response = api.post(
        "/api/v1/entries/",
        {
            "incident": scenario.incidents["in_area"].urn,
            "kind": "note",
            "text": "Spoke to the neighbour",
            "occurred_at": "0045-02-17T15:54:06+14:14",
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json() == {"occurred_at": ["Give a date and time from 1900 on."]}
