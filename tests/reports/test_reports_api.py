"""The ad-hoc reporting API (SPEC S2, I1): analysts and administrators only, county-wide
without other partners' Confidential cases, a purpose with every run, filters in the body,
saved definitions kept per user."""

import pytest
from django.urls import reverse

from access.models import UserGroup
from audit.models import AuditEvent
from reports.models import SavedReport

RUN = "/api/v1/reports/run/"
SAVED = "/api/v1/reports/saved/"
PURPOSE = "Repeat perpetrators review for the county JAG"


def run(client, **body):
    return client.post(RUN, {"purpose": PURPOSE, **body}, content_type="application/json")


@pytest.mark.parametrize("group", list(UserGroup))
def test_only_analysts_and_administrators_use_the_api(client, make_user, world, group):
    client.force_login(make_user("Blaby District Council", group))
    allowed = group in (UserGroup.ANALYST, UserGroup.ADMINISTRATOR)
    assert run(client).status_code == (200 if allowed else 403)
    assert client.get(SAVED).status_code == (200 if allowed else 403)


def test_a_run_is_county_wide_and_logged_with_its_purpose(client, analyst, world):
    client.force_login(analyst)
    response = run(client, aggravating_factors=["race"])
    assert response.status_code == 200
    body = response.json()
    assert [row["urn"] for row in body["rows"]] == [world["rutland_race"].urn]
    assert body["count"] == 1 and body["columns"][0] == {"key": "urn", "label": "Reference"}
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.REPORT_RUN)
    assert event.justification == PURPOSE
    assert event.details["filters"]["aggravating_factors"] == ["race"]
    assert event.details["row_count"] == 1


def test_a_run_needs_a_purpose_and_valid_filters(client, analyst, world):
    client.force_login(analyst)
    response = client.post(
        RUN,
        {"reported_from": "2026-05-02", "reported_to": "2026-05-01", "categories": ["odd"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert errors["purpose"] == ["Enter the purpose of your reports."]
    assert "The end date must be the same as or after the start." in errors["reported_to"]
    assert "categories" in errors
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.REPORT_RUN).exists()


def test_a_run_is_not_a_get(client, analyst):
    client.force_login(analyst)
    assert client.get(RUN).status_code == 405


def test_summary_and_people(client, analyst, world):
    client.force_login(analyst)
    body = run(client, group_rows="area").json()
    labels = {row["label"]: row["counts"] for row in body["summary"]["rows"]}
    assert labels["Rutland"] == [2]  # the other partner's Confidential case not counted
    assert run(client, subject="people").json()["count"] == 0


def test_saved_definitions_are_private(client, analyst, make_user, world):
    client.force_login(analyst)
    created = client.post(
        SAVED,
        {"name": "Race monthly", "definition": {"aggravating_factors": ["race"]}},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    saved_id = created.json()["id"]
    assert SavedReport.objects.get(pk=saved_id).definition["aggravating_factors"] == ["race"]
    assert [r["name"] for r in client.get(SAVED).json()["results"]] == ["Race monthly"]

    bad = client.post(
        SAVED,
        {"name": "Broken", "definition": {"reported_from": "yesterday"}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "reported_from" in bad.json()["definition"]

    client.force_login(make_user("Rutland County Council", UserGroup.ANALYST))
    assert client.get(f"{SAVED}{saved_id}/").status_code == 404
    assert client.delete(f"{SAVED}{saved_id}/").status_code == 404
    assert client.get(SAVED).json()["results"] == []

    client.force_login(analyst)
    assert client.delete(f"{SAVED}{saved_id}/").status_code == 204
    assert not SavedReport.objects.exists()


def test_the_schema_describes_the_reporting_api(client, analyst):
    client.force_login(analyst)
    schema = client.get(reverse("api-schema")).content.decode()
    assert "/api/v1/reports/run/" in schema and "/api/v1/reports/saved/" in schema
