"""The basic search API (SPEC S1, I1): `POST /api/v1/search/`, the same search, scope and
audit as the page; terms only in the body; field-level errors; constant queries.

The planted records are those of test_search.py (see its `planted` fixture)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.services import log_complaint
from tests.access.scenario import GROUPS
from tests.reports import test_search
from tests.reports.test_search import (
    MARLBOROUGH,
    SHARED_FAMILY,
    UNUSUAL_FAMILY,
    UNUSUAL_GIVEN,
    WORD,
    _person,
)

pytestmark = pytest.mark.django_db

# The page tests' fixtures: the Blaby officer and the planted records.
officer = test_search.officer
planted = test_search.planted

URL = "/api/v1/search/"


@pytest.fixture
def api():
    return APIClient()


def post(api, body):
    return api.post(URL, body, format="json")


@pytest.mark.parametrize("group", GROUPS)
def test_operational_users_and_above_may_search_basic_users_get_404(api, scenario, group):
    api.force_authenticate(scenario.user(group))

    response = post(api, {"kind": "incidents", "text": "Rutland"})

    if group == UserGroup.BASIC:
        # As for people matching (people/api.py): no search at all, indistinguishable
        # from a route that does not exist.
        assert response.status_code == 404
        assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.SEARCH).exists()
    else:
        assert response.status_code == 200, response.json()
        urns = [row["urn"] for row in response.json()["results"]]
        assert urns == [scenario.incidents["shared"].urn]


def test_signed_out_callers_are_refused(api):
    assert post(api, {"kind": "incidents", "text": WORD}).status_code in (401, 403)


def test_terms_never_go_in_a_url_get_is_not_allowed(api, officer, planted):
    api.force_authenticate(officer)

    response = api.get(URL, {"kind": "incidents", "text": WORD})

    assert response.status_code == 405
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.SEARCH).exists()


def test_incidents_within_scope_with_a_link_to_each(api, officer, planted):
    api.force_authenticate(officer)

    response = post(api, {"kind": "incidents", "text": WORD})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    rows = {row["urn"]: row for row in body["results"]}
    assert set(rows) == {planted.near.urn, planted.shared.urn}
    near = rows[planted.near.urn]
    assert set(near) == {
        "urn", "crime_reference", "area", "category", "status", "marking", "reported", "url",
    }  # fmt: skip
    assert (near["area"], near["status"], near["marking"]) == ("Blaby", "open", "restricted")
    assert near["reported"] == planted.near.received_at.date().isoformat()
    assert near["url"] == f"http://testserver/api/v1/incidents/{planted.near.urn}/"
    assert api.get(near["url"]).status_code == 200


def test_people_within_scope_with_their_scores(api, officer, planted):
    api.force_authenticate(officer)

    typo = post(
        api, {"kind": "people", "given_name": UNUSUAL_GIVEN, "family_name": "Quilfeatherby"}
    )
    shared_name = post(api, {"kind": "people", "family_name": SHARED_FAMILY})

    assert typo.status_code == 200
    first = typo.json()["results"][0]
    assert first["id"] == planted.unusual.pk
    assert (first["given_name"], first["family_name"]) == (UNUSUAL_GIVEN, UNUSUAL_FAMILY)
    assert (first["date_of_birth"], first["postcode"]) == ("1979-02-14", "LE19 2AB")
    assert 0 < first["score"] <= 1 and "Name similar" in first["reasons"]
    assert {row["id"] for row in shared_name.json()["results"]} == {
        planted.local.pk,
        planted.partner.pk,
    }
    assert shared_name.json()["count"] == 2


def test_locations_within_scope_grouped(api, officer, planted):
    api.force_authenticate(officer)

    response = post(api, {"kind": "locations", "text": "le19 2ab"})

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "results": [
            {
                "postcode": "LE19 2AB",
                "address": MARLBOROUGH,
                "incident_count": 2,
                "urns": [planted.near_again.urn, planted.near.urn],
            }
        ],
    }


@pytest.mark.parametrize(
    "body,errors",
    [
        ({"kind": "incidents", "text": "  "}, {"text": ["Enter something to search for."]}),
        ({"kind": "locations"}, {"text": ["Enter something to search for."]}),
        (
            {"kind": "people", "given_name": "Evangelina"},
            {"family_name": ["Enter their last name"]},
        ),
        (
            {"kind": "everything", "text": WORD},
            {"kind": ["Choose incidents, locations or people."]},
        ),
        ({"text": WORD}, {"kind": ["This field is required."]}),
        (
            {"kind": "incidents", "text": "x" * 201},
            {"text": ["Search terms must be 200 characters or fewer."]},
        ),
    ],
    ids=["blank-text", "no-text", "no-family-name", "bad-kind", "no-kind", "too-long"],
)
def test_bad_input_answers_400_by_field(api, officer, body, errors):
    api.force_authenticate(officer)

    response = post(api, body)

    assert response.status_code == 400
    assert response.json() == errors
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.SEARCH).exists()


def test_bad_person_details_answer_400_by_field(api, officer):
    api.force_authenticate(officer)

    response = post(
        api,
        {
            "kind": "people",
            "family_name": "Smith",
            "date_of_birth": "31/02/1980",
            "postcode": "XX1",
        },
    )

    assert response.status_code == 400
    assert set(response.json()) == {"date_of_birth", "postcode"}
    assert response.json()["postcode"] == ["Enter a real postcode, like LE19 2AB."]


@pytest.mark.parametrize("kind,text", [("incidents", WORD), ("locations", "LE19 2AB")])
def test_each_search_is_audited_like_the_page(api, officer, planted, kind, text):
    api.force_authenticate(officer)

    response = post(api, {"kind": kind, "text": text})

    event = AuditEvent.objects.get(event_type=AuditEvent.Type.SEARCH)
    assert event.actor == officer
    assert event.justification == "Basic search"
    assert event.details == {
        "kind": kind,
        "terms": {"text": text},
        "row_count": response.json()["count"],
    }
    assert response.wsgi_request.method == "POST"
    assert response.wsgi_request.get_full_path() == URL


def test_a_people_search_is_audited_once(api, officer, planted):
    api.force_authenticate(officer)

    response = post(api, {"kind": "people", "family_name": SHARED_FAMILY})

    event = AuditEvent.objects.get(event_type=AuditEvent.Type.SEARCH)
    assert event.actor == officer
    assert event.details["kind"] == "people"
    assert event.details["terms"]["family_name"] == SHARED_FAMILY
    assert sorted(event.details["results"]) == sorted(
        row["id"] for row in response.json()["results"]
    )


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "incidents", "text": "ferret"},
        {"kind": "locations", "text": "LE19"},
        {"kind": "people", "family_name": "Ferreter"},
    ],
    ids=["incidents", "locations", "people"],
)
def test_the_same_queries_for_one_or_ten_results(
    api, officer, partnership, django_assert_num_queries, body
):
    def add(n, start):
        for i in range(start, start + n):
            incident = log_complaint(
                by=officer,
                area=partnership.areas["Blaby"],
                description="A ferret loose in the flats.",
                address=f"{i} Ferret Lane, Narborough",
                postcode="LE19 2AB",
            )
            _person(incident, officer, "Ferreter")

    api.force_authenticate(officer)
    add(1, 1)
    with CaptureQueriesContext(connection) as one:
        response = post(api, body)
    assert response.json()["count"] == 1
    add(9, 2)
    with django_assert_num_queries(len(one.captured_queries)):
        response = post(api, body)
    assert response.json()["count"] == 10
    assert len(response.json()["results"]) == 10


def test_the_openapi_schema_describes_search(api, officer):
    api.force_authenticate(officer)

    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operations = schema["paths"]["/api/v1/search/"]
    assert set(operations) == {"post"}
    assert operations["post"]["operationId"] == "search"
    components = schema["components"]["schemas"]
    assert {"SearchRequest", "SearchResponse", "IncidentResult", "PersonResult"} <= set(components)
    assert set(components["SearchRequest"]["required"]) == {"kind"}
