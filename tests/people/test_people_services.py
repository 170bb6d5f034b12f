"""The people services: validation, anonymised records, duplicates, audit, history, repeat
flags, consent, statements and interventions (SPEC P1-P6, C5, S4a)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import CaseRules, Incident
from incidents.services import log_complaint
from people import services
from people.models import Consent, Intervention, InterventionType, Involvement, Person

from .conftest import person_fields

pytestmark = pytest.mark.django_db

TOMORROW = datetime.date.today() + datetime.timedelta(days=1)


@pytest.fixture
def officer(scenario):
    return scenario.user(UserGroup.OPERATIONAL)


@pytest.fixture
def incident(scenario):
    return scenario.incidents["in_area"]


def _messages(excinfo) -> dict:
    return {field: messages[0] for field, messages in excinfo.value.message_dict.items()}


# --- involve / add_involvement ---------------------------------------------------------------


def test_a_new_person_is_created_linked_audited_and_authored(incident, officer):
    involvement = services.add_involvement(
        incident,
        by=officer,
        role="victim",
        person_fields=person_fields(
            given_name=" Ada ",
            family_name="Quill",
            postcode="le19  1ab",
            ni_number="qq 12 34 56 c",
        ),
        risk_notes="Lives alone",
    )

    person = involvement.person
    assert (person.given_name, person.family_name) == ("Ada", "Quill")
    assert person.postcode == "LE19 1AB"
    assert person.ni_number == "QQ123456C"
    assert person.created_by == officer
    assert person.history.get().history_user == officer
    assert involvement.history.get().history_user == officer
    created = AuditEvent.objects.get(event_type=AuditEvent.Type.PERSON_CREATED)
    assert (created.actor, created.target_type, created.target_id) == (
        officer,
        "person",
        str(person.pk),
    )
    added = AuditEvent.objects.get(event_type=AuditEvent.Type.INVOLVEMENT_ADDED)
    assert (added.actor, added.target_type, added.target_id, added.outcome) == (
        officer,
        "incident",
        incident.urn,
        AuditEvent.Outcome.SUCCESS,
    )
    assert added.details == {
        "involvement": involvement.pk,
        "person": person.pk,
        "role": "victim",
        "anonymised": False,
    }


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"given_name": "", "family_name": ""},
            {
                "given_name": "Enter their first name",
                "family_name": "Enter their last name",
            },
        ),
        (
            {"date_of_birth": TOMORROW},
            {"date_of_birth": "Date of birth must be today or in the past"},
        ),
        ({"postcode": "LE19"}, {"postcode": "Enter a real postcode, like LE19 2AB."}),
        (
            {"ni_number": "AB123"},
            {
                "ni_number": "Enter a National Insurance number in the correct format, "
                "like QQ 12 34 56 C"
            },
        ),
        (
            {"email": "not-an-address"},
            {"email": "Enter an email address in the correct format, like name@example.com"},
        ),
        (
            {"estimated_age": 40},
            {"estimated_age": "Leave the estimated age blank when you know the date of birth"},
        ),
    ],
)
def test_bad_person_details_get_field_messages(incident, officer, fields, expected):
    with pytest.raises(ValidationError) as excinfo:
        services.involve(
            incident, by=officer, role="victim", person_fields=person_fields(**fields)
        )
    assert _messages(excinfo) == expected
    assert not Person.objects.filter(created_by=officer).exists()


def test_the_same_person_cannot_hold_the_same_role_twice(incident, officer):
    first = services.involve(incident, by=officer, role="victim", person_fields=person_fields())
    with pytest.raises(ValidationError) as excinfo:
        services.involve(incident, by=officer, role="victim", person=first.person)
    assert _messages(excinfo)["person"].endswith("is already recorded as victim in this incident")
    # A different role is a different part in the incident.
    services.involve(incident, by=officer, role="complainant", person=first.person)
    assert first.person.involvements.count() == 2


def test_a_dependant_names_whose_dependant_they_are(incident, officer, scenario):
    parent = services.involve(incident, by=officer, role="victim", person_fields=person_fields())
    with pytest.raises(ValidationError) as excinfo:
        services.involve(incident, by=officer, role="dependant", person_fields=person_fields())
    assert _messages(excinfo) == {"dependant_of": "Choose whose dependant they are"}
    elsewhere = services.involve(
        scenario.incidents["shared"],
        by=scenario.rutland_officer,
        role="victim",
        person_fields=person_fields(),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.involve(
            incident,
            by=officer,
            role="dependant",
            dependant_of=elsewhere,
            person_fields=person_fields(),
        )
    assert _messages(excinfo) == {"dependant_of": "Choose someone involved in this incident"}
    child = services.involve(
        incident, by=officer, role="dependant", dependant_of=parent, person_fields=person_fields()
    )
    assert child.dependant_of == parent


def test_an_anonymised_incident_records_labels_never_people(partnership, officer):
    incident = log_complaint(by=officer, area=partnership.areas["Blaby"], description="Anon")
    Incident.objects.filter(pk=incident.pk).update(is_anonymised=True)
    incident.refresh_from_db()

    with pytest.raises(ValidationError) as excinfo:
        services.involve(incident, by=officer, role="victim", person_fields=person_fields())
    assert "anonymised_label" in _messages(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        services.involve(incident, by=officer, role="victim")
    assert _messages(excinfo) == {"anonymised_label": "Enter a label, such as “Victim A”"}

    involvement = services.involve(
        incident, by=officer, role="victim", anonymised_label="Victim A"
    )
    assert (involvement.person, involvement.anonymised_label) == (None, "Victim A")
    assert not Person.objects.exists()


def test_a_label_is_refused_on_an_ordinary_incident(incident, officer):
    with pytest.raises(ValidationError) as excinfo:
        services.involve(incident, by=officer, role="victim", anonymised_label="Victim A")
    assert set(_messages(excinfo)) == {"anonymised_label", "person"}


def test_adding_needs_edit_rights_on_the_incident(scenario, people):
    analyst = scenario.user(UserGroup.ANALYST)
    for user, record in (
        (analyst, "in_area"),
        (scenario.user(UserGroup.OPERATIONAL), "out_of_area"),
    ):
        with pytest.raises(PermissionDenied):
            services.add_involvement(
                scenario.incidents[record], by=user, role="witness", person_fields=person_fields()
            )
    # Linking someone the user cannot see is refused too.
    with pytest.raises(PermissionDenied):
        services.add_involvement(
            scenario.incidents["in_area"],
            by=scenario.user(UserGroup.OPERATIONAL),
            role="witness",
            person=people.remote,
        )


def test_linking_refreshes_the_repeat_flags(incident, officer, monkeypatch):
    refreshed = []
    monkeypatch.setattr(services, "refresh_repeat_flags", refreshed.append)
    services.involve(incident, by=officer, role="victim", person_fields=person_fields())
    assert refreshed == [incident]


def test_a_third_incident_in_the_window_flags_a_repeat_victim(partnership, officer):
    rules = CaseRules.current()
    victim = None
    for number in range(rules.repeat_min_incidents):
        incident = log_complaint(
            by=officer, area=partnership.areas["Blaby"], description=f"Incident {number}"
        )
        if victim is None:
            victim = services.involve(
                incident, by=officer, role="victim", person_fields=person_fields()
            ).person
        else:
            services.involve(incident, by=officer, role="victim", person=victim)
    incident.refresh_from_db()
    assert incident.repeat_victim_flag is True
    assert incident.repeat_perpetrator_flag is False


# --- update_person -----------------------------------------------------------------------------


def test_update_person_bumps_the_version_and_records_the_author(people, scenario):
    manager = scenario.user(UserGroup.ENHANCED)
    person = services.update_person(
        people.local, by=manager, expected_version=1, language="Polish", postcode="le3 9qq"
    )
    person.refresh_from_db()
    assert (person.version, person.language, person.postcode) == (2, "Polish", "LE3 9QQ")
    latest = person.history.latest()
    assert (latest.history_user, latest.version) == (manager, 2)


def test_a_stale_update_is_refused_with_what_changed(people, scenario):
    first, second = scenario.user(UserGroup.OPERATIONAL), scenario.user(UserGroup.ENHANCED)
    services.update_person(people.local, by=first, expected_version=1, language="Polish")
    with pytest.raises(services.StaleEdit) as excinfo:
        services.update_person(people.local, by=second, expected_version=1, language="Urdu")
    [change] = excinfo.value.changes
    assert (change.field, change.old, change.new, change.by) == (
        "preferred language",
        "",
        "Polish",
        str(first),
    )
    people.local.refresh_from_db()
    assert (people.local.language, people.local.version) == ("Polish", 2)


def test_update_person_needs_edit_rights_on_one_of_their_incidents(people, scenario):
    for user, person in (
        (scenario.user(UserGroup.ANALYST), people.local),
        (scenario.user(UserGroup.OPERATIONAL), people.remote),
    ):
        with pytest.raises(PermissionDenied):
            services.update_person(person, by=user, expected_version=1, language="Polish")


# --- consent -------------------------------------------------------------------------------------


def test_consent_in_force_is_the_latest_decision(people, scenario, officer):
    incident, person = scenario.incidents["in_area"], people.local
    scope = Consent.Scope.VICTIM_SUPPORT
    assert services.consent_in_force(person, incident, scope) is False

    consent = services.record_consent(
        person,
        incident,
        by=officer,
        scope=scope,
        status="given",
        decided_on=datetime.date(2026, 1, 5),
    )
    assert services.consent_in_force(person, incident, scope) is True
    assert services.consent_in_force(person, incident, Consent.Scope.PARTNER_SHARING) is False
    assert consent.history.get().history_user == officer
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.CONSENT_RECORDED)
    assert (event.actor, event.target_id, event.details["status"]) == (
        officer,
        str(person.pk),
        "given",
    )

    services.record_consent(
        person,
        incident,
        by=officer,
        scope=scope,
        status="withdrawn",
        decided_on=datetime.date(2026, 2, 1),
    )
    assert services.consent_in_force(person, incident, scope) is False
    # A decision entered late about an earlier date does not override the withdrawal.
    services.record_consent(
        person,
        incident,
        by=officer,
        scope=scope,
        status="given",
        decided_on=datetime.date(2026, 1, 20),
    )
    assert services.consent_in_force(person, incident, scope) is False
    assert Consent.objects.filter(person=person).count() == 3


def test_consent_validation_and_access(people, scenario, officer):
    incident = scenario.incidents["in_area"]
    with pytest.raises(ValidationError) as excinfo:
        services.record_consent(
            people.partner,
            incident,
            by=officer,
            scope="everything",
            status="maybe",
            decided_on=TOMORROW,
        )
    assert _messages(excinfo) == {
        "person": "This person is not involved in this incident",
        "scope": "Choose what the consent is for",
        "status": "Choose whether consent was given, withheld or withdrawn",
        "decided_on": "Date of the decision must be today or in the past",
    }
    with pytest.raises(PermissionDenied):
        services.record_consent(
            people.remote,
            scenario.incidents["out_of_area"],
            by=officer,
            scope="partner_sharing",
            status="given",
            decided_on=datetime.date.today(),
        )


# --- statements and interventions ----------------------------------------------------------------


def test_statements_are_for_complainants_victims_and_witnesses(people, scenario, officer):
    incident = scenario.incidents["in_area"]
    victim = Involvement.objects.get(incident=incident, person=people.local)
    perpetrator = Involvement.objects.get(incident=incident, person=people.both)

    statement = services.record_statement(
        victim, by=officer, taken=True, taken_on=datetime.date(2026, 1, 3)
    )
    assert (statement.taken_by, statement.history.get().history_user) == (officer, officer)
    with pytest.raises(ValidationError) as excinfo:
        services.record_statement(perpetrator, by=officer, taken=True, taken_on=TOMORROW)
    assert _messages(excinfo) == {
        "involvement": "Statements are recorded for complainants, victims and witnesses",
        "taken_on": "The date the statement was taken must be today or in the past",
    }
    with pytest.raises(ValidationError) as excinfo:
        services.record_statement(victim, by=officer, taken=True)
    assert _messages(excinfo) == {"taken_on": "Enter the date the statement was taken"}


def test_interventions_are_for_perpetrators_with_sensible_dates(people, scenario, officer):
    incident = scenario.incidents["in_area"]
    victim = Involvement.objects.get(incident=incident, person=people.local)
    perpetrator = Involvement.objects.get(incident=incident, person=people.both)
    warning = InterventionType.objects.get(code="written_warning")
    issued = datetime.date(2026, 1, 10)

    with pytest.raises(ValidationError) as excinfo:
        services.record_intervention(
            victim,
            by=officer,
            type=warning,
            issuing_organisation=officer.organisation,
            status="issued",
            issued_on=issued,
            review_on=issued - datetime.timedelta(days=1),
            expires_on=issued - datetime.timedelta(days=2),
        )
    assert _messages(excinfo) == {
        "involvement": "Interventions are recorded for (alleged) perpetrators",
        "review_on": "Review date must be on or after the date it was issued",
        "expires_on": "Expiry date must be on or after the date it was issued",
    }
    with pytest.raises(ValidationError) as excinfo:
        services.record_intervention(
            perpetrator,
            by=officer,
            type=warning,
            issuing_organisation=officer.organisation,
            status="issued",
        )
    assert _messages(excinfo) == {"issued_on": "Enter the date it was issued"}

    intervention = services.record_intervention(
        perpetrator,
        by=officer,
        type=warning,
        issuing_organisation=officer.organisation,
        status="issued",
        issued_on=issued,
        review_on=issued + datetime.timedelta(days=28),
    )
    assert (intervention.recorded_by, intervention.history.get().history_user) == (
        officer,
        officer,
    )

    with pytest.raises(ValidationError) as excinfo:
        services.update_intervention(intervention, by=officer, status="breached")
    assert _messages(excinfo) == {"breaches": "Describe the breach"}
    manager = scenario.user(UserGroup.ENHANCED)
    services.update_intervention(
        intervention, by=manager, status="breached", breaches="Seen at the park on 2 Feb"
    )
    intervention.refresh_from_db()
    assert intervention.status == Intervention.Status.BREACHED
    assert intervention.history.latest().history_user == manager
    with pytest.raises(PermissionDenied):
        services.update_intervention(
            intervention, by=scenario.user(UserGroup.ANALYST), status="completed"
        )
