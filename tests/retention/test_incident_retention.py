"""An incident's retention (SPEC D1; issue #7): the panel on the incident page, and the page
where enhanced users and administrators of the lead organisation change the deletion flag and
place or lift a legal hold."""

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from access.models import UserGroup
from audit.models import AuditEvent
from retention import services
from retention.models import DeletionFlag, IncidentRetention
from retention.services import set_deletion_flag, set_legal_hold
from tests.access.scenario import GROUPS, RECORDS, expect

from .conftest import years_ago

RETAINERS = {UserGroup.ENHANCED, UserGroup.ADMINISTRATOR}


def settings_url(incident) -> str:
    return reverse("incident-retention", args=[incident.urn])


def detail_url(incident) -> str:
    return reverse("incident-detail", args=[incident.urn])


def may_retain(group, record) -> bool:
    """Enhanced users and administrators of the lead organisation: in the scenario, Blaby's
    own case only (the shared case is led by Rutland)."""
    return group in RETAINERS and record == "in_area"


# --- Who may see and change what ---------------------------------------------------------------


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_the_settings_page_is_for_the_lead_organisations_managers(client, scenario, group, record):
    incident = scenario.incidents[record]
    client.force_login(scenario.user(group))

    response = client.get(settings_url(incident))

    assert response.status_code == (200 if may_retain(group, record) else 404)


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_nobody_changes_retention_out_of_their_scope(client, scenario, group, record):
    incident = scenario.incidents[record]
    client.force_login(scenario.user(group))

    response = client.post(
        settings_url(incident),
        {"action": "hold", "hold-hold": "place", "hold-reason": "Claim expected"},
    )

    if may_retain(group, record):
        assert response.status_code == 302
        assert IncidentRetention.objects.get(incident=incident).legal_hold
    else:
        assert response.status_code == 404
        assert not IncidentRetention.objects.filter(incident=incident).exists()


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_the_incident_page_shows_retention_to_everyone_who_sees_the_case(
    client, scenario, group, record
):
    incident = scenario.incidents[record]
    client.force_login(scenario.user(group))

    response = client.get(detail_url(incident))

    if not expect(group, record):
        assert response.status_code == 404
        return
    page = response.content.decode()
    assert 'id="retention"' in page
    assert ("Change retention" in page) == may_retain(group, record)
    assert (settings_url(incident) in page) == may_retain(group, record)


# --- The panel --------------------------------------------------------------------------------


def test_the_panel_shows_the_rule_flag_hold_and_due_date(client, plant, manager, officer):
    case = plant(outcome="resolved", closed_on=years_ago(2))
    incident = case.incident
    client.force_login(officer)

    page = client.get(detail_url(incident)).content.decode()
    panel = page[page.index('id="retention"') :]
    assert "Closed incidents (default): kept 72 months after closure" in panel
    assert "Review before deletion" in panel
    due = incident.closed_at.date() + relativedelta(years=6)
    assert f"{due:%-d %B %Y}" in panel
    assert "Change retention" not in panel  # an operational user

    set_legal_hold(incident, by=manager, hold=True, reason="Civil claim lodged")
    set_deletion_flag(incident, by=manager, flag="automatic", reason="Nothing more to do")
    panel = client.get(detail_url(incident)).content.decode().split('id="retention"')[1]
    assert "On legal hold" in panel
    assert "Automatic deletion" in panel and "Set on this case" in panel
    assert "Civil claim lodged" not in panel  # reasons are on the retention page


def test_an_open_case_is_counted_from_its_closure(client, scenario):
    client.force_login(scenario.user(UserGroup.OPERATIONAL))
    page = client.get(detail_url(scenario.incidents["in_area"])).content.decode()
    assert "Chosen when the case is closed" in page
    assert "Counted from the date the case is closed" in page


def test_the_incident_page_runs_the_same_queries_with_or_without_retention_settings(
    client, scenario
):
    incident = scenario.incidents["in_area"]
    manager = scenario.user(UserGroup.ENHANCED)
    client.force_login(manager)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(detail_url(incident)).status_code == 200
        return len(queries.captured_queries)

    without = count()
    set_legal_hold(incident, by=manager, hold=True, reason="Claim")
    set_deletion_flag(incident, by=manager, flag="automatic", reason="Low harm")
    # The retention state comes with the incident, and whether the user may change it with
    # the other allowed actions: the panel adds one query, the rules.
    assert count() == without


