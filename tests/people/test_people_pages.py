"""The people pages as a caseworker uses them: adding a person (matches first), editing
with a conflict, statements, interventions and consent, search and history."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from access.models import UserGroup
from audit.models import AuditEvent
from incidents.models import Incident
from incidents.services import log_complaint
from people.models import Consent, Involvement, Person, Statement
from people.services import involve, update_person
from tests.support.posted import typed_date

from .conftest import person_fields

pytestmark = pytest.mark.django_db

DOB = datetime.date(1984, 11, 23)


@pytest.fixture
def officer(scenario):
    return scenario.user(UserGroup.OPERATIONAL)


@pytest.fixture
def incident(scenario):
    return scenario.incidents["in_area"]


def _find(**overrides):
    data = {
        "step": "find",
        "find-role": "victim",
        "find-given_name": "Beatrix",
        "find-family_name": "Pemberton",
        **typed_date("find-date_of_birth", DOB),
        "find-postcode": "le19 2ab",
    }
    data.update(overrides)
    return data


def _text(response) -> str:
    return response.content.decode()


# --- Adding a person ------------------------------------------------------------------------


def test_step_one_needs_a_role_and_a_name_and_keeps_what_was_typed(client, officer, incident):
    client.force_login(officer)
    response = client.post(
        reverse("involvement-add", args=[incident.urn]),
        _find(
            **{
                "find-role": "",
                "find-family_name": "",
                "find-date_of_birth_day": "31",
                "find-date_of_birth_month": "2",
            }
        ),
    )
    page = _text(response)
    assert "<title>Error: " in page
    assert "Choose their role in the incident" in page
    assert "Enter their last name" in page
    # 31 February: the day box is in error, and the three boxes keep what was typed.
    assert "Date of birth must be a real date." in page
    assert 'href="#id_find-date_of_birth_day">Date of birth must be a real date.' in page
    boxes = {
        part: re.search(rf'<input [^>]*id="id_find-date_of_birth_{part}"[^>]*>', page)[0]
        for part in ("day", "month", "year")
    }
    assert 'value="31"' in boxes["day"] and "govuk-input--error" in boxes["day"]
    assert 'value="2"' in boxes["month"] and "govuk-input--error" not in boxes["month"]
    assert 'value="1984"' in boxes["year"] and "govuk-input--error" not in boxes["year"]
    assert 'value="Beatrix"' in page


def test_a_likely_match_is_offered_and_linked(client, officer, incident, scenario):
    other = log_complaint(by=officer, area=scenario.partnership.areas["Blaby"], description="x")
    known = involve(
        other,
        by=officer,
        role="victim",
        person_fields=person_fields(
            given_name="Beatrix", family_name="Pembertin", date_of_birth=DOB, postcode="LE19 2AB"
        ),
    ).person
    client.force_login(officer)
    url = reverse("involvement-add", args=[incident.urn])

    step2 = client.post(url, _find())
    page = _text(step2)
    assert "Is this someone already known?" in page
    assert "Link Beatrix Pembertin, born 23 Nov 1984, LE19 2AB" in page
    assert "None of these — add a new person" in page
    # The typed values travel in the body, and the search is logged with its purpose.
    assert 'name="find-family_name" value="Pemberton"' in page
    search = AuditEvent.objects.get(event_type=AuditEvent.Type.SEARCH)
    assert search.justification == f"Adding a person to {incident.urn}"
    assert search.details["results"] == [known.pk]

    no_choice = client.post(url, {**_find(), "step": "save"})
    assert "Choose a person to link, or “None of these”" in _text(no_choice)

    linked = client.post(
        url,
        {
            **_find(),
            "step": "save",
            "match-choice": str(known.pk),
            "involvement-risk_notes": "Disabled; lives alone",
        },
    )
    assert linked.status_code == 302
    assert linked.url == reverse("incident-detail", args=[incident.urn])
    involvement = Involvement.objects.get(incident=incident, person=known)
    assert (involvement.role, involvement.risk_notes) == ("victim", "Disabled; lives alone")
    assert Person.objects.filter(family_name__startswith="Pemb").count() == 1


def test_none_of_these_adds_a_new_person_and_bad_details_keep_what_was_typed(
    client, officer, incident
):
    client.force_login(officer)
    url = reverse("involvement-add", args=[incident.urn])
    save = {
        **_find(),
        "step": "save",
        "match-choice": "new",
        "person-given_name": "Beatrix",
        "person-family_name": "Pemberton",
        **typed_date("person-date_of_birth", DOB),
        "person-gender": "female",
        "person-ethnicity": "not_stated",
        "person-postcode": "LE19",
        "person-email": "beatrix@",
        "person-phone": "07700 900123",
        "involvement-support_needs": "Needs a Polish interpreter",
    }

    refused = client.post(url, save)
    page = _text(refused)
    assert "<title>Error: " in page
    assert "Enter a real postcode, like LE19 2AB." in page
    assert "Enter an email address in the correct format, like name@example.com" in page
    assert 'value="07700 900123"' in page
    assert "Needs a Polish interpreter" in page
    assert not Person.objects.filter(family_name="Pemberton").exists()

    save.update({"person-postcode": "le19 2ab", "person-email": "beatrix@example.invalid"})
    added = client.post(url, save)
    assert added.status_code == 302
    person = Person.objects.get(family_name="Pemberton")
    assert (person.postcode, person.date_of_birth, person.created_by) == (
        "LE19 2AB",
        DOB,
        officer,
    )
    assert person.involvements.get().support_needs == "Needs a Polish interpreter"


def test_an_anonymised_incident_asks_only_for_a_label_and_role(client, officer, incident):
    Incident.objects.filter(pk=incident.pk).update(is_anonymised=True)
    client.force_login(officer)
    url = reverse("involvement-add", args=[incident.urn])
    page = _text(client.get(url))
    assert "Label" in page
    assert "Last name" not in page

    refused = client.post(url, {"role": "victim"})
    assert "Enter a label, such as “Victim A”" in _text(refused)
    added = client.post(url, {"role": "victim", "anonymised_label": "Victim A"})
    assert added.status_code == 302
    involvement = Involvement.objects.get(incident=incident)
    assert (involvement.person, involvement.anonymised_label) == (None, "Victim A")


# --- Editing a person -------------------------------------------------------------------------


def _edit_data(person, **changes):
    data = {
        name: ("" if getattr(person, name) is None else getattr(person, name))
        for name in (
            "given_name",
            "family_name",
            "other_names",
            "address",
            "postcode",
            "uprn",
            "phone",
            "email",
            "ni_number",
            "language",
            "disability",
            "vulnerability",
            "support_needs",
            "gender",
            "ethnicity",
            "estimated_age",
        )
    }
    if person.date_of_birth:
        data.update(typed_date("date_of_birth", person.date_of_birth))
    data["version"] = person.version
    data.update(changes)
    return data


def test_two_stale_saves_first_wins_and_second_sees_the_change(client, scenario, people):
    """Two people open the edit page at version 1; the first save wins; the second is told
    what changed, by whom and when, and keeps what they typed."""
    person = people.local
    first, second = scenario.user(UserGroup.OPERATIONAL), scenario.user(UserGroup.ENHANCED)
    opened = _edit_data(person)

    client.force_login(first)
    saved = client.post(reverse("person-edit", args=[person.pk]), {**opened, "language": "Polish"})
    assert saved.status_code == 302

    client.force_login(second)
    clash = client.post(
        reverse("person-edit", args=[person.pk]),
        {**opened, "phone": "07700 900456", "language": "Urdu"},
    )
    page = _text(clash)
    assert clash.status_code == 200
    assert "<title>Error: " in page
    assert "Someone else changed this record while you were editing it" in page
    assert re.search(
        r"Preferred language: “\(blank\)” to “Polish”, by " + re.escape(str(first)), page
    )
    assert 'value="07700 900456"' in page
    assert 'value="Urdu"' in page
    assert 'name="version" value="2"' in page
    person.refresh_from_db()
    assert (person.language, person.phone, person.version) == ("Polish", "", 2)

    # Having seen the change, they save again on purpose.
    again = client.post(
        reverse("person-edit", args=[person.pk]),
        {**opened, "phone": "07700 900456", "language": "Urdu", "version": 2},
    )
    assert again.status_code == 302
    person.refresh_from_db()
    assert (person.language, person.version) == ("Urdu", 3)
    assert person.history.latest().history_user == second


def test_editing_gives_field_messages_and_keeps_what_was_typed(client, officer, people):
    client.force_login(officer)
    person = people.local
    response = client.post(
        reverse("person-edit", args=[person.pk]),
        _edit_data(person, given_name="", ni_number="12345", address="1 Typed Street"),
    )
    page = _text(response)
    assert "Enter their first name" in page
    assert "Enter a National Insurance number in the correct format" in page
    assert "1 Typed Street" in page
    person.refresh_from_db()
    assert person.version == 1


# --- The person page and history --------------------------------------------------------------


def test_the_person_page_shows_details_incidents_consent_and_edit(
    client, officer, people, incident
):
    from people.services import record_consent

    record_consent(
        people.local,
        incident,
        by=officer,
        scope="partner_sharing",
        status="withheld",
        decided_on=datetime.date(2026, 1, 9),
    )
    client.force_login(officer)
    page = _text(client.get(reverse("person-detail", args=[people.local.pk])))
    assert escape(people.local.family_name) in page
    assert incident.urn in page
    assert "Withheld" in page
    assert reverse("person-edit", args=[people.local.pk]) in page
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.PERSON_VIEWED, target_id=str(people.local.pk), actor=officer
    ).exists()


def test_read_only_users_see_no_edit_link(client, scenario, people):
    client.force_login(scenario.user(UserGroup.ANALYST))
    page = _text(client.get(reverse("person-detail", args=[people.local.pk])))
    assert escape(people.local.family_name) in page
    assert reverse("person-edit", args=[people.local.pk]) not in page


def test_a_conflict_and_the_history_show_labels_and_dates_as_people_read_them(
    client, scenario, people
):
    """Codes as their labels, dates as dates (issue #24 item 15)."""
    person = people.local
    first, second = scenario.user(UserGroup.OPERATIONAL), scenario.user(UserGroup.ENHANCED)
    opened = _edit_data(person)
    update_person(
        person,
        by=first,
        expected_version=1,
        gender=Person.Gender.FEMALE,
        ethnicity=Person.Ethnicity.WHITE_IRISH,
        date_of_birth=DOB,
    )
    client.force_login(second)

    page = _text(client.post(reverse("person-edit", args=[person.pk]), opened))
    clash = page.split("Someone else changed this record", 1)[1].split("</ul>", 1)[0]
    history = _text(client.get(reverse("person-history", args=[person.pk])))

    assert "Gender: “Not known” to “Female”" in clash
    assert "Ethnicity: “Not stated” to “White: Irish”" in clash
    assert f"Date of birth: “{person.date_of_birth:%-d %b %Y}” to “23 Nov 1984”" in clash
    for page in (clash, history):
        assert "white_irish" not in page and "not_known" not in page
        assert "1984-11-23" not in page
    assert re.search(r"Ethnicity</dt>\s*<dd[^>]*>Not stated <span", history)
    assert "White: Irish" in history


def test_history_shows_who_changed_what_and_is_logged(client, scenario, people):
    manager = scenario.user(UserGroup.ENHANCED)
    update_person(people.local, by=manager, expected_version=1, language="Gujarati")
    client.force_login(scenario.user(UserGroup.ANALYST))
    page = _text(client.get(reverse("person-history", args=[people.local.pk])))
    assert escape(f"by {manager}") in page
    assert "Gujarati" in page
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.HISTORY_VIEWED)
    assert (event.actor, event.target_type, event.target_id) == (
        scenario.user(UserGroup.ANALYST),
        "person",
        str(people.local.pk),
    )


