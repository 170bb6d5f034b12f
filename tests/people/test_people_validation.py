"""Validation written once: the rules and their messages are the services' (people/services.py);
the forms check shape and show the services' messages on the right fields (P1-P3, P6)."""

import ast
import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from access.models import UserGroup
from people import forms, services
from people.models import Involvement, Person
from tests.support.posted import typed_date

from .conftest import person_fields

TODAY = datetime.date.today()
TOMORROW = TODAY + datetime.timedelta(days=1)

# A person's details as a caseworker types them: all valid.
TYPED = {
    "given_name": "Ada",
    "family_name": "Quill",
    "date_of_birth": "",
    "estimated_age": "35",
    "gender": Person.Gender.NOT_KNOWN,
    "address": "1 High Street",
    "postcode": "le19 2ab",
    "uprn": "123",
    "phone": "0116 000 0000",
    "email": "ada@example.com",
    "ni_number": "qq 12 34 56 c",
    "language": "Welsh",
    "ethnicity": Person.Ethnicity.NOT_STATED,
}


def _messages(error: ValidationError) -> dict:
    return {field: messages[0] for field, messages in error.message_dict.items()}


def _clean(**fields):
    try:
        return services.clean_person_fields(fields)
    except ValidationError as error:
        return _messages(error)


def _details_errors(**changes) -> dict:
    form = forms.PersonDetailsForm({**TYPED, **changes})
    form.is_valid()
    return {field: list(messages) for field, messages in form.errors.items()}


def _strings(path: Path) -> set[str]:
    """The words a module writes: its string literals of more than two words (not the
    fixed parts of f-strings)."""
    tree = ast.parse(path.read_text())
    in_f_strings = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in in_f_strings
        and len(node.value.split()) > 2
    }


# --- Messages are written once ---------------------------------------------------------------


def test_the_forms_write_none_of_the_services_messages():
    people = Path(settings.BASE_DIR) / "people"
    shared = _strings(people / "forms.py") & _strings(people / "services.py")
    # A field's label, which both name (the form to label it, the service in its message).
    shared -= {"Date of the decision"}
    assert not shared, f"Written in both people/forms.py and people/services.py: {shared}"


# --- The service's rules, one group of details at a time -------------------------------------


def test_names_are_required():
    assert _clean(given_name=" ", family_name="") == {
        "given_name": services.ENTER_GIVEN_NAME,
        "family_name": services.ENTER_FAMILY_NAME,
    }


def test_details_longer_than_the_record_keeps_are_refused_by_their_label():
    assert _clean(given_name="A" * 101, family_name="Q", uprn="1" * 13, phone="0" * 31) == {
        "given_name": "Given name must be 100 characters or fewer",
        # A shape check replaces the length message with its own.
        "uprn": "UPRN must be a number of up to 12 digits",
        "phone": "Phone must be 30 characters or fewer",
    }


@pytest.mark.parametrize(
    ("date_of_birth", "message"),
    [
        ("1980-01-01", "Date of birth must be a real date"),
        (TOMORROW, "Date of birth must be today or in the past"),
        (datetime.date(1899, 12, 31), "Date of birth must be after 1900"),
    ],
)
def test_a_date_of_birth_is_a_real_past_date_after_1900(date_of_birth, message):
    assert _clean(given_name="A", family_name="Q", date_of_birth=date_of_birth) == {
        "date_of_birth": message
    }


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"estimated_age": 121}, "Estimated age must be a whole number between 0 and 120"),
        ({"estimated_age": -1}, "Estimated age must be a whole number between 0 and 120"),
        ({"estimated_age": "35"}, "Estimated age must be a whole number between 0 and 120"),
        (
            {"estimated_age": 35, "date_of_birth": datetime.date(1980, 1, 1)},
            "Leave the estimated age blank when you know the date of birth",
        ),
        # Out of range is the first thing to say, even with a date of birth.
        (
            {"estimated_age": 121, "date_of_birth": datetime.date(1980, 1, 1)},
            "Estimated age must be a whole number between 0 and 120",
        ),
    ],
)
def test_an_estimated_age_is_a_whole_number_only_without_a_date_of_birth(fields, message):
    assert _clean(given_name="A", family_name="Q", **fields) == {"estimated_age": message}


