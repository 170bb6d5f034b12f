"""Likely matches when adding a person (SPEC P2): typos found, different dates of birth not
offered, nobody outside the user's scope ever returned, merged records never offered.

Each test runs on both name-similarity paths: pg_trgm (PostgreSQL only; skipped elsewhere,
a failure in CI) and the difflib fallback (any database)."""

import datetime
import importlib
import re

import pytest
from django.db import connection, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.urls import reverse

from access.models import UserGroup
from incidents.services import log_complaint
from people import matching
from people.matching import find_matches
from people.models import Person
from people.services import involve, merge_people, update_person
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


# --- Names compared in their normal form (issue #24 item 13) ---------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (("Máire", "Ní Bhraonáin"), ("Maire", "Ni Bhraonain")),
        (("Seán", "O'Neill"), ("sean", "ONeill")),
        (("Siobhan", "O\u2019Brien"), ("SIOBHAN", "o'brien")),  # a curly apostrophe
        (("Anne-Marie", "Smith-Jones"), ("Anne Marie", "smith jones")),
        (("Zoë", "Łukasiewicz"), ("Zoe", "Lukasiewicz")),
    ],
)
def test_accents_apostrophes_hyphens_and_case_do_not_make_a_different_name(
    path, add, officer, stored, typed
):
    known = add("in_area", *stored, DOB)

    matches = find_matches(officer, given_name=typed[0], family_name=typed[1], date_of_birth=DOB)

    assert [m.person for m in matches] == [known]
    assert matches[0].reasons == ["Same name", "Same date of birth"]
    assert matches[0].score == 0.85


def test_a_typo_in_an_accented_name_typed_without_accents_is_still_similar(path, add, officer):
    known = add("in_area", "Aoife", "Ó Súilleabháin", DOB)

    matches = find_matches(officer, given_name="Aoife", family_name="O Suilleabhan")

    assert [m.person for m in matches] == [known]
    assert matches[0].reasons == ["Name similar"]


def test_a_renamed_person_is_matched_by_the_new_name(path, add, officer):
    person = add("in_area", "Eilidh", "Mac Giolla Íosa", DOB)
    update_person(person, by=officer, expected_version=1, family_name="Nic Giolla Chríost")

    renamed = find_matches(officer, given_name="Eilidh", family_name="Nic Giolla Chriost")
    assert [m.reasons for m in renamed] == [["Same name"]]
    assert find_matches(officer, given_name="Eilidh", family_name="Mac Giolla Iosa") == []


def test_the_normal_form_of_each_name_is_kept_out_of_the_history(add):
    person = add("in_area", "Órla", "D'Arcy-Ní Mhaoil", DOB)
    person.refresh_from_db()

    assert (person.given_name, person.family_name) == ("Órla", "D'Arcy-Ní Mhaoil")
    assert (person.given_name_normalised, person.family_name_normalised) == (
        "orla",
        "darcy ni mhaoil",
    )
    history_fields = {f.name for f in person.history.model._meta.fields}
    assert "family_name_normalised" not in history_fields


def test_the_migration_fills_the_normal_forms_of_people_already_recorded(add):
    """The data migration of people/0005, run over rows recorded before it."""
    from django.apps import apps

    fill = importlib.import_module("people.migrations.0005_names_normalised_for_matching").fill
    one = add("in_area", "Seán", "Ó Briain", DOB)
    two = add("in_area", "Kirsty", "MacLeod-Smith", role="witness")
    Person.objects.update(given_name_normalised="", family_name_normalised="")

    fill(apps, None)

    rows = Person.objects.filter(pk__in=[one.pk, two.pk]).order_by("pk")
    assert list(rows.values_list("given_name_normalised", "family_name_normalised")) == [
        ("sean", "o briain"),
        ("kirsty", "macleod smith"),
    ]


def test_the_people_search_page_finds_a_name_typed_without_its_accent(client, add, officer):
    known = add("in_area", "Máire", "Ní Bhraonáin", DOB)
    client.force_login(officer)

    page = client.post(
        reverse("person-search"), {"given_name": "Maire", "family_name": "Ni Bhraonain"}
    ).content.decode()

    assert reverse("person-detail", args=[known.pk]) in page


def test_adding_a_person_offers_the_one_recorded_with_an_apostrophe(
    client, add, officer, scenario
):
    """The duplicate check when a person is added to a case: "ONeill" is offered O'Neill."""
    known = add("in_area", "Ciarán", "O'Neill", DOB)
    incident = log_complaint(
        by=officer, area=scenario.partnership.areas["Blaby"], description="Shouting at night"
    )
    client.force_login(officer)

    page = client.post(
        reverse("involvement-add", args=[incident.urn]),
        {
            "step": "find",
            "find-role": "witness",
            "find-given_name": "Ciaran",
            "find-family_name": "ONeill",
        },
    ).content.decode()

    assert "Is this someone already known?" in page
    assert f'value="{known.pk}"' in page


# --- The indexes that serve the normalised names -----------------------------------------------


def _postgres_plan(queryset, threshold: float) -> str:
    """EXPLAIN with sequential and plain index scans discouraged (see _plan in
    tests/reports/test_search.py): a bitmap scan needs a condition its index can serve."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [f"{threshold:.4f}"]
        )
        cursor.execute("ANALYZE people_person")
        return queryset.explain()


@pytest.mark.postgres
def test_the_candidates_are_found_through_the_normalised_trigram_indexes(add):
    if connection.vendor != "postgresql":
        skip_or_fail("pg_trgm indexes need PostgreSQL (set DATABASE_URL)")
    add("in_area", "Máire", "Ní Bhraonáin", DOB)
    family_only, _ = matching.postgres_candidates(
        Person.objects.all(), "", "ni bhraonain", None, ""
    )
    both, threshold = matching.postgres_candidates(
        Person.objects.all(), "maire", "ni bhraonain", None, ""
    )

    assert "person_family_normalised_trgm" in _postgres_plan(family_only, matching.NAME_ONLY)
    plan = _postgres_plan(both, threshold)
    assert "person_family_normalised_trgm" in plan or "person_given_normalised_trgm" in plan


def test_the_fallback_narrows_candidates_through_the_normalised_name_index():
    """On SQLite (the fallback's database) the first-letter range is served by
    person_name_normalised: checked with SQLite's own planner on an empty table of the same
    shape, whatever database the suite runs on."""
    sqlite = DatabaseWrapper({**connection.settings_dict, "NAME": ":memory:"}, alias="sqlite")
    sqlite.settings_dict.update(ENGINE="django.db.backends.sqlite3", OPTIONS={})
    try:
        with sqlite.schema_editor(atomic=False) as editor:
            editor.create_model(Person)
        query = Person.objects.filter(matching.same_first_letter("o neill")).query
        sql, params = query.get_compiler(connection=sqlite).as_sql()
        with sqlite.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
    finally:
        sqlite.close()
    assert re.search(r"SEARCH people_person USING (COVERING )?INDEX person_name_normalised", plan)