# --- Changing the settings ----------------------------------------------------------------------


def test_changing_the_deletion_flag(client, scenario):
    incident = scenario.incidents["in_area"]
    manager = scenario.user(UserGroup.ENHANCED)
    client.force_login(manager)

    response = client.post(
        settings_url(incident),
        {"action": "flag", "flag-flag": "automatic", "flag-reason": "Low-level, resolved"},
    )

    assert response.status_code == 302
    assert response.url == detail_url(incident) + "#retention"
    retention = IncidentRetention.objects.get(incident=incident)
    assert (retention.deletion, retention.deletion_reason) == (
        DeletionFlag.AUTOMATIC,
        "Low-level, resolved",
    )
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.RETENTION_FLAG_CHANGED)
    assert (event.actor, event.target_id, event.details) == (
        manager,
        incident.urn,
        {"flag": "automatic"},
    )
    assert retention.history.first().history_user == manager
    # The change is in the retention settings' history, with its author.
    page = client.get(settings_url(incident)).content.decode()
    history = page[page.index("History of the retention settings") :]
    assert escape(str(manager)) in history  # as the page writes it (an O'Donnell too)
    assert "Low-level, resolved" in history


def test_placing_and_lifting_a_legal_hold(client, scenario):
    incident = scenario.incidents["in_area"]
    administrator = scenario.user(UserGroup.ADMINISTRATOR)
    client.force_login(administrator)

    placed = client.post(
        settings_url(incident),
        {"action": "hold", "hold-hold": "place", "hold-reason": "Inquiry announced"},
        follow=True,
    )
    assert f"{incident.urn} is on legal hold" in placed.content.decode()
    assert IncidentRetention.objects.get(incident=incident).legal_hold
    page = client.get(settings_url(incident)).content.decode()
    assert "Inquiry announced" in page
    assert 'value="lift" checked' in page  # the likely next step is offered

    client.post(
        settings_url(incident),
        {"action": "hold", "hold-hold": "lift", "hold-reason": "Inquiry closed"},
    )
    retention = IncidentRetention.objects.get(incident=incident)
    assert (retention.legal_hold, retention.legal_hold_reason) == (False, "Inquiry closed")
    assert list(
        AuditEvent.objects.filter(target_id=incident.urn, event_type__startswith="retention.hold")
        .order_by("sequence")
        .values_list("event_type", flat=True)
    ) == [AuditEvent.Type.LEGAL_HOLD_SET, AuditEvent.Type.LEGAL_HOLD_LIFTED]


def test_each_problem_is_shown_on_its_field_and_nothing_typed_is_lost(client, scenario):
    incident = scenario.incidents["in_area"]
    client.force_login(scenario.user(UserGroup.ENHANCED))

    response = client.post(
        settings_url(incident), {"action": "flag", "flag-flag": "", "flag-reason": "Typed"}
    )

    assert response.status_code == 200
    assert response.context["flag_form"].errors == {
        "flag": ["Choose automatic deletion or review before deletion."]
    }
    page = response.content.decode()
    assert 'href="#id_flag-flag_0"' in page
    assert "Typed</textarea>" in page

    response = client.post(
        settings_url(incident), {"action": "hold", "hold-hold": "place", "hold-reason": " "}
    )
    assert response.context["hold_form"].errors == {
        "reason": ["Give the reason: it is kept with the case."]
    }
    assert 'value="place" checked' in response.content.decode()
    assert not IncidentRetention.objects.filter(incident=incident).exists()


def test_a_service_error_is_shown_on_its_field(client, scenario, monkeypatch):
    incident = scenario.incidents["in_area"]

    def refuse(incident, **kwargs):
        raise ValidationError({"flag": "Choose automatic deletion or review before deletion."})

    monkeypatch.setattr(services, "set_deletion_flag", refuse)
    client.force_login(scenario.user(UserGroup.ENHANCED))

    response = client.post(
        settings_url(incident),
        {"action": "flag", "flag-flag": "automatic", "flag-reason": "Kept when refused"},
    )

    assert response.status_code == 200
    assert response.context["flag_form"].errors == {
        "flag": ["Choose automatic deletion or review before deletion."]
    }
    assert "Kept when refused" in response.content.decode()