def test_blank_details_are_normalised():
    cleaned = services.clean_person_fields(
        {
            "given_name": " Ada ",
            "family_name": "Quill",
            "date_of_birth": "",
            "estimated_age": "",
            "gender": "",
            "ethnicity": None,
            "email": None,
            "postcode": None,
            "phone": None,
        }
    )
    assert cleaned == {
        "given_name": "Ada",
        "family_name": "Quill",
        "date_of_birth": None,
        "estimated_age": None,
        "gender": Person.Gender.NOT_KNOWN,
        "ethnicity": Person.Ethnicity.NOT_STATED,
        "email": "",
        "postcode": "",
        "phone": "",
    }


def test_contact_details_and_identifiers_are_checked_by_shape_and_normalised():
    cleaned = services.clean_person_fields(
        {
            "given_name": "A",
            "family_name": "Q",
            "postcode": " le19  2ab ",
            "ni_number": "qq 12 34 56 c",
            "email": "ada@example.com",
            "uprn": "100030000001",
        }
    )
    assert (cleaned["postcode"], cleaned["ni_number"]) == ("LE19 2AB", "QQ123456C")
    assert _clean(
        given_name="A",
        family_name="Q",
        postcode="LE19",
        ni_number="AB123",
        email="ada@",
        uprn="12a",
        gender="other-thing",
        ethnicity="other-thing",
    ) == {
        "postcode": "Enter a real postcode, like LE19 2AB.",
        "ni_number": "Enter a National Insurance number in the correct format, like QQ 12 34 56 C",
        "email": "Enter an email address in the correct format, like name@example.com",
        "uprn": "UPRN must be a number of up to 12 digits",
        "gender": "Choose a gender from the list",
        "ethnicity": "Choose an ethnic group from the list",
    }


def test_the_messages_keep_their_order():
    with pytest.raises(ValidationError) as excinfo:
        services.clean_person_fields(
            {
                "ethnicity": "x",
                "uprn": "x",
                "email": "x",
                "ni_number": "x",
                "postcode": "x",
                "estimated_age": 200,
                "date_of_birth": TOMORROW,
                "other_names": "x" * 201,
                "family_name": "",
                "given_name": "",
            }
        )
    assert list(excinfo.value.message_dict) == [
        "given_name",
        "family_name",
        "other_names",
        "date_of_birth",
        "estimated_age",
        "postcode",
        "ni_number",
        "email",
        "uprn",
        "ethnicity",
    ]


def test_an_unknown_detail_is_a_programming_error():
    with pytest.raises(ValueError, match="Not a person's detail: shoe_size"):
        services.clean_person_fields({"given_name": "A", "shoe_size": 9})


# --- Involvements --------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_problem_with_an_involvement_is_reported_at_once(scenario):
    incident = scenario.incidents["in_area"]
    officer = scenario.user(UserGroup.OPERATIONAL)
    with pytest.raises(ValidationError) as excinfo:
        services.involve(
            incident,
            by=officer,
            role="boss",
            anonymised_label="Victim A",
            person_fields=person_fields(given_name="", email="bad"),
            dependant_of=None,
        )
    assert list(excinfo.value.message_dict) == [
        "role",
        "anonymised_label",
        "given_name",
        "email",
    ]
    assert _messages(excinfo.value)["role"] == services.CHOOSE_ROLE


@pytest.mark.django_db
def test_the_dependant_rule(scenario):
    incident = scenario.incidents["in_area"]
    other = scenario.incidents["out_of_area"]
    officer = scenario.user(UserGroup.OPERATIONAL)
    parent = services.involve(incident, by=officer, role="victim", person_fields=person_fields())
    child = services.involve(
        incident, by=officer, role="dependant", dependant_of=parent, person_fields=person_fields()
    )
    elsewhere = services.involve(
        other, by=scenario.rutland_officer, role="victim", person_fields=person_fields()
    )
    dependant = Involvement.Role.DEPENDANT
    assert services.dependant_problem(incident, dependant, parent) is None
    assert services.dependant_problem(incident, "victim", None) is None
    assert services.dependant_problem(incident, dependant, None) == (
        "Choose whose dependant they are"
    )
    assert services.dependant_problem(incident, dependant, elsewhere) == (
        services.CHOOSE_SOMEONE_INVOLVED
    )
    assert services.dependant_problem(incident, dependant, child) == (
        "Choose a complainant, victim, witness or perpetrator"
    )
    for role in ("victim", "", "boss"):
        assert services.dependant_problem(incident, role, parent) == (
            "Only a dependant is recorded as someone's dependant"
        )