# --- Statements, interventions, consent --------------------------------------------------------


def test_recording_a_statement_and_consent_on_the_involvement_page(
    client, officer, people, incident
):
    victim = Involvement.objects.get(incident=incident, person=people.local)
    url = reverse("involvement-detail", args=[incident.urn, victim.pk])
    client.force_login(officer)
    page = _text(client.get(url))
    assert "Record a statement" in page
    assert "Record an intervention" not in page

    refused = client.post(
        url, {"form": "statement", "statement-taken": "yes", "statement-notes": "Typed notes"}
    )
    assert "Enter the date the statement was taken" in _text(refused)
    assert "Typed notes" in _text(refused)
    done = client.post(
        url, {"form": "statement", "statement-taken": "yes", "statement-taken_on": "02/01/2026"}
    )
    assert done.status_code == 302
    assert Statement.objects.get(involvement=victim).taken_by == officer

    consent = client.post(
        url,
        {
            "form": "consent",
            "consent-scope": "victim_support",
            "consent-status": "given",
            "consent-decided_on": "03/01/2026",
        },
    )
    assert consent.status_code == 302
    assert Consent.objects.get(person=people.local).recorded_by == officer
    assert "Given" in _text(client.get(url))


def test_recording_and_updating_an_intervention(client, officer, people, incident):
    from people.models import InterventionType

    perpetrator = Involvement.objects.get(incident=incident, person=people.both)
    url = reverse("involvement-detail", args=[incident.urn, perpetrator.pk])
    client.force_login(officer)
    warning = InterventionType.objects.get(code="community_protection_warning")
    refused = client.post(
        url,
        {
            "form": "intervention",
            "intervention-type": warning.pk,
            "intervention-issuing_organisation": officer.organisation_id,
            "intervention-status": "issued",
            "intervention-issued_on": "10/01/2026",
            "intervention-expires_on": "01/01/2026",
        },
    )
    assert "Expiry date must be on or after the date it was issued" in _text(refused)
    done = client.post(
        url,
        {
            "form": "intervention",
            "intervention-type": warning.pk,
            "intervention-issuing_organisation": officer.organisation_id,
            "intervention-status": "issued",
            "intervention-issued_on": "10/01/2026",
            "intervention-review_on": "10/02/2026",
        },
    )
    assert done.status_code == 302
    intervention = perpetrator.interventions.get()
    edit = reverse("intervention-edit", args=[incident.urn, perpetrator.pk, intervention.pk])
    assert edit in _text(client.get(url))
    updated = client.post(
        edit,
        {
            "type": warning.pk,
            "issuing_organisation": officer.organisation_id,
            "status": "breached",
            "issued_on": "10/01/2026",
            "breaches": "Seen again on 20 Jan",
        },
    )
    assert updated.status_code == 302
    intervention.refresh_from_db()
    assert (intervention.status, intervention.breaches) == ("breached", "Seen again on 20 Jan")


