"""Likely matches when adding a person (SPEC P2): typos found, different dates of birth not
offered, nobody outside the user's scope ever returned, merged records never offered.

Each test runs on both name-similarity paths: pg_trgm (PostgreSQL only; skipped elsewhere,
a failure in CI) and the difflib fallback (any database)."""

import datetime

import pytest
from django.db import connection

from access.models import UserGroup
from people import matching
from people.matching import find_matches
from people.services import involve, merge_people
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db

DOB = datetime.date(1961, 4, 12)


@pytest.fixture(params=["trigram", "fallback"])
def path(request, monkeypatch):
    if request.param == "trigram":
        if connection.vendor != "postgresql":
            skip_or_fail("pg_trgm name similarity needs PostgreSQL (set DATABASE_URL)")
    else:
        monkeypatch.setattr(matching, "use_trigram", lambda: False)
    return request.param


@pytest.fixture
def officer(scenario):
    return scenario.user(UserGroup.OPERATIONAL)


@pytest.fixture
def add(scenario, officer):
    """add("in_area", given, family, dob, postcode) -> the new person."""

    def add(record, given, family, date_of_birth=None, postcode="", role="victim"):
        by = officer if record == "in_area" else scenario.rutland_officer
        return involve(
            scenario.incidents[record],
            by=by,
            role=role,
            person_fields={
                "given_name": given,
                "family_name": family,
                "date_of_birth": date_of_birth,
                "postcode": postcode,
            },
        ).person

    return add


def test_a_one_letter_typo_with_the_same_date_of_birth_is_found_first(path, add, officer):
    planted = add("in_area", "Margaret", "Hollingsworth", DOB, "LE19 2AB")
    namesake = add("in_area", "Margaret", "Hollingsworth", datetime.date(1975, 9, 30))
    add("in_area", "Marcus", "Holloway", datetime.date(1990, 1, 1), role="witness")

    matches = find_matches(
        officer, given_name="Margaret", family_name="Hollingswirth", date_of_birth=DOB
    )

    assert matches, "the planted duplicate must be offered"
    assert matches[0].person == planted
    assert "Same date of birth" in matches[0].reasons
    assert "Name similar" in matches[0].reasons
    assert 0 < matches[0].score <= 1
    # Same name, different date of birth: not the same person, so not offered.
    assert namesake not in [m.person for m in matches]


def test_a_same_name_with_a_different_date_of_birth_is_not_offered(path, add, officer):
    add("in_area", "Oluwaseun", "Adebayo", datetime.date(1982, 6, 3))

    matches = find_matches(
        officer, given_name="Oluwaseun", family_name="Adebayo", date_of_birth=DOB
    )

    assert matches == []
    # Without a date of birth to contradict it, the same name is offered.
    undated = find_matches(officer, given_name="Oluwaseun", family_name="Adebayo")
    assert [m.reasons for m in undated] == [["Same name"]]


def test_people_only_in_out_of_scope_incidents_are_never_returned(path, add, officer):
    hidden = add("out_of_area", "Gwendolyn", "Fairbrother", DOB, "LE15 6AA")
    seen = add("shared", "Gwendolyn", "Fairbrother", DOB, "LE15 6AA")

    matches = find_matches(
        officer,
        given_name="Gwendolyn",
        family_name="Fairbrother",
        date_of_birth=DOB,
        postcode="le15 6aa",
    )

    assert [m.person for m in matches] == [seen]
    assert matches[0].reasons == ["Same name", "Same date of birth", "Same postcode"]
    assert matches[0].score == 1.0
    assert hidden not in [m.person for m in matches]


def test_a_basic_user_is_offered_no_one(path, add, scenario):
    add("in_area", "Tobias", "Merriweather", DOB)
    clerk = scenario.user(UserGroup.BASIC)
    assert find_matches(clerk, given_name="Tobias", family_name="Merriweather") == []


def test_merged_records_are_never_offered(path, add, scenario, officer):
    keep = add("in_area", "Priya", "Raghunathan", DOB)
    duplicate = add("in_area", "Priya", "Raghunathan", DOB, role="witness")
    before = find_matches(officer, given_name="Priya", family_name="Raghunathan")
    assert {m.person for m in before} == {keep, duplicate}

    merge_people(keep, duplicate, by=scenario.user(UserGroup.ADMINISTRATOR), reason="Same")

    after = find_matches(officer, given_name="Priya", family_name="Raghunathan")
    assert [m.person for m in after] == [keep]


def test_same_postcode_counts_and_results_are_limited(path, add, officer):
    for number in range(7):
        add("in_area", "Imogen", "Blackwood", datetime.date(1970 + number, 1, 1), "LE8 4EF")

    matches = find_matches(
        officer, given_name="Imogen", family_name="Blackwood", postcode="LE84EF", limit=5
    )

    assert len(matches) == 5
    assert all("Same postcode" in m.reasons for m in matches)


def test_blank_or_unusable_terms_match_nothing(path, add, officer):
    add("in_area", "Ada", "Quill", DOB)
    assert find_matches(officer, given_name="Ada", family_name="  ") == []
    # A malformed postcode is ignored rather than an error.
    matches = find_matches(officer, given_name="Ada", family_name="Quill", postcode="nope")
    assert [m.person.family_name for m in matches] == ["Quill"]


def test_a_search_by_last_name_alone_finds_everyone_of_that_name(path, add, officer):
    one = add("in_area", "Beatrix", "Pemberton", DOB)
    two = add("in_area", "Hugo", "Pemberton", role="witness")
    add("in_area", "Hugo", "Fairweather", role="complainant")

    matches = find_matches(officer, given_name="", family_name="pemberton")

    assert {m.person for m in matches} == {one, two}
    assert all(m.reasons == ["Same last name"] for m in matches)


def test_the_database_hands_over_every_name_that_could_match_on_its_own():
    """The trigram thresholds (matching.NAME_ONLY and the two below it) only leave out names
    that could never reach MIN_SCORE without a date of birth or postcode in common: checked
    over every pair of similarities to a thousandth, so changing a weight without its
    threshold fails here."""
    steps = [n / 1000 for n in range(1001)]
    for family in steps:
        alone = round(matching.NAME_WEIGHT * family, 2)
        if alone >= matching.MIN_SCORE:
            assert family >= matching.NAME_ONLY
        for given in steps:
            name = matching.FAMILY_WEIGHT * family + matching.GIVEN_WEIGHT * given
            if round(matching.NAME_WEIGHT * name, 2) >= matching.MIN_SCORE:
                assert family >= matching.FAMILY_ONLY_WITH_GIVEN
                assert given >= matching.GIVEN_ONLY_WITH_FAMILY