# --- The forms show the services' messages ----------------------------------------------------


def test_a_persons_details_form_shows_the_services_messages_on_the_first_submit():
    assert _details_errors(given_name="", estimated_age="121", email="ada@", uprn="12a") == {
        "given_name": [services.ENTER_GIVEN_NAME],
        "estimated_age": ["Estimated age must be a whole number between 0 and 120"],
        "email": ["Enter an email address in the correct format, like name@example.com"],
        "uprn": ["UPRN must be a number of up to 12 digits"],
    }
    assert _details_errors(
        **typed_date("date_of_birth", datetime.date(1899, 1, 1)), estimated_age="-1"
    ) == {
        "date_of_birth": ["Date of birth must be after 1900"],
        "estimated_age": ["Estimated age must be a whole number between 0 and 120"],
    }


def test_the_forms_own_shape_messages_come_first():
    assert _details_errors(
        given_name="A" * 101,
        estimated_age="thirty",
        date_of_birth_day="31",
        date_of_birth_month="2",
        date_of_birth_year="2000",
        phone="0" * 31,
    ) == {
        "given_name": ["First name must be 100 characters or fewer"],
        "estimated_age": ["Estimated age must be a whole number, like 35"],
        "date_of_birth": ["Date of birth must be a real date."],
        "phone": ["Phone number must be 30 characters or fewer"],
    }
    # An address too long and badly formed: both messages, as an email field gives.
    errors = _details_errors(email="x" * 300)["email"]
    assert errors[0] == "Enter an email address in the correct format, like name@example.com"
    assert errors[1].startswith("Ensure this value has at most 254 characters")


def test_a_valid_persons_details_form_gives_the_services_normalised_values():
    form = forms.PersonDetailsForm(TYPED)
    assert form.is_valid(), form.errors
    fields = form.person_fields()
    assert (fields["postcode"], fields["ni_number"], fields["estimated_age"]) == (
        "LE19 2AB",
        "QQ123456C",
        35,
    )


@pytest.mark.django_db
def test_the_involvement_forms_ask_in_the_services_words(scenario):
    incident = scenario.incidents["in_area"]
    officer = scenario.user(UserGroup.OPERATIONAL)
    parent = services.involve(incident, by=officer, role="victim", person_fields=person_fields())

    find = forms.FindPersonForm({"find-role": "dependant"}, incident=incident, prefix="find")
    assert not find.is_valid()
    assert find.errors == {
        "given_name": [services.ENTER_GIVEN_NAME],
        "family_name": [services.ENTER_FAMILY_NAME],
        "dependant_of": ["Choose whose dependant they are"],
    }
    find = forms.FindPersonForm(
        {"find-role": "victim", "find-dependant_of": str(parent.pk)},
        incident=incident,
        prefix="find",
    )
    assert not find.is_valid()
    assert find.errors["dependant_of"] == ["Only a dependant is recorded as someone's dependant"]

    anonymised = forms.AnonymisedInvolvementForm({"dependant_of": "0"}, incident=incident)
    assert not anonymised.is_valid()
    assert anonymised.errors == {
        "anonymised_label": [services.ENTER_LABEL],
        "role": [services.CHOOSE_ROLE],
        "dependant_of": [services.CHOOSE_SOMEONE_INVOLVED],
    }


def test_the_consent_form_asks_in_the_services_words():
    form = forms.ConsentForm({})
    assert not form.is_valid()
    assert form.errors == {
        "scope": [services.CHOOSE_CONSENT_SCOPE],
        "status": [services.CHOOSE_CONSENT_STATUS],
        "decided_on": [services.ENTER_DECISION_DATE],
    }


def test_the_search_form_asks_for_a_last_name_in_the_services_words():
    form = forms.PersonSearchForm({"postcode": "LE19"})
    assert not form.is_valid()
    assert form.errors == {
        "family_name": [services.ENTER_FAMILY_NAME],
        "postcode": ["Enter a real postcode, like LE19 2AB."],
    }
