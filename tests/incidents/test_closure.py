"""Closing a case (K1-K3): who may submit, close, return and reopen; what each records."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access import policy
from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import ClosureRequest, Incident, RiskQuestion
from incidents.services import log_complaint
from incidents.services.closure import (
    HIGH_RISK_NEEDS_AGREEMENT,
    approve_closure,
    reopen_case,
    submit_for_closure,
)
from incidents.services.risk import record_assessment
from tests.access.scenario import GROUPS, RECORDS, expect
from tests.incidents.supervision import refer_as_high_risk_requires

SUBMITTERS = {UserGroup.OPERATIONAL, UserGroup.ENHANCED, UserGroup.ADMINISTRATOR}
DECIDERS = {UserGroup.ENHANCED, UserGroup.ADMINISTRATOR}


def _submit(incident, by):
    return submit_for_closure(
        incident, by=by, summary="Visits done; it stopped.", outcome="resolved"
    )


@pytest.fixture
def officer(scenario):
    return scenario.user(UserGroup.OPERATIONAL)


@pytest.fixture
def manager(scenario):
    return scenario.user(UserGroup.ENHANCED)


def test_submit_then_close(scenario, officer, manager):
    incident = scenario.incidents["in_area"]
    closure = _submit(incident, officer)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.SUBMITTED
    assert closure.decision == ClosureRequest.Decision.PENDING

    approve_closure(incident, by=manager, note="Agreed")

    incident.refresh_from_db()
    closure.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert (closure.decision, closure.decided_by) == (ClosureRequest.Decision.APPROVED, manager)
    assert incident.entries.get(kind="closure").text.startswith("Case closed")
    assert {e.event_type for e in AuditEvent.objects.filter(target_id=incident.urn)} >= {
        AuditEvent.Type.CLOSURE_SUBMITTED,
        AuditEvent.Type.CLOSURE_APPROVED,
    }
    assert incident.history.first().history_user == manager


def test_an_operational_user_cannot_close(scenario, officer):
    incident = scenario.incidents["in_area"]
    _submit(incident, officer)
    with pytest.raises(PermissionDenied):
        approve_closure(incident, by=officer)


def test_an_enhanced_user_of_another_organisation_never_sees_the_queue_item(
    client, scenario, officer, make_user
):
    incident = scenario.incidents["in_area"]  # in Blaby, led by Blaby District Council
    _submit(incident, officer)
    county_manager = make_user("Leicestershire County Council", UserGroup.ENHANCED)
    assert policy.can(county_manager, "view", incident)  # Blaby is in the county
    client.force_login(county_manager)
    assert incident.urn not in client.get(reverse("closure-queue")).content.decode()
    assert client.get(reverse("closure-decide", args=[incident.urn])).status_code == 404


def test_a_returned_case_reopens_with_the_reason_in_the_working_sheet(
    client, scenario, officer, manager
):
    incident = scenario.incidents["in_area"]
    _submit(incident, officer)
    client.force_login(manager)

    response = client.post(
        reverse("closure-decide", args=[incident.urn]),
        {"action": "return", "return-reason": "Victim not yet told of the outcome."},
    )

    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    entry = incident.entries.get(kind="closure")
    assert entry.text == "Returned for more work: Victim not yet told of the outcome."
    assert entry.author == manager
    # It can be submitted again; both submissions are kept.
    _submit(incident, officer)
    assert incident.closures.count() == 2


def test_a_closed_case_is_read_only_until_reopened(client, scenario, officer, manager):
    incident = scenario.incidents["in_area"]
    _submit(incident, officer)
    approve_closure(incident, by=manager)
    client.force_login(officer)
    assert client.get(reverse("incident-edit", args=[incident.urn])).status_code == 404
    with pytest.raises(PermissionDenied):
        reopen_case(incident, by=officer, reason="Wants it open")

    reopen_case(incident, by=manager, reason="New reports from the victim.")

    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    assert incident.entries.filter(text="Case reopened: New reports from the victim.").exists()
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.CASE_REOPENED, actor=manager, target_id=incident.urn
    ).exists()
    assert client.get(reverse("incident-edit", args=[incident.urn])).status_code == 200


def test_a_high_risk_case_needs_the_multi_agency_agreement(client, scenario, officer, manager):
    incident = scenario.incidents["in_area"]
    answers = {q.pk: True for q in RiskQuestion.objects.filter(active=True)}
    record_assessment(incident, by=officer, answers=answers)
    refer_as_high_risk_requires(incident, officer)
    _submit(incident, officer)
    with pytest.raises(ValidationError) as refused:
        approve_closure(incident, by=manager)
    assert refused.value.message_dict == {"multi_agency_agreement": [HIGH_RISK_NEEDS_AGREEMENT]}

    client.force_login(manager)
    page = client.post(
        reverse("closure-decide", args=[incident.urn]), {"action": "approve", "note": "Typed"}
    )
    assert HIGH_RISK_NEEDS_AGREEMENT.replace("'", "&#x27;") in page.content.decode()
    assert "Typed" in page.content.decode()

    approve_closure(incident, by=manager, multi_agency_agreement="ASB panel, 3 Nov: agreed")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED


def test_bad_input_gets_field_messages(client, scenario, officer):
    client.force_login(officer)
    incident = scenario.incidents["in_area"]
    page = client.post(reverse("closure-submit", args=[incident.urn]), {"summary": "Kept"})
    assert "Choose the outcome." in page.content.decode()
    assert "Kept" in page.content.decode()
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("record", RECORDS)
def test_who_may_use_each_closure_page(client, scenario, group, record):
    incident = scenario.incidents[record]
    client.force_login(scenario.user(group))
    may_submit = expect(group, record, "edit") and group in SUBMITTERS
    assert client.get(reverse("closure-submit", args=[incident.urn])).status_code == (
        200 if may_submit else 404
    )
    # Submitted by someone who may, then reviewed: only deciders of the lead organisation.
    lead = scenario.rutland_officer if record != "in_area" else scenario.user("operational")
    _submit(incident, lead)
    may_decide = record == "in_area" and group in DECIDERS
    assert client.get(reverse("closure-decide", args=[incident.urn])).status_code == (
        200 if may_decide else 404
    )
    approve_closure(incident, by=scenario.rutland_officer if record != "in_area" else
                    scenario.user("enhanced"))  # fmt: skip
    assert client.get(reverse("case-reopen", args=[incident.urn])).status_code == (
        200 if may_decide else 404
    )


@pytest.mark.parametrize("group", GROUPS)
def test_who_sees_the_closure_queue(client, scenario, group):
    client.force_login(scenario.user(group))
    status = client.get(reverse("closure-queue")).status_code
    assert status == (200 if group in DECIDERS else 404)


def test_the_queue_is_oldest_first_with_constant_queries(client, scenario, officer, manager):
    client.force_login(manager)
    first = scenario.incidents["in_area"]
    _submit(first, officer)

    def count():
        with CaptureQueriesContext(connection) as context:
            page = client.get(reverse("closure-queue")).content.decode()
        return len(context.captured_queries), page

    few, _ = count()
    later = []
    for n in range(5):
        incident = log_complaint(by=officer, area=scenario.partnership.areas["Blaby"],
                                 description=f"Case {n}")  # fmt: skip
        _submit(incident, officer)
        later.append(incident)
    many, page = count()
    assert few == many
    positions = [page.index(i.urn) for i in [first, *later]]
    assert positions == sorted(positions)
