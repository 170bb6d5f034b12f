"""The victim risk assessment (SPEC R1): scoring and thresholds, every question answered,
answers that keep their question's words, re-assessment history, pages and access."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from access import policy
from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Alert, CaseRules, Incident, RiskAnswer, RiskAssessment, RiskQuestion
from incidents.services import log_complaint
from incidents.services.risk import (
    assess_risk,
    level_for,
    question_field,
    record_assessment,
    score,
)
from incidents.views.risk import detail_context
from people.services import add_involvement
from tests.access.scenario import GROUPS, RECORDS, expect


@pytest.fixture
def officer(make_user):
    return make_user("Blaby District Council", UserGroup.OPERATIONAL)


@pytest.fixture
def incident(officer, partnership):
    return log_complaint(by=officer, area=partnership.areas["Blaby"], description="Harassment")


@pytest.fixture
def questions(db):
    """Four questions weighted 1, 2, 4 and 8, so that every score from 0 to 15 has exactly
    one set of answers; Medium from 5, High from 10. The shipped questions are retired."""
    RiskQuestion.objects.update(active=False)
    made = [
        RiskQuestion.objects.create(text=f"Question weighing {weight}?", weight=weight, order=i)
        for i, weight in enumerate((1, 2, 4, 8))
    ]
    CaseRules.objects.filter(pk=CaseRules.current().pk).update(medium_from=5, high_from=10)
    return made


def answers_scoring(total: int, questions) -> dict[int, bool]:
    return {q.pk: bool(total & q.weight) for q in questions}


def all_answered(value: bool) -> dict[int, bool]:
    return {q.pk: value for q in RiskQuestion.objects.filter(active=True)}


def victim_of(incident, by, given_name="Alex", role="victim"):
    return add_involvement(
        incident,
        by=by,
        role=role,
        person_fields={"given_name": given_name, "family_name": "Testperson"},
    )


# --- Scoring ----------------------------------------------------------------------------------


def test_the_score_is_the_sum_of_the_weights_answered_yes(questions):
    assert score(answers_scoring(0, questions), questions) == 0
    assert score(answers_scoring(11, questions), questions) == 11
    assert score(answers_scoring(15, questions), questions) == 15


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (0, "standard"),
        (4, "standard"),  # just below Medium
        (5, "medium"),  # at Medium
        (9, "medium"),  # just below High
        (10, "high"),  # at High
        (15, "high"),
    ],
)
def test_thresholds(officer, incident, questions, total, level):
    assert level_for(total, CaseRules.current()) == level
    assessment = assess_risk(incident, by=officer, answers=answers_scoring(total, questions))
    assert (assessment.score, assessment.level) == (total, level)


def test_the_shipped_questions_and_thresholds(officer, incident):
    rules = CaseRules.current()
    assert (rules.medium_from, rules.high_from) == (6, 12)
    assert RiskQuestion.objects.filter(active=True).count() == 11
    none = assess_risk(incident, by=officer, answers=all_answered(False))
    every = assess_risk(incident, by=officer, answers=all_answered(True))
    assert (none.score, none.level) == (0, "standard")
    assert (every.score, every.level) == (22, "high")


# --- Recording --------------------------------------------------------------------------------


def test_an_assessment_is_stored_authored_and_audited(officer, incident, questions):
    version = incident.version

    assessment = assess_risk(
        incident, by=officer, answers=answers_scoring(6, questions), notes=" Afraid to go out "
    )

    assessment.refresh_from_db()
    assert (assessment.score, assessment.level) == (6, "medium")
    assert assessment.assessed_by == officer
    assert assessment.notes == "Afraid to go out"
    assert assessment.history.get().history_user == officer
    rows = list(assessment.answers.order_by("weight"))
    assert [(a.question_text, a.weight, a.answer) for a in rows] == [
        ("Question weighing 1?", 1, False),
        ("Question weighing 2?", 2, True),
        ("Question weighing 4?", 4, True),
        ("Question weighing 8?", 8, False),
    ]
    assert all(row.history.get().history_user == officer for row in rows)
    stored = Incident.objects.get(pk=incident.pk)
    assert stored.current_risk == "medium"
    # The current level is derived from the assessment: not an edit of the incident.
    assert stored.version == version
    assert stored.history.count() == 1
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.RISK_ASSESSED)
    assert (event.actor, event.target_type, event.target_id) == (officer, "incident", incident.urn)
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert (event.details["score"], event.details["level"]) == (6, "medium")
    assert event.details["assessment"] == assessment.pk


def test_every_active_question_must_be_answered(officer, incident, questions):
    first, second, third, fourth = questions
    with pytest.raises(ValidationError) as refused:
        assess_risk(incident, by=officer, answers={first.pk: True, third.pk: "yes"})

    errors = refused.value.message_dict
    assert set(errors) == {question_field(second), question_field(third), question_field(fourth)}
    assert errors[question_field(second)] == ["Answer yes or no: Question weighing 2?"]
    assert not RiskAssessment.objects.exists()
    assert Incident.objects.get(pk=incident.pk).current_risk == ""
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.RISK_ASSESSED).exists()


def test_retired_questions_are_not_asked_and_their_answers_ignored(officer, incident, questions):
    retired = RiskQuestion.objects.filter(active=False).first()
    answers = {**answers_scoring(3, questions), retired.pk: True}
    assessment = assess_risk(incident, by=officer, answers=answers)
    assert assessment.score == 3
    assert retired.pk not in set(assessment.answers.values_list("question_id", flat=True))


def test_a_reassessment_keeps_the_earlier_one_and_updates_the_current_level(
    officer, incident, questions
):
    first = assess_risk(incident, by=officer, answers=answers_scoring(12, questions))
    assert Incident.objects.get(pk=incident.pk).current_risk == "high"

    second = assess_risk(incident, by=officer, answers=answers_scoring(1, questions))

    assert list(incident.assessments.all()) == [second, first]
    assert RiskAssessment.objects.get(pk=first.pk).level == "high"
    assert Incident.objects.get(pk=incident.pk).current_risk == "standard"
    assert incident.current_risk == "standard"


def test_an_answer_keeps_the_question_as_it_was_asked(client, officer, incident, questions):
    assessment = assess_risk(incident, by=officer, answers=answers_scoring(8, questions))
    question = questions[3]
    question.text = "Reworded: has the behaviour escalated?"
    question.weight = 5
    question.save()

    answer = RiskAnswer.objects.get(assessment=assessment, question=question)
    assert (answer.question_text, answer.weight) == ("Question weighing 8?", 8)
    client.force_login(officer)
    page = client.get(reverse("risk-detail", args=[incident.urn, assessment.pk]))
    assert "Question weighing 8?" in page.content.decode()
    assert "Reworded" not in page.content.decode()


def test_the_assessment_may_be_about_a_victim_or_complainant(officer, incident, questions):
    victim = victim_of(incident, officer)
    complainant = victim_of(incident, officer, "Sam", role="complainant")
    for involvement in (victim, complainant):
        assessment = assess_risk(
            incident, by=officer, answers=answers_scoring(0, questions), involvement=involvement
        )
        assert assessment.involvement == involvement


def test_not_about_a_witness_or_someone_in_another_incident(
    officer, incident, questions, partnership
):
    witness = victim_of(incident, officer, "Jo", role="witness")
    other = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Other")
    elsewhere = victim_of(other, officer, "Kim")
    for involvement in (witness, elsewhere):
        with pytest.raises(ValidationError) as refused:
            assess_risk(
                incident,
                by=officer,
                answers=answers_scoring(0, questions),
                involvement=involvement,
            )
        assert refused.value.message_dict["involvement"] == [
            "Select a victim or complainant of this incident."
        ]
    assert not RiskAssessment.objects.exists()


def test_a_high_result_tells_the_supervisors_in_the_same_transaction(
    officer, incident, questions, make_user
):
    supervisor = make_user(incident.lead_organisation.name, UserGroup.ENHANCED)
    medium = assess_risk(incident, by=officer, answers=answers_scoring(5, questions))
    assert not Alert.objects.filter(kind=Alert.Kind.HIGH_RISK).exists()

    high = assess_risk(incident, by=officer, answers=answers_scoring(10, questions))
    alert = Alert.objects.get(kind=Alert.Kind.HIGH_RISK)
    assert (alert.recipient, alert.sender, alert.incident) == (supervisor, officer, incident)
    assert alert.key == f"high-risk:assessment-{high.pk}:user-{supervisor.pk}"
    assert medium.level == "medium"


@pytest.mark.parametrize("group", [UserGroup.BASIC, UserGroup.ANALYST])
def test_users_who_may_not_edit_cannot_assess(make_user, incident, questions, group):
    user = make_user("Blaby District Council", group)
    with pytest.raises(PermissionDenied):
        assess_risk(incident, by=user, answers=answers_scoring(0, questions))
    assert not RiskAssessment.objects.exists()


def test_record_assessment_leaves_the_access_check_to_its_caller(make_user, incident, questions):
    clerk = make_user("Blaby District Council", UserGroup.BASIC)
    record_assessment(incident, by=clerk, answers=answers_scoring(0, questions))
    assert RiskAssessment.objects.get().assessed_by == clerk


# --- Pages ------------------------------------------------------------------------------------


def test_the_form_asks_every_active_question_as_yes_or_no(client, officer, incident, questions):
    victim_of(incident, officer, "Robin")
    client.force_login(officer)

    page = client.get(reverse("risk-assess", args=[incident.urn])).content.decode()

    for question in questions:
        assert f'name="{question_field(question)}" type="radio" value="yes"' in page
        assert f'name="{question_field(question)}" type="radio" value="no"' in page
        assert question.text in page
    assert page.count('<fieldset class="govuk-fieldset"') == len(questions)
    assert "Robin Testperson (victim)" in page
    assert 'data-prevent-double-click="true"' in page


def test_the_victim_choice_is_left_out_when_there_is_nobody_to_choose(
    client, officer, incident, questions
):
    client.force_login(officer)
    page = client.get(reverse("risk-assess", args=[incident.urn])).content.decode()
    assert 'name="involvement"' not in page


def test_assessing_through_the_page(client, officer, incident, questions):
    victim = victim_of(incident, officer)
    client.force_login(officer)
    data = {question_field(q): "yes" if q.weight in (2, 8) else "no" for q in questions}

    response = client.post(
        reverse("risk-assess", args=[incident.urn]),
        {**data, "involvement": victim.pk, "notes": "Seen at the door twice"},
    )

    assessment = RiskAssessment.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("risk-detail", args=[incident.urn, assessment.pk])
    assert (assessment.score, assessment.level, assessment.involvement) == (10, "high", victim)
    page = client.get(response.url).content.decode()
    assert "Risk assessed as High (score 10)." in page


def test_missing_answers_are_named_and_the_answers_given_are_kept(
    client, officer, incident, questions
):
    client.force_login(officer)
    first, second, third, _fourth = questions

    response = client.post(
        reverse("risk-assess", args=[incident.urn]),
        {question_field(first): "yes", question_field(third): "no", "notes": "Typed notes"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "There is a problem" in page
    assert "Answer yes or no: Question weighing 2?" in page
    assert "Answer yes or no: Question weighing 8?" in page
    assert "Answer yes or no: Question weighing 1?" not in page
    assert f'href="#id_{question_field(second)}_0"' in page
    assert f'name="{question_field(first)}" type="radio" value="yes" checked' in page
    assert f'name="{question_field(third)}" type="radio" value="no" checked' in page
    assert "Typed notes" in page
    assert not RiskAssessment.objects.exists()


def test_the_assessment_page_shows_answers_weights_score_level_author(
    client, officer, incident, questions
):
    victim = victim_of(incident, officer, "Charlie")
    assessment = assess_risk(
        incident, by=officer, answers=answers_scoring(9, questions), involvement=victim
    )
    client.force_login(officer)

    page = client.get(reverse("risk-detail", args=[incident.urn, assessment.pk])).content.decode()

    assert "govuk-tag--orange" in page and "Medium" in page
    assert ">9<" in page
    assert escape(str(officer)) in page
    assert "Charlie Testperson (victim)" in page
    for question in questions:
        assert question.text in page
    assert page.count(">Yes<") == 2
    assert page.count(">No<") == 2


def test_the_assessment_page_lists_the_other_assessments(client, officer, incident, questions):
    first = assess_risk(incident, by=officer, answers=answers_scoring(1, questions))
    second = assess_risk(incident, by=officer, answers=answers_scoring(10, questions))
    client.force_login(officer)
    page = client.get(reverse("risk-detail", args=[incident.urn, second.pk])).content.decode()
    assert reverse("risk-detail", args=[incident.urn, first.pk]) in page
    assert "(this one)" in page


def test_an_assessment_of_another_incident_is_not_found_through_this_one(
    client, officer, incident, questions, partnership
):
    other = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Other")
    assessment = assess_risk(other, by=officer, answers=answers_scoring(1, questions))
    client.force_login(officer)
    response = client.get(reverse("risk-detail", args=[incident.urn, assessment.pk]))
    assert response.status_code == 404


# --- Access: every page for every group x in area / out of area / shared ---------------------


@pytest.fixture
def assessments_by_record(scenario, questions):
    assessors = {
        "in_area": scenario.user(UserGroup.OPERATIONAL),
        "out_of_area": scenario.rutland_officer,
        "shared": scenario.rutland_officer,
    }
    return {
        record: record_assessment(
            scenario.incidents[record],
            by=assessors[record],
            answers=answers_scoring(5, questions),
        )
        for record in RECORDS
    }


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_who_may_read_an_assessment(client, scenario, assessments_by_record, group, record):
    client.force_login(scenario.user(group))
    url = reverse(
        "risk-detail", args=[scenario.incidents[record].urn, assessments_by_record[record].pk]
    )
    assert client.get(url).status_code == (200 if expect(group, record, "view") else 404)


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("group", GROUPS)
def test_who_may_assess(client, scenario, questions, group, record):
    client.force_login(scenario.user(group))
    incident = scenario.incidents[record]
    url = reverse("risk-assess", args=[incident.urn])
    allowed = expect(group, record, "edit")

    assert client.get(url).status_code == (200 if allowed else 404)
    data = {question_field(q): "no" for q in questions}
    assert client.post(url, data).status_code == (302 if allowed else 404)
    assert RiskAssessment.objects.filter(incident=incident).exists() == allowed


# --- The incident page's section --------------------------------------------------------------


def _section(incident, user) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        context = detail_context(incident, user)
        html = render_to_string("incidents/sections/risk.html", {"incident": incident, **context})
    return html, len(queries.captured_queries)


def _seen_by(user, incident):
    return policy.get_incident_for_user(user, incident.urn, record_view=False)


@pytest.mark.parametrize(("score", "expected"), [(1, 2), (10, 3)])
def test_the_section_runs_constant_queries_for_one_assessment_or_ten(
    officer, incident, questions, score, expected
):
    """The assessments (1), the case rules for the victim-update deadline (1) and, for a
    High-risk case, its monitoring and referral (1): the same for one assessment or ten."""
    victim = victim_of(incident, officer)
    assess_risk(
        incident, by=officer, answers=answers_scoring(score, questions), involvement=victim
    )
    CaseRules.current()
    _html_one, one = _section(_seen_by(officer, incident), officer)
    for _ in range(9):
        assess_risk(
            incident, by=officer, answers=answers_scoring(score, questions), involvement=victim
        )
    html, ten = _section(_seen_by(officer, incident), officer)
    assert one == ten == expected
    assert html.count('href="/incidents/') == 1 + 1 + 10  # assess, latest, the ten
    assert ("Referral required" in html) == (score == 10)


def test_the_section_before_any_assessment(officer, incident, make_user):
    html, _ = _section(_seen_by(officer, incident), officer)
    assert "Not assessed" in html
    assert "Assess risk" in html
    reader = make_user("Blaby District Council", UserGroup.ANALYST)
    html, _ = _section(_seen_by(reader, incident), reader)
    assert "Not assessed" in html
    assert "Assess risk" not in html


def test_the_section_shows_the_current_level_and_the_latest_assessment(
    officer, incident, questions
):
    assess_risk(incident, by=officer, answers=answers_scoring(1, questions))
    latest = assess_risk(incident, by=officer, answers=answers_scoring(12, questions))
    html, _ = _section(_seen_by(officer, incident), officer)
    assert '<strong class="govuk-tag govuk-tag--red">High</strong>' in html
    assert reverse("risk-detail", args=[incident.urn, latest.pk]) in html
    assert str(officer) in html
    assert "Not assessed" not in html
