"""Changing an incident: access, validation, concurrent edits (§16) and history (A1)."""

import datetime
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, strip_tags

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import AggravatingFactor, Incident, PenCode, RiskQuestion
from incidents.services.incident import update_incident
from incidents.services.risk import assess_risk
from tests.access.scenario import GROUPS, RECORDS, expect
from tests.support.posted import form_data, typed_date


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


# --- What an edit conflict and the history show (issue #24 item 15) ---------------------------


def _shown(moment) -> str:
    return date_format(timezone.localtime(moment), "j M Y H:i")


def _conflict_items(page: str) -> list[str]:
    listed = page.split('data-testid="conflict-changes">', 1)[1].split("</ul>", 1)[0]
    return [
        " ".join(strip_tags(item).split())
        for item in listed.split("</li>")
        if strip_tags(item).strip()
    ]


def test_the_conflict_lists_only_what_changed_since_the_form_was_opened_in_words(client, scenario):
    incident = scenario.incidents["in_area"]
    first, second = scenario.user(UserGroup.OPERATIONAL), scenario.user(UserGroup.ENHANCED)
    race = AggravatingFactor.objects.get(code="race")
    disability = AggravatingFactor.objects.get(code="disability")
    pen_code = PenCode.objects.filter(active=True).order_by("code").first()
    # Before the second officer opens the form: a crime reference and a factor.
    update_incident(
        incident,
        by=first,
        expected_version=1,
        crime_reference="LP/111/26",
        aggravating_factors=[race],
    )
    url = reverse("incident-edit", args=[incident.urn])
    client.force_login(second)
    opened = form_data(client.get(url).content.decode(), url)
    reported = incident.received_at
    # While it is open, the first officer saves again.
    moment = timezone.make_aware(datetime.datetime(2026, 3, 2, 14, 30, 45, 123456))
    update_incident(
        incident,
        by=first,
        expected_version=2,
        received_via=Incident.Channel.IN_PERSON,
        received_at=moment,
        pen_code=pen_code,
        complainant_disabled=True,
        aggravating_factors=[race, disability],
    )

    refused = client.post(url, {**opened, "description": "The second officer's account."})

    page = refused.content.decode()
    assert "Someone else changed this incident while you were editing it" in page
    by = f"by {first}"
    when = re.compile(r" at \d{1,2} \w{3} \d{4} \d\d:\d\d$")  # when they saved
    assert sorted(when.sub("", item) for item in _conflict_items(page)) == sorted(
        [
            f"Aggravating factors: “Race” changed to “Disability, Race” {by}",
            f"Complainant disabled: “No” changed to “Yes” {by}",
            f"How it was reported: “Phone” changed to “In person” {by}",
            f"PEN code: “(blank)” changed to “{pen_code}” {by}",
            f"When it was reported: “{_shown(reported)}” changed to “2 Mar 2026 14:30” {by}",
        ]
    ), page
    listed = " ".join(_conflict_items(page))
    assert "LP/111/26" not in listed  # changed before the form was opened
    for raw in ("in_person", "45.123456", "[{", "True"):
        assert raw not in listed


def test_saving_only_the_postcode_changes_nothing_else(client, scenario):
    incident = scenario.incidents["in_area"]
    officer = scenario.user(UserGroup.OPERATIONAL)
    # A reported time with seconds, and a current risk kept by the risk service without a
    # history row of its own.
    assess_risk(
        incident,
        by=officer,
        answers={question.pk: True for question in RiskQuestion.objects.filter(active=True)},
    )
    incident.refresh_from_db()
    reported, risk = incident.received_at, incident.current_risk
    assert reported.second or reported.microsecond
    url = reverse("incident-edit", args=[incident.urn])
    client.force_login(officer)

    shown = form_data(client.get(url).content.decode(), url)
    saved = client.post(url, {**shown, "postcode": "le19 2ab"})

    assert saved.status_code == 302
    incident.refresh_from_db()
    assert (incident.postcode, incident.received_at, incident.current_risk) == (
        "LE19 2AB",
        reported,
        risk,
    )
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.INCIDENT_UPDATED)
    assert event.details["fields"] == ["postcode"]
    history = client.get(reverse("incident-history", args=[incident.urn])).content.decode()
    assert "<strong>Postcode</strong>: (blank) → LE19 2AB" in history
    assert "When it was reported" not in history
    assert "Current risk" not in history


def test_the_history_shows_labels_and_values_as_the_pages_do(client, scenario):
    incident = scenario.incidents["in_area"]
    officer = scenario.user(UserGroup.OPERATIONAL)
    race = AggravatingFactor.objects.get(code="race")
    update_incident(
        incident,
        by=officer,
        expected_version=1,
        received_via=Incident.Channel.CONTROL_ROOM,
        is_anonymised=True,
        anonymisation_reason="The complainant fears reprisals.",
        aggravating_factors=[race],
        latitude=Decimal("52.636900"),
        longitude=Decimal("-1.139800"),
    )
    client.force_login(officer)

    page = client.get(reverse("incident-history", args=[incident.urn])).content.decode()

    assert "<strong>How it was reported</strong>: Phone → Police control room" in page
    assert "<strong>People details anonymised</strong>: No → Yes" in page
    assert "<strong>Aggravating factors</strong>: (blank) → Race" in page
    assert "<strong>Latitude</strong>: (blank) → 52.6369" in page
    for raw in ("control_room", "[{", "52.636900", "False", "True"):
        assert raw not in page
