"""Changing an incident: access, validation, concurrent edits (§16) and history (A1)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import AggravatingFactor, Incident
from incidents.services.incident import update_incident
from tests.access.scenario import GROUPS, RECORDS, expect
from tests.support.posted import typed_date


def _form(incident, **overrides):
    data = {
        "version": incident.version,
        "received_via": incident.received_via,
        "description": incident.description,
        "area": incident.area_id,
        "marking": incident.marking,
        "category": Incident.Category.PERSONAL,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("record", RECORDS)
def test_who_may_open_the_edit_and_history_pages(client, scenario, group, record):
    incident = scenario.incidents[record]
    client.force_login(scenario.user(group))
    edit = client.get(reverse("incident-edit", args=[incident.urn]))
    history = client.get(reverse("incident-history", args=[incident.urn]))
    assert edit.status_code == (200 if expect(group, record, "edit") else 404)
    assert history.status_code == (200 if expect(group, record, "view") else 404)


def test_an_edit_is_saved_with_its_author_and_audited(client, scenario):
    officer = scenario.user(UserGroup.OPERATIONAL)
    incident = scenario.incidents["in_area"]
    race = AggravatingFactor.objects.get(code="race")
    client.force_login(officer)

    response = client.post(
        reverse("incident-edit", args=[incident.urn]),
        _form(
            incident,
            description="Racist abuse shouted at the family at number 4.",
            postcode="le19 2ab",
            aggravating_factors=[race.pk],
        ),
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.version == 2
    assert incident.postcode == "LE19 2AB"
    assert list(incident.aggravating_factors.all()) == [race]
    assert incident.history.first().history_user == officer
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.INCIDENT_UPDATED)
    assert (event.actor, event.target_id) == (officer, incident.urn)
    assert "description" in event.details["fields"]


def test_two_stale_saves_one_wins_and_the_other_sees_what_changed(client, scenario, make_user):
    incident = scenario.incidents["in_area"]
    first = scenario.user(UserGroup.OPERATIONAL)
    second = scenario.user(UserGroup.ENHANCED)
    url = reverse("incident-edit", args=[incident.urn])
    opened_at = incident.version

    client.force_login(first)
    assert (
        client.post(url, _form(incident, description="First officer's words.")).status_code == 302
    )

    client.force_login(second)
    typed = "Second officer's careful account, typed at length."
    refused = client.post(url, _form(incident, version=opened_at, description=typed))

    page = refused.content.decode()
    incident.refresh_from_db()
    assert refused.status_code == 200
    assert incident.description == "First officer's words."
    assert "Someone else changed this incident while you were editing it" in page
    assert "First officer&#x27;s words." in page  # what changed, and to what
    assert escape(str(first)) in page  # by whom
    assert typed.replace("'", "&#x27;") in page  # nothing typed is lost
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.INCIDENT_UPDATE_CONFLICT, actor=second
    ).exists()

    # Having seen the change, the second officer can save knowingly.
    accepted = client.post(url, _form(incident, version=incident.version, description=typed))
    assert accepted.status_code == 302
    incident.refresh_from_db()
    assert incident.description == typed
    assert incident.version == opened_at + 2


def test_the_service_refuses_a_stale_version(scenario):
    from common.conflicts import StaleEdit

    incident = scenario.incidents["in_area"]
    officer = scenario.user(UserGroup.OPERATIONAL)
    update_incident(incident, by=officer, expected_version=1, address="1 High Street")
    with pytest.raises(StaleEdit) as stale:
        update_incident(incident, by=officer, expected_version=1, address="2 Low Road")
    assert [(c.field, c.old, c.new) for c in stale.value.changes] == [
        ("address", "", "1 High Street")
    ]


def test_bad_input_gets_field_messages_and_keeps_what_was_typed(client, scenario):
    incident = scenario.incidents["in_area"]
    client.force_login(scenario.user(UserGroup.OPERATIONAL))
    now = timezone.localtime()
    response = client.post(
        reverse("incident-edit", args=[incident.urn]),
        _form(
            incident,
            address="12 Acacia Avenue",
            postcode="NOT A POSTCODE",
            is_anonymised="on",
            **typed_date("first_occurred_at", now - timedelta(days=1)),
            **typed_date("last_occurred_at", now - timedelta(days=3)),
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a real postcode, like LE19 2AB." in page
    assert "When it last happened must be after it first happened." in page
    assert "Say why people&#x27;s details are anonymised." in page
    assert "12 Acacia Avenue" in page
    incident.refresh_from_db()
    assert incident.version == 1


def test_history_shows_who_changed_what(client, scenario):
    incident = scenario.incidents["in_area"]
    officer = scenario.user(UserGroup.OPERATIONAL)
    update_incident(incident, by=officer, expected_version=1, address="9 Mill Lane")
    client.force_login(scenario.user(UserGroup.ANALYST))

    page = client.get(reverse("incident-history", args=[incident.urn])).content.decode()

    assert "9 Mill Lane" in page
    assert escape(str(officer)) in page
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.HISTORY_VIEWED, target_id=incident.urn
    ).exists()
