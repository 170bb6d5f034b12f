"""The risk assessment API (SPEC R1, I1): the same policy, validation and audit as the
pages."""

# Fixtures shared with the page tests are imported; pytest passes them in by name.
# ruff: noqa: F401, F811

import pytest
from django.urls import reverse

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Incident, RiskAssessment, RiskQuestion
from incidents.services import log_complaint
from incidents.services.risk import question_field
from tests.access.scenario import GROUPS, RECORDS, expect
from tests.incidents.test_risk import (
    answers_scoring,
    assessments_by_record,
    questions,
    victim_of,
)

ASSESSMENTS = "/api/v1/risk-assessments/"
QUESTIONS = "/api/v1/risk-questions/"


def as_json(answers: dict[int, bool]) -> dict[str, bool]:
    return {str(pk): value for pk, value in answers.items()}


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def incident(officer, partnership):
    return log_complaint(by=officer, area=partnership.areas["Blaby"], description="Harassment")


def test_the_routes_are_registered():
    assert reverse("api:risk-assessment-list") == ASSESSMENTS
    assert reverse("api:risk-question-list") == QUESTIONS


def test_assess_list_and_read_back(client, officer, incident, questions):
    victim = victim_of(incident, officer)
    client.force_login(officer)

    created = client.post(
        ASSESSMENTS,
        {
            "incident": incident.urn,
            "answers": as_json(answers_scoring(10, questions)),
            "involvement": victim.pk,
            "notes": "By phone",
        },
        content_type="application/json",
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assessment = RiskAssessment.objects.get()
    assert body["id"] == assessment.pk
    assert (body["score"], body["level"], body["involvement"]) == (10, "high", victim.pk)
    assert body["incident"] == incident.urn
    assert {a["question"]: a["answer"] for a in body["answers"]} == answers_scoring(10, questions)
    assert body["answers"][0]["question_text"] == questions[0].text
    assert Incident.objects.get(pk=incident.pk).current_risk == "high"
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.RISK_ASSESSED)
    assert (event.actor, event.target_id) == (officer, incident.urn)

    listed = client.get(ASSESSMENTS, {"incident": incident.urn}).json()
    assert [a["id"] for a in listed["results"]] == [assessment.pk]
    assert client.get(f"{ASSESSMENTS}{assessment.pk}/").json()["score"] == 10


def test_unanswered_questions_are_named_one_by_one(client, officer, incident, questions):
    client.force_login(officer)
    response = client.post(
        ASSESSMENTS,
        {"incident": incident.urn, "answers": {str(questions[0].pk): True}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        question_field(q): [f"Answer yes or no: {q.text}"] for q in questions[1:]
    }
    assert not RiskAssessment.objects.exists()


def test_bad_answers_and_involvements_are_refused(
    client,
    officer,
    incident,
    questions,
    partnership,
):
    client.force_login(officer)
    answers = as_json(answers_scoring(0, questions))
    bad_keys = client.post(
        ASSESSMENTS,
        {"incident": incident.urn, "answers": {"first": True}},
        content_type="application/json",
    )
    assert bad_keys.status_code == 400
    assert "answers" in bad_keys.json()

    other = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Other")
    elsewhere = victim_of(other, officer)
    wrong_person = client.post(
        ASSESSMENTS,
        {"incident": incident.urn, "answers": answers, "involvement": elsewhere.pk},
        content_type="application/json",
    )
    assert wrong_person.status_code == 400
    assert wrong_person.json() == {
        "involvement": ["Select a victim or complainant of this incident."]
    }
    assert not RiskAssessment.objects.exists()


def test_the_list_needs_an_incident(client, officer):
    client.force_login(officer)
    response = client.get(ASSESSMENTS)
    assert response.status_code == 400
    assert "incident" in response.json()


def test_an_unknown_assessment_is_not_found(client, officer):
    client.force_login(officer)
    assert client.get(f"{ASSESSMENTS}999999/").status_code == 404


@pytest.mark.parametrize("group", GROUPS)
def test_any_partnership_user_reads_the_active_questions(client, make_user, group):
    client.force_login(make_user("Blaby District Council", group))
    retired = RiskQuestion.objects.order_by("id").first()
    RiskQuestion.objects.filter(pk=retired.pk).update(active=False)

    response = client.get(QUESTIONS)

    assert response.status_code == 200
    ids = [q["id"] for q in response.json()["results"]]
    assert ids == list(
        RiskQuestion.objects.filter(active=True)
        .order_by("order", "id")
        .values_list("id", flat=True)
    )
    assert retired.pk not in ids


def test_the_questions_are_not_for_anyone_signed_out(client):
    assert client.get(QUESTIONS).status_code in (401, 403)


# --- Access: every route for every group x in area / out of area / shared ---------------------


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_who_may_read_assessments(client, scenario, assessments_by_record, group, record):
    client.force_login(scenario.user(group))
    assessment = assessments_by_record[record]
    allowed = expect(group, record, "view")
    status = 200 if allowed else 404

    listed = client.get(ASSESSMENTS, {"incident": scenario.incidents[record].urn})
    assert listed.status_code == status
    if allowed:
        assert [a["id"] for a in listed.json()["results"]] == [assessment.pk]
    assert client.get(f"{ASSESSMENTS}{assessment.pk}/").status_code == status


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_who_may_assess(client, scenario, questions, group, record):
    client.force_login(scenario.user(group))
    incident = scenario.incidents[record]

    response = client.post(
        ASSESSMENTS,
        {"incident": incident.urn, "answers": as_json(answers_scoring(3, questions))},
        content_type="application/json",
    )

    allowed = expect(group, record, "edit")
    assert response.status_code == (201 if allowed else 404)
    assert RiskAssessment.objects.filter(incident=incident).exists() == allowed