def test_read_only_users_cannot_post_to_the_involvement_page(client, scenario, people, incident):
    victim = Involvement.objects.get(incident=incident, person=people.local)
    url = reverse("involvement-detail", args=[incident.urn, victim.pk])
    client.force_login(scenario.user(UserGroup.ANALYST))
    assert "Record a statement" not in _text(client.get(url))
    response = client.post(url, {"form": "statement", "statement-taken": "no"})
    assert response.status_code == 404
    assert not Statement.objects.exists()


# --- Search -----------------------------------------------------------------------------------


def test_search_finds_people_in_scope_and_logs_the_terms(client, officer, people):
    client.force_login(officer)
    response = client.post(
        reverse("person-search"),
        {
            "given_name": people.local.given_name,
            "family_name": people.local.family_name,
        },
    )
    page = _text(response)
    assert reverse("person-detail", args=[people.local.pk]) in page
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.SEARCH)
    assert event.details["terms"]["family_name"] == people.local.family_name
    assert event.justification == "Basic search"
    # Search terms never travel in the URL.
    assert people.local.family_name not in response.request["PATH_INFO"]
    assert response.request.get("QUERY_STRING", "") == ""

    missing = client.post(reverse("person-search"), {"given_name": "Only"})
    assert "Enter their last name" in _text(missing)
    assert 'value="Only"' in _text(missing)
