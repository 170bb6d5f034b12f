"""Every working-sheet page and API route, for every group against an in-area, an
out-of-area and a shared incident (tests/access/scenario.py): 200/302/201 or 404 (V5)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import WorkingSheetEntry
from incidents.services.worksheet import add_entry
from tests.access.scenario import GROUPS, RECORDS, expect

Kind = WorkingSheetEntry.Kind


@pytest.fixture
def entries(scenario):
    """One entry on each of the scenario's incidents, written by someone who may edit it."""
    authors = {
        "in_area": scenario.user(UserGroup.OPERATIONAL),
        "out_of_area": scenario.rutland_officer,
        "shared": scenario.rutland_officer,
    }
    return {
        record: add_entry(
            scenario.incidents[record],
            by=authors[record],
            kind=Kind.NOTE,
            text=f"First note on the {record} case",
            occurred_at=timezone.now() - datetime.timedelta(hours=2),
        )
        for record in RECORDS
    }


def _form(**changes):
    return {
        "kind": Kind.NOTE,
        "text": "Checked the CCTV.",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        **changes,
    }


def _status(allowed: bool, ok: int = 200) -> int:
    return ok if allowed else 404


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_add_an_entry_page(client, scenario, entries, group, record):
    incident = scenario.incidents[record]
    client.force_login(scenario.user(group))
    url = reverse("entry-add", args=[incident.urn])
    allowed = expect(group, record, "edit")

    assert client.get(url).status_code == _status(allowed)
    assert client.post(url, _form()).status_code == _status(allowed, 302)
    assert incident.entries.count() == (2 if allowed else 1)


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_correct_an_entry_page(client, scenario, entries, group, record):
    incident, entry = scenario.incidents[record], entries[record]
    client.force_login(scenario.user(group))
    url = reverse("entry-correct", args=[incident.urn, entry.pk])
    allowed = expect(group, record, "edit")

    assert client.get(url).status_code == _status(allowed)
    assert client.post(url, _form(text="Correction")).status_code == _status(allowed, 302)
    assert incident.entries.filter(corrects=entry).exists() == allowed


def test_an_out_of_scope_attempt_is_logged_as_a_security_event(client, scenario, entries):
    user = scenario.user(UserGroup.OPERATIONAL)
    client.force_login(user)
    urn = scenario.incidents["out_of_area"].urn
    client.get(reverse("entry-add", args=[urn]))
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.ACCESS_DENIED, actor=user)
    assert (event.target_id, event.outcome) == (urn, AuditEvent.Outcome.DENIED)


# --- API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_entries_api_reads(client, scenario, entries, group, record):
    incident, entry = scenario.incidents[record], entries[record]
    client.force_login(scenario.user(group))
    allowed = expect(group, record, "view")

    listing = client.get("/api/v1/entries/", {"incident": incident.urn})
    assert listing.status_code == _status(allowed)
    if allowed:
        assert [row["id"] for row in listing.json()["results"]] == [entry.pk]
        assert listing.json()["results"][0]["incident"] == incident.urn
    assert client.get(f"/api/v1/entries/{entry.pk}/").status_code == _status(allowed)


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_entries_api_create(client, scenario, entries, group, record):
    incident = scenario.incidents[record]
    client.force_login(scenario.user(group))
    response = client.post(
        "/api/v1/entries/",
        {
            "incident": incident.urn,
            "kind": Kind.VISIT,
            "text": "Visited the estate.",
            "occurred_at": timezone.now().isoformat(),
        },
        content_type="application/json",
    )
    if expect(group, record, "edit"):
        assert response.status_code == 201
        assert response.json()["kind"] == Kind.VISIT
    elif expect(group, record, "view"):
        assert response.status_code == 403  # sees it, may not add to it
    else:
        assert response.status_code == 404
    assert incident.entries.count() == (2 if response.status_code == 201 else 1)


@pytest.mark.parametrize("group", GROUPS)
def test_entries_are_never_changed_or_deleted_through_the_api(client, scenario, entries, group):
    client.force_login(scenario.user(group))
    url = f"/api/v1/entries/{entries['in_area'].pk}/"
    for method in (client.put, client.patch):
        assert method(url, {"text": "x"}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405
    assert WorkingSheetEntry.objects.get(pk=entries["in_area"].pk).text.startswith("First note")


def test_entries_api_needs_the_incident_and_answers_field_errors(client, scenario, entries):
    client.force_login(scenario.user(UserGroup.OPERATIONAL))
    missing = client.get("/api/v1/entries/")
    assert missing.status_code == 400
    assert "incident" in missing.json()

    urn = scenario.incidents["in_area"].urn
    bad = client.post(
        "/api/v1/entries/",
        {
            "incident": urn,
            "kind": Kind.CORRECTION,
            "text": "Fix",
            "occurred_at": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
            "corrects": entries["out_of_area"].pk,  # another incident's entry
        },
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["corrects"] == ["The entry corrected must be an entry of this incident."]

    future = client.post(
        "/api/v1/entries/",
        {
            "incident": urn,
            "kind": Kind.NOTE,
            "text": "Later",
            "occurred_at": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert future.status_code == 400
    assert future.json() == {"occurred_at": ["When it happened must be now or in the past."]}


def test_a_missing_entry_is_a_logged_404(client, scenario):
    user = scenario.user(UserGroup.OPERATIONAL)
    client.force_login(user)
    assert client.get("/api/v1/entries/999999/").status_code == 404
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.ACCESS_DENIED, actor=user, target_type="entry"
    ).exists()
